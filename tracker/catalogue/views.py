"""The treatment catalogue for administrators: the list, adding a treatment, editing, retiring and bringing back."""

from decimal import Decimal
from functools import partial

from flask import render_template, url_for

from tracker.catalogue import bp, services
from tracker.catalogue.forms import TreatmentEditForm, TreatmentForm
from tracker.catalogue.models import Treatment
from tracker.extensions import db
from tracker.forms import conflict_differences, take_current_version
from tracker.money import to_pounds
from tracker.outcomes import submit
from tracker.permissions import require

MANAGE = "catalogue.manage"
PENNY = Decimal("0.01")  # the form shows 250.00, as the conflict panel compares it with what was typed


def _form_data(treatment: Treatment) -> dict:
    return {"name": treatment.name, "category": treatment.category.value,
            "default_sessions": treatment.default_sessions, "default_interval_weeks": treatment.default_interval_weeks,
            "price": to_pounds(treatment.price_pence).quantize(PENNY),
            "review_months": ", ".join(map(str, treatment.review_months)),
            "aftercare_label": treatment.aftercare_label, "aftercare_from_days": treatment.aftercare_from_days,
            "aftercare_to_days": treatment.aftercare_to_days, "reflection_days": treatment.reflection_days,
            "ablative": treatment.ablative, "surgical": treatment.surgical, "active": treatment.active,
            "position": treatment.position, "version": treatment.version}


def _saved(treatment: Treatment, was_active: bool) -> str:
    if was_active and not treatment.active:
        return f"“{treatment.name}” is retired: it is no longer offered, and plans and enquiries that have it keep it."
    if treatment.active and not was_active:
        return f"“{treatment.name}” is offered again."
    return f"Saved “{treatment.name}”."


def _conflict(form: TreatmentEditForm, treatment: Treatment):
    """The form as the user sent it, the saved values beside it, and the saved version so a second save goes through."""
    current = TreatmentEditForm(formdata=None, data=_form_data(treatment))
    take_current_version(form, treatment)
    return render_template("catalogue/form.html", form=form, treatment=treatment,
                           differences=conflict_differences(form, current)), 409


@bp.route("/admin/treatments")
@require(MANAGE)
def index():
    """Every treatment, retired ones included, with the defaults a plan starts from."""
    return render_template("catalogue/index.html", treatments=services.all_treatments())


@bp.route("/admin/treatments/new", methods=["GET", "POST"])
@require(MANAGE)
def new():
    """Add a treatment to the catalogue."""
    form = TreatmentForm(position=services.next_position())
    if form.validate_on_submit():
        outcome = submit(form, partial(services.create_treatment, form.details()), to=url_for("catalogue.index"),
                         done=lambda treatment: f"Added “{treatment.name}” to the catalogue.")
        if outcome.response:
            return outcome.response
    return render_template("catalogue/form.html", form=form, treatment=None, differences=[])


@bp.route("/admin/treatments/<id:treatment_id>/edit", methods=["GET", "POST"])
@require(MANAGE)
def edit(treatment_id: int):
    """Change a treatment's defaults, or retire it or offer it again; plans already made keep their own figures."""
    treatment = db.get_or_404(Treatment, treatment_id)
    form = TreatmentEditForm(data=_form_data(treatment))
    if form.validate_on_submit():
        was_active = treatment.active
        outcome = submit(form, partial(services.update_treatment, treatment, form.details(), version=form.version.data),
                         done=lambda _: _saved(treatment, was_active), to=url_for("catalogue.index"))
        if outcome.response:
            return outcome.response
        if outcome.status == 409:
            return _conflict(form, treatment)
    return render_template("catalogue/form.html", form=form, treatment=treatment, differences=[])
