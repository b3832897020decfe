"""Booking an accepted plan's course of sessions, and recording a session done."""

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from tracker.bookings import services as bookings
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.enquiries.models import Enquiry
from tracker.enquiries.services import get_enquiry
from tracker.extensions import db
from tracker.outcomes import submit
from tracker.permissions import require
from tracker.plans import bp, sessions
from tracker.plans.forms_sessions import CourseForm, SessionDoneForm, course_form
from tracker.plans.models import PlanItem, TreatmentPlan
from tracker.plans.reflection import reflection
from tracker.settings.models import OptionKind
from tracker.settings.services import options


def _plan_or_404(plan_id: int) -> tuple[TreatmentPlan, Enquiry]:
    """The plan with its items loaded, and its enquiry (404 if archived)."""
    plan = sessions.plan_with_items(plan_id) or abort(404)
    return plan, get_enquiry(plan.enquiry_id) or abort(404)


def _session_or_404(appointment_id: int) -> tuple[Appointment, Enquiry]:
    """A treatment session with its practitioner, item, treatment and plan loaded, and its enquiry (404 otherwise)."""
    item = joinedload(Appointment.plan_item)
    appointment = db.session.get(Appointment, appointment_id, populate_existing=True, options=[
        joinedload(Appointment.practitioner), item.joinedload(PlanItem.treatment),
        item.joinedload(PlanItem.plan).joinedload(TreatmentPlan.practitioner)])
    if appointment is None or appointment.kind is not AppointmentKind.TREATMENT_SESSION or not appointment.plan_item:
        abort(404)
    return appointment, get_enquiry(appointment.enquiry_id) or abort(404)


def _plan_url(plan_id: int) -> str:
    return url_for("plans.detail", plan_id=plan_id)


def _rooms(form: CourseForm) -> dict:
    rooms = options(OptionKind.ROOM)
    form.room.choices = [("", "— none —")] + [(r.id, r.label) for r in rooms]
    return {r.id: r for r in rooms}


def _course_field(keys: list[str], plan_id: int, error: "bookings.BookingError") -> str | None:
    """Where a refused course's message goes: beside a row still offered, the duration, or (None) above the form."""
    if error.row is not None and keys[error.row] in {s.key for s in sessions.suggest_course(_plan_or_404(plan_id)[0])}:
        return f"date_{keys[error.row]}"
    return "minutes" if error.field == "minutes" else None  # a session booked meanwhile is no longer offered


@bp.route("/plans/<id:plan_id>/sessions", methods=["GET", "POST"])
@require("booking.edit")
def book_sessions(plan_id: int):
    """Book an accepted plan's sessions on suggested dates, each editable; none before the reflection date."""
    plan, enquiry = _plan_or_404(plan_id)
    suggestions = sessions.suggest_course(plan)
    form = course_form(suggestions)
    rooms = _rooms(form)
    if form.validate_on_submit():
        rows = form.chosen(suggestions)
        keys = [f"{row.item.id}_{row.number}" for row in rows]
        outcome = submit(form, partial(sessions.book_course, plan, rows, minutes=form.minutes.data,
                                       room=rooms.get(form.room.data), by_id=current_user.id,
                                       outside_hours_reason=form.override_reason()),
                         done=lambda booked: (f"{len(booked)} session(s) booked for {enquiry.patient.full_name} "
                                              f"with {plan.practitioner.full_name}."), to=_plan_url(plan_id),
                         fields=partial(_course_field, keys, plan_id))
        if outcome.response:
            return outcome.response
        plan, enquiry = _plan_or_404(plan_id)
        suggestions = sessions.suggest_course(plan)
    return render_template("plans/sessions.html", form=form, plan=plan, enquiry=enquiry, limit=reflection(plan),
                           rows=[(s, *form.row(s.key)) for s in suggestions if s.key in form.keys])


@bp.route("/sessions/<id:appointment_id>/done", methods=["GET", "POST"])
@require("plan.edit")
def session_done(appointment_id: int):
    """Record a session done: who performed it, the settings used and notes."""
    appointment, enquiry = _session_or_404(appointment_id)
    plan_id = appointment.plan_item.plan_id
    if request.method == "GET" and appointment.status is not AppointmentStatus.BOOKED:
        flash(f"This session is {appointment.status.label.lower()}, so it cannot be recorded as done.", "warning")
        return redirect(_plan_url(plan_id))
    practitioner = appointment.plan_item.plan.practitioner
    form, status = SessionDoneForm(performed_by=practitioner.id, version=appointment.version), 200
    form.only_by(practitioner)
    if form.validate_on_submit():
        outcome = submit(form, partial(sessions.record_done, appointment, performed_by=practitioner,
                                       notes=form.notes.data, version=form.version.data, by_id=current_user.id),
                         done=lambda _: (f"{sessions.session_label(appointment.plan_item, appointment.session_number)}"
                                         ": recorded as done."), to=_plan_url(plan_id))
        if outcome.response:
            return outcome.response
        status = outcome.status
        appointment, enquiry = _session_or_404(appointment_id)
    return render_template("plans/session_done.html", form=form, appointment=appointment, enquiry=enquiry), status
