"""Recording and amending the specialist's assessment, reading it (audited), and acknowledging its hints."""

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from tracker.bookings.models import Appointment
from tracker.clock import clinic_today
from tracker.consultations import bp, hints, scoring, services
from tracker.consultations.forms import (
    AcknowledgeForm,
    AmendAssessmentForm,
    AssessmentForm,
    assessment_data,
    differences,
)
from tracker.consultations.models import SCREEN_QUESTIONS, SKIN_TYPE_DESCRIPTIONS, Assessment
from tracker.db import writes_on_read
from tracker.enquiries.loaders import enquiry_or_404
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.forms import take_current_version
from tracker.outcomes import submit
from tracker.permissions import require

_FIELD_FOR = {"predominant": "predominant", "isotretinoin_last_taken": "isotretinoin_last_taken"}
_LISTS = {"skin_types": SKIN_TYPE_DESCRIPTIONS, "grades": scoring.GRADES, "screen_questions": SCREEN_QUESTIONS}


def _appointment_or_404(appointment_id: int) -> tuple[Appointment, Enquiry, Assessment | None]:
    """The consultation with its specialist loaded, its enquiry (404 if archived) and its assessment, if any."""
    appointment = db.session.get(Appointment, appointment_id, populate_existing=True,
                                 options=[joinedload(Appointment.practitioner)]) or abort(404)
    return appointment, enquiry_or_404(appointment.enquiry_id), services.assessment_for(appointment.id)


def _assessment_or_404(assessment_id: int) -> tuple[Assessment, Enquiry]:
    assessment = services.get_assessment(assessment_id) or abort(404)
    return assessment, enquiry_or_404(assessment.enquiry_id)


@bp.app_template_test("assessable")
def assessable(appointment: Appointment) -> bool:
    """Whether a new assessment can be recorded on this appointment (a started or attended consultation)."""
    return services.why_not_assessable(appointment) is None


def _save(form: AssessmentForm, appointment: Appointment, existing: Assessment | None) -> tuple[Assessment, list]:
    """The assessment recorded or amended, and its warnings (read now: the commit expires it)."""
    if existing is None:
        existing = services.record_assessment(appointment, form.details(), by_id=current_user.id)
    else:
        services.amend_assessment(existing, form.details(), version=form.version.data)
    return existing, scoring.warnings(existing)


def _conflict(form: AssessmentForm, existing: Assessment) -> list:
    """After a conflict: the form carries the saved version, and what the colleague saved is shown beside it."""
    take_current_version(form, existing)
    return differences(form, AmendAssessmentForm(formdata=None, data=assessment_data(existing)))


@bp.route("/consultations/<id:appointment_id>/assessment", methods=["GET", "POST"])
@require("assessment.edit")
@writes_on_read
def assess(appointment_id: int):
    """Record the assessment of a consultation, or amend the one recorded."""
    appointment, enquiry, existing = _appointment_or_404(appointment_id)
    if existing is None and request.method == "GET" and (reason := services.why_not_assessable(appointment)):
        flash(reason, "warning")
        return redirect(url_for("enquiries.detail", enquiry_id=enquiry.id))
    # A save posts the whole assessment: the stored one only fills the form when it is opened.
    filled = assessment_data(existing) if existing and request.method == "GET" else None
    form = (AmendAssessmentForm if existing else AssessmentForm)(data=filled)
    status, conflict = 200, []
    if form.validate_on_submit():
        outcome = submit(form, partial(_save, form, appointment, existing), fields=_FIELD_FOR,
                         done="Assessment amended." if existing else "Assessment recorded.",
                         to=lambda saved: url_for("consultations.assessment", assessment_id=saved[0].id))
        if outcome.response:
            for warning in outcome.result[1]:
                flash(warning, "warning")
            return outcome.response
        appointment, enquiry, existing = _appointment_or_404(appointment_id)
        status, conflict = outcome.status, _conflict(form, existing) if outcome.status == 409 else []
    page = render_template("consultations/assess.html", form=form, appointment=appointment, enquiry=enquiry,
                           existing=existing, conflict=conflict, **_LISTS)
    if existing is not None and (request.method == "GET" or conflict):  # the stored assessment is shown
        services.record_view(existing)
        db.session.commit()
    return page, status


@bp.route("/assessments/<id:assessment_id>")
@writes_on_read
@require("assessment.view")
def assessment(assessment_id: int):
    """The assessment: findings, screen, score, warnings and hints, and its history; each view is audited."""
    record, enquiry = _assessment_or_404(assessment_id)
    services.record_view(record)
    page = render_template("consultations/assessment.html", assessment=record, enquiry=enquiry,
                           score=scoring.score(record), warnings=scoring.warnings(record),
                           hints=hints.for_assessment(record, on=clinic_today()),
                           acknowledged=hints.acknowledgements(assessment_ids=[record.id]),
                           history=services.history(record), **_LISTS)
    db.session.commit()
    return page


@bp.route("/assessments/<id:assessment_id>/hints/<rule>", methods=["POST"])
@require("assessment.edit")
def acknowledge_hint(assessment_id: int, rule: str):
    """Note that the specialist saw a decision-support hint on the assessment."""
    record, enquiry = _assessment_or_404(assessment_id)
    form = AcknowledgeForm()
    if rule not in hints.BY_CODE or hints.BY_CODE[rule].scope != hints.ASSESSMENT:
        abort(404)
    if not form.validate_on_submit():
        flash(" ".join(form.note.errors) or "The page was out of date; please try again.", "warning")
        return redirect(url_for("consultations.assessment", assessment_id=record.id))
    back = url_for("consultations.assessment", assessment_id=assessment_id)
    return submit(form, partial(hints.acknowledge, enquiry_id=enquiry.id, rule=rule, note=form.note.data,
                                by_id=current_user.id, assessment_id=record.id),
                  done="Hint acknowledged.", to=back, back=back).response
