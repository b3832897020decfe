"""The patient page, editing details, archiving and restoring, and live duplicate matches for the quick log."""

from datetime import date
from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for

from tracker.extensions import db
from tracker.forms import conflict_differences, take_current_version
from tracker.outcomes import submit
from tracker.patients import bp, queries, services
from tracker.patients.forms import PatientForm, VersionForm
from tracker.patients.phones import display_phone
from tracker.permissions import require


def _patient_or_404(patient_id: int, *, archived: bool = False):
    return services.get_patient(patient_id, archived=archived) or abort(404)


def _form_data(patient) -> dict:
    return {"first_name": patient.first_name, "last_name": patient.last_name, "phone": display_phone(patient.phone),
            "phone_alt": display_phone(patient.phone_alt), "email": patient.email,
            "date_of_birth": patient.date_of_birth, "preferred_contact": patient.preferred_contact.value,
            "preferred_times": patient.preferred_times, "marketing_consent": patient.marketing_consent,
            "marketing_consent_method": patient.marketing_consent_method.value
            if patient.marketing_consent_method else "", "notes": patient.notes, "version": patient.version}


@bp.route("/patients/<id:patient_id>")
@require("patient.view")
def detail(patient_id: int):
    """The patient's details and all their enquiries; a merged record leads to the one it was merged into."""
    patient = _patient_or_404(patient_id, archived=True)
    if patient.merged_into_id is not None:
        flash(f"Patient #{patient.id} was merged into this record.", "info")
        return redirect(url_for("patients.detail", patient_id=patient.merged_into_id))
    if patient.archived_at is not None:
        abort(404)
    return render_template("patients/detail.html", patient=patient, enquiries=queries.records(patient),
                           version_form=VersionForm(version=patient.version))


@bp.route("/patients/<id:patient_id>/edit", methods=["GET", "POST"])
@require("patient.edit")
def edit(patient_id: int):
    """Change a patient's details or marketing consent."""
    patient = _patient_or_404(patient_id)
    form = PatientForm.for_patient(patient, data=_form_data(patient))
    if form.validate_on_submit():
        outcome = submit(form, partial(services.update_patient, patient, form.patient_details(),
                                       version=form.version.data),
                         done=lambda _: f"Saved {patient.full_name}.",
                         to=url_for("patients.detail", patient_id=patient.id))
        if outcome.response:
            return outcome.response
        if outcome.status == 409:
            current = PatientForm(formdata=None, data=_form_data(patient))
            take_current_version(form, patient)
            return render_template("patients/edit.html", form=form, patient=patient,
                                   differences=conflict_differences(form, current)), 409
    return render_template("patients/edit.html", form=form, patient=patient, differences=[])


@bp.route("/patients/<id:patient_id>/archive", methods=["POST"])
@require("patient.edit")
def archive(patient_id: int):
    """Archive a patient and their enquiries; a manager can restore them."""
    patient = _patient_or_404(patient_id)
    form = VersionForm()
    if not form.validate_on_submit():
        flash("The page was out of date; please try again.", "warning")
        return redirect(url_for("patients.detail", patient_id=patient.id))
    services.archive(patient, version=form.version.data)
    db.session.commit()
    flash(f"{patient.full_name} is archived. A manager can restore them from Archived records.", "success")
    return redirect(url_for("enquiries.index"))


@bp.route("/patients/<id:patient_id>/restore", methods=["POST"])
@require("record.restore")
def restore(patient_id: int):
    """Bring an archived patient back, with the enquiries archived with them."""
    patient = _patient_or_404(patient_id, archived=True)
    form = VersionForm()
    if not form.validate_on_submit() or patient.archived_at is None:
        flash("Nothing to restore; the page was out of date.", "warning")
        return redirect(url_for("enquiries.archived"))
    return submit(form, partial(services.restore, patient, version=form.version.data),
                  done=lambda _: f"{patient.full_name} is restored.",
                  to=url_for("patients.detail", patient_id=patient.id),
                  back=url_for("enquiries.archived"), alert="warning").response


@bp.route("/patients/matches")
@require("patient.view")
def matches():
    """Existing patients who may be the caller being logged (an HTML fragment for the quick log)."""
    args = request.args
    born = _date_or_none(args.get("date_of_birth", ""))
    found = services.find_matches(
        phones=[services.parse_phone_or_none(args.get("phone", "")[:40]),
                services.parse_phone_or_none(args.get("phone_alt", "")[:40])],
        email=services.parse_email_or_none(args.get("email", "")[:320]),
        first_name=args.get("first_name", "")[:80], last_name=args.get("last_name", "")[:80], date_of_birth=born)
    return render_template("patients/_matches.html", matches=found)


def _date_or_none(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None
