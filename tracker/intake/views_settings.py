"""The settings page of the public enquiry form."""

from functools import partial

from flask import Response, abort, render_template, url_for

from tracker.forms import conflict_differences, take_current_version
from tracker.intake import bp, public_form
from tracker.intake.settings_forms import PublicFormSettingsForm
from tracker.outcomes import submit
from tracker.permissions import require


def _page(form: PublicFormSettingsForm, settings, differences=(), status: int = 200):
    return render_template("intake/settings.html", form=form, settings=settings, differences=list(differences),
                           form_url=url_for("intake.public.enquire", _external=True)), status


@bp.route("/settings/public-form", methods=["GET", "POST"])
@require("settings.manage")
def settings():
    """Turn the public form on or off, its look, who may embed it, and where its enquiries are announced."""
    saved = public_form.form_settings()
    form = PublicFormSettingsForm.for_settings(saved)
    if not form.validate_on_submit():
        return _page(form, saved)
    outcome = submit(form, partial(public_form.update_settings, saved, form.change(), version=form.version.data),
                     done=lambda _: "Public form settings saved." + (
                         " The form is on." if saved.enabled else " The form is off."), to=url_for("intake.settings"))
    if outcome.response:
        return outcome.response
    current = PublicFormSettingsForm.for_settings(saved, formdata=None)
    take_current_version(form, saved)
    form.form_errors[-1] += " A logo you chose was not kept: choose it again."
    differences = [row for row in conflict_differences(form, current) if row[0] != form.logo.label.text]
    return _page(form, saved, differences, 409)


@bp.route("/settings/public-form/logo")
@require("settings.manage")
def settings_logo():
    """The uploaded logo for the settings page, shown even while the form is off; 404 when there is none."""
    saved = public_form.form_settings()
    if not saved.logo or saved.logo_type not in ("image/png", "image/jpeg"):
        abort(404)
    return Response(saved.logo, mimetype=saved.logo_type)
