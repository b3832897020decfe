"""The settings pages: the clinic's defaults, its editable lists (sources, lost reasons, rooms), its opening hours."""

from functools import partial

from flask import abort, flash, redirect, render_template, url_for
from wtforms import Field

from tracker.extensions import db
from tracker.outcomes import submit
from tracker.permissions import require
from tracker.settings import bp, services
from tracker.settings.forms import (
    DefaultsForm,
    OpeningHoursForm,
    OptionAddForm,
    OptionRenameForm,
    VersionForm,
    opening_hours_data,
    week_differences,
)
from tracker.settings.models import WEEKDAYS, Option, OptionKind

MANAGE = "settings.manage"


def _page(*, defaults: DefaultsForm | None = None, adding: OptionAddForm | None = None,
          conflict: str | None = None, status: int = 200):
    """The settings page; a form being shown again with its errors replaces its blank twin."""
    add_forms = {kind: OptionAddForm(kind, formdata=None) for kind in OptionKind}
    if adding is not None:
        add_forms[adding.kind] = adding
    if defaults is None:
        defaults = DefaultsForm(formdata=None, obj=services.clinic_settings())
    return render_template("settings/index.html", lists=services.option_lists(), add_forms=add_forms,
                           defaults_form=defaults, conflict=conflict,
                           settings=services.clinic_settings()), status


def _show_conflict(form, field: Field, current: str, version: int) -> None:
    """Keep the user's input (its conflict said above it), show the saved value beside it, and let a second save go
    through."""
    field.description = f"Current value: {current}"
    form.version.raw_data, form.version.data = [str(version)], version


def _kind_or_404(kind: str) -> OptionKind:
    try:
        return OptionKind(kind)
    except ValueError:
        abort(404)


def _option_url(option: Option) -> str:
    return url_for("settings.index", _anchor=option.kind.value)


def _back_to(option: Option):
    return redirect(_option_url(option))


@bp.route("/admin/settings")
@require(MANAGE)
def index():
    """The clinic's defaults and every editable list, retired entries included."""
    return _page()


@bp.route("/admin/settings/defaults", methods=["POST"])
@require(MANAGE)
def defaults():
    """Change the clinic's defaults."""
    form = DefaultsForm()
    if not form.validate_on_submit():
        return _page(defaults=form)
    settings = services.clinic_settings()
    outcome = submit(form, partial(services.update_clinic_settings, settings, clinic_name=form.clinic_name.data,
                                   consultation_minutes=form.consultation_minutes.data, version=form.version.data),
                     done=lambda _: f"Saved. Consultations default to {settings.consultation_minutes} minutes.",
                     to=url_for("settings.index"))
    if outcome.response:
        return outcome.response
    _show_conflict(form, form.consultation_minutes, f"{settings.consultation_minutes} minutes", settings.version)
    form.clinic_name.description = f"Current value: {settings.clinic_name or 'not set'}"
    return _page(defaults=form, status=409)


@bp.route("/admin/settings/options/<kind>/new", methods=["POST"])
@require(MANAGE)
def option_new(kind: str):
    """Add an entry at the end of a list."""
    form = OptionAddForm(_kind_or_404(kind))
    if form.validate_on_submit():
        outcome = submit(form, partial(services.add_option, form.kind, form.label.data), to=_option_url,
                         done=lambda option: f"Added “{option.label}” to {form.kind.label.lower()}.")
        if outcome.response:
            return outcome.response
    return _page(adding=form)


@bp.route("/admin/settings/options/<id:option_id>/edit", methods=["GET", "POST"])
@require(MANAGE)
def option_edit(option_id: int):
    """Rename an entry; the records that use it show the new name."""
    option = db.get_or_404(Option, option_id)
    form = OptionRenameForm(obj=option)
    if form.validate_on_submit():
        outcome = submit(form, partial(services.rename_option, option, form.label.data, version=form.version.data),
                         done=lambda _: f"Renamed to “{option.label}”.", to=lambda _: _option_url(option))
        if outcome.response:
            return outcome.response
        if outcome.status == 409:
            _show_conflict(form, form.label, option.label if option.active else f"{option.label} (retired)",
                           option.version)
            return render_template("settings/option_form.html", form=form, option=option), 409
    return render_template("settings/option_form.html", form=form, option=option)


def _option_step(option_id: int, active: bool, done: str):
    option = db.get_or_404(Option, option_id)
    form = VersionForm()
    if not form.validate_on_submit():
        flash("The page was out of date; please try again.", "warning")
        return _back_to(option)
    outcome = submit(form, partial(services.set_option_active, option, active, version=form.version.data),
                     done=lambda _: done.format(label=option.label), to=lambda _: _option_url(option))
    return outcome.response or _page(conflict=outcome.error.message, status=409)


@bp.route("/admin/settings/options/<id:option_id>/retire", methods=["POST"])
@require(MANAGE)
def option_retire(option_id: int):
    """Take an entry out of the choice lists; the records that use it keep it."""
    return _option_step(option_id, False,
                        "“{label}” is retired: it is no longer offered, and records that use it keep it.")


@bp.route("/admin/settings/options/<id:option_id>/restore", methods=["POST"])
@require(MANAGE)
def option_reactivate(option_id: int):
    """Offer a retired entry in the choice lists again."""
    return _option_step(option_id, True, "“{label}” is offered again.")


@bp.route("/admin/settings/opening-hours", methods=["GET", "POST"])
@require(MANAGE)
def opening_hours():
    """The clinic's opening hours for each day of the week, and the first-contact target counted in them."""
    week, settings = services.opening_hours(), services.clinic_settings()
    form = OpeningHoursForm(data=opening_hours_data(week, settings))
    if form.validate_on_submit():
        outcome = submit(form, partial(services.update_opening_hours, form.week(), versions=form.day_versions(),
                                       first_contact_hours=form.first_contact_hours.data,
                                       settings_version=form.version.data),
                         done="Opening hours saved.", to=url_for("settings.index", _anchor="opening-hours"))
        if outcome.response:
            return outcome.response
        if outcome.status != 409:  # InvalidWeek: the form checks the same, so only a changed rule lands here
            return _hours_page(form, status=400)
        form.take_current_versions(week, settings)
        return _hours_page(form, week_differences(form, week, settings), 409)
    return _hours_page(form)


def _hours_page(form: OpeningHoursForm, differences: list | None = None, status: int = 200):
    return render_template("settings/opening_hours.html", form=form, weekdays=WEEKDAYS,
                           differences=differences or []), status
