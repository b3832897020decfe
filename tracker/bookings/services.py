"""Booking rules: consultations and sessions booked, moved, cancelled, attended, missed; no double-booking."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from tracker.audit import services as audit
from tracker.auth.models import User
from tracker.bookings import hooks
from tracker.bookings.models import HOLDS_TIME, Appointment, AppointmentKind, AppointmentStatus
from tracker.clock import to_clinic
from tracker.db import utcnow
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import Enquiry
from tracker.enquiries.stages import Stage, can_move
from tracker.errors import ServiceError
from tracker.extensions import db
from tracker.permissions import Role
from tracker.settings.hours import Week
from tracker.settings.models import Option

OUTSIDE_HOURS_MAX = 500


class BookingError(ServiceError):
    """A booking the rules refuse; the message says why and where."""

    def __init__(self, message: str, field: str | None = None, row: int | None = None):
        super().__init__(message, field)
        self.row = row  # which of several slots booked together (a course of sessions)


@dataclass
class Slot:
    """When, with whom and where."""

    starts_at: datetime
    minutes: int
    practitioner: User
    room: Option | None = None
    outside_hours_reason: str | None = None  # the explicit override: why it is booked while the clinic is closed

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


def specialists() -> list[User]:
    """Active staff who can be booked for consultations."""
    return list(db.session.scalars(
        select(User).where(User.role == Role.SPECIALIST, User.active).order_by(User.full_name)))


def takes_bookings(user: User) -> bool:
    """Whether consultations are booked with this member of staff (their diary is their own)."""
    return user.role == Role.SPECIALIST and user.active


def lock_practitioner(practitioner: User) -> None:
    """Serialise bookings in this practitioner's diary until the transaction ends (take it before reading it)."""
    # Two requests checking the same diary at once would both see it free. PostgreSQL locks the row;
    # SQLite already holds the write lock. FOR NO KEY UPDATE (key_share): rows that merely point at the
    # user (appointments booked by them, audit rows) need not wait, and two specialists booking each
    # other cannot deadlock.
    db.session.execute(select(User.id).where(User.id == practitioner.id).with_for_update(key_share=True))


def outside_hours_reason(slot: Slot, week: Week | None = None) -> str | None:
    """None for a slot within opening hours; outside them, the override's reason (refused without one)."""
    week = week or Week.load()
    if week.is_open_between(slot.starts_at, slot.ends_at):
        return None
    reason = " ".join((slot.outside_hours_reason or "").split())
    if not reason:
        raise BookingError(f"The clinic is closed then ({week.hours_on(to_clinic(slot.starts_at).date())}). "
                           "Choose a time within opening hours, or tick \"Book outside opening hours\" and say why.",
                           "outside_hours")
    if len(reason) > OUTSIDE_HOURS_MAX:
        raise BookingError(f"Keep the reason under {OUTSIDE_HOURS_MAX} characters.", "outside_hours_reason")
    return reason


def check_slot(slot: Slot, *, ignoring: Appointment | None = None) -> str | None:
    """Refuse a slot with anyone but an active specialist, in the past, outside opening hours without a reason,
    or overlapping their diary; returns the outside-hours reason to keep with the booking (None within hours)."""
    if slot.practitioner.role != Role.SPECIALIST or not slot.practitioner.active:
        raise BookingError("Choose an active specialist.", "practitioner")
    if slot.starts_at <= utcnow():
        raise BookingError("This time has passed; choose a time in the future.", "starts_at")
    reason = outside_hours_reason(slot)
    lock_practitioner(slot.practitioner)
    stmt = select(Appointment).where(
        Appointment.practitioner_id == slot.practitioner.id,
        Appointment.status.in_(HOLDS_TIME),
        Appointment.starts_at < slot.ends_at,
        Appointment.ends_at > slot.starts_at,
    )
    if ignoring is not None:
        stmt = stmt.where(Appointment.id != ignoring.id)
    clash = db.session.scalar(stmt.limit(1))
    if clash is not None:
        start, end = to_clinic(clash.starts_at), to_clinic(clash.ends_at)
        raise BookingError(f"{slot.practitioner.full_name} is already booked from {start:%H:%M} to {end:%H:%M} "
                           f"on {start:%d/%m/%Y}; choose another time or specialist.", "starts_at")
    return reason


def _new_appointment(enquiry_id: int, kind: AppointmentKind, slot: Slot, *, by_id: int | None,
                     outside_hours: str | None, **session) -> Appointment:
    appointment = Appointment(enquiry_id=enquiry_id, kind=kind, practitioner_id=slot.practitioner.id,
                              room_id=slot.room.id if slot.room else None, starts_at=slot.starts_at,
                              ends_at=slot.ends_at, status=AppointmentStatus.BOOKED, booked_by_id=by_id,
                              outside_hours_reason=outside_hours, **session)
    db.session.add(appointment)
    db.session.flush()
    return appointment


def _refuse_closed(enquiry: Enquiry) -> None:
    if not enquiry.stage.is_open:
        raise BookingError(f"A {enquiry.stage.label.lower()} enquiry cannot be booked; reopen it first.")


def book_consultation(enquiry: Enquiry, slot: Slot, *, by_id: int | None) -> Appointment:
    """Book a consultation; the enquiry moves to consultation booked (a booking means we spoke to them)."""
    _refuse_closed(enquiry)
    reason = check_slot(slot)
    appointment = _new_appointment(enquiry.id, AppointmentKind.CONSULTATION, slot, by_id=by_id, outside_hours=reason)
    enquiries.note_first_contact(enquiry, utcnow())
    if can_move(enquiry.stage, Stage.CONSULTATION_BOOKED):
        # Later stages (a plan proposed, treatment under way) keep their place: a review
        # consultation does not take the enquiry back down the pipeline.
        enquiries.move(enquiry, Stage.CONSULTATION_BOOKED, by_id=by_id, note="Consultation booked")
    return appointment


def book_session(enquiry: Enquiry, slot: Slot, *, plan_item_id: int, session_number: int,
                 by_id: int | None) -> Appointment:
    """Book one treatment session of a plan item; the plan's own rules and the stage are tracker.plans.sessions'."""
    _refuse_closed(enquiry)
    reason = check_slot(slot)
    return _new_appointment(enquiry.id, AppointmentKind.TREATMENT_SESSION, slot, by_id=by_id, outside_hours=reason,
                            plan_item_id=plan_item_id, session_number=session_number)


def _close(appointment: Appointment, status: AppointmentStatus, *, by_id: int | None, version: int) -> None:
    audit.check_version(appointment, version)
    if appointment.status is not AppointmentStatus.BOOKED:
        raise BookingError(f"This appointment is already {appointment.status.label.lower()}.")
    appointment.status = status
    appointment.status_changed_at = utcnow()
    appointment.status_changed_by_id = by_id


def rebook(appointment: Appointment, slot: Slot, *, by_id: int | None, version: int) -> Appointment:
    """Move a booking to another time, specialist or room; the old one is kept, marked rebooked.

    A treatment session stays the same session of its plan item, and its plan's rules still apply.
    """
    _close(appointment, AppointmentStatus.REBOOKED, by_id=by_id, version=version)
    db.session.flush()  # the old slot is free before the new one is checked
    if appointment.kind is AppointmentKind.TREATMENT_SESSION:
        hooks.session_moving.ask(appointment, slot)
    reason = check_slot(slot)
    new = _new_appointment(appointment.enquiry_id, appointment.kind, slot, by_id=by_id, outside_hours=reason,
                           plan_item_id=appointment.plan_item_id, session_number=appointment.session_number)
    appointment.rebooked_to_id = new.id
    return new


def _still_booked(enquiry: Enquiry) -> bool:
    stmt = select(Appointment.id).where(Appointment.enquiry_id == enquiry.id,
                                        Appointment.kind == AppointmentKind.CONSULTATION,
                                        Appointment.status == AppointmentStatus.BOOKED)
    return db.session.scalar(stmt.limit(1)) is not None


def was_consulted(enquiry: Enquiry) -> bool:
    """Whether the enquirer has attended a consultation."""
    stmt = select(Appointment.id).where(Appointment.enquiry_id == enquiry.id,
                                        Appointment.kind == AppointmentKind.CONSULTATION,
                                        Appointment.status == AppointmentStatus.ATTENDED)
    return db.session.scalar(stmt.limit(1)) is not None


def _step_back_if_none_booked(enquiry: Enquiry, *, by_id: int | None, note: str) -> None:
    """With no consultation left booked, the enquiry goes back to consulted if it ever was, else to contacted."""
    if enquiry.stage is Stage.CONSULTATION_BOOKED and not _still_booked(enquiry):
        back_to = Stage.CONSULTED if was_consulted(enquiry) else Stage.CONTACTED
        enquiries.move(enquiry, back_to, by_id=by_id, note=note)


def holds_a_session(enquiry: Enquiry) -> bool:
    """Whether any of the enquiry's treatment sessions is booked or done."""
    stmt = select(Appointment.id).where(Appointment.enquiry_id == enquiry.id,
                                        Appointment.kind == AppointmentKind.TREATMENT_SESSION,
                                        Appointment.status.in_((AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED)))
    return db.session.scalar(stmt.limit(1)) is not None


def _step_back(appointment: Appointment, *, by_id: int | None, note: str) -> None:
    """After a cancellation or a missed appointment: a consultation as _step_back_if_none_booked says; a
    treatment-booked enquiry with none of its sessions booked or attended any more goes back to plan proposed."""
    db.session.flush()
    enquiry = db.session.get(Enquiry, appointment.enquiry_id)
    if appointment.kind is not AppointmentKind.TREATMENT_SESSION:
        _step_back_if_none_booked(enquiry, by_id=by_id, note=note)
    elif enquiry.stage is Stage.TREATMENT_BOOKED and not holds_a_session(enquiry):
        enquiries.move(enquiry, Stage.PLAN_PROPOSED, by_id=by_id, note=note)


def cancel_future_for(enquiry: Enquiry, reason: str, *, by_id: int | None) -> int:
    """Cancel an enquiry's booked appointments (it was lost or archived), so the diary shows the slots free."""
    stmt = select(Appointment).where(Appointment.enquiry_id == enquiry.id,
                                     Appointment.status == AppointmentStatus.BOOKED)
    cancelled = 0
    for appointment in db.session.scalars(stmt):
        appointment.status = AppointmentStatus.CANCELLED
        appointment.cancel_reason = reason
        appointment.status_changed_at = utcnow()
        appointment.status_changed_by_id = by_id
        cancelled += 1
    return cancelled


def cancel(appointment: Appointment, reason: str, *, by_id: int | None, version: int) -> None:
    """Cancel with a reason; the enquiry may step back (see _step_back)."""
    if not reason or not reason.strip():
        raise BookingError("Say why the appointment is cancelled.", "reason")
    _close(appointment, AppointmentStatus.CANCELLED, by_id=by_id, version=version)
    appointment.cancel_reason = reason.strip()
    _step_back(appointment, by_id=by_id, note=f"{appointment.kind.label} cancelled: {reason.strip()}")


def mark_attended(appointment: Appointment, *, by_id: int | None, version: int) -> None:
    """The patient came to the consultation: the enquiry moves to consulted."""
    if appointment.kind is AppointmentKind.TREATMENT_SESSION:
        raise BookingError("Record a treatment session as done from its plan, with who performed it.")
    if appointment.starts_at > utcnow():
        raise BookingError("An appointment can be marked attended once it has started.")
    _close(appointment, AppointmentStatus.ATTENDED, by_id=by_id, version=version)
    enquiry = db.session.get(Enquiry, appointment.enquiry_id)
    if enquiry.stage is Stage.CONSULTATION_BOOKED:
        enquiries.move(enquiry, Stage.CONSULTED, by_id=by_id, note="Attended the consultation")


def mark_session_done(appointment: Appointment, *, performed_by: User, notes: str | None, by_id: int | None,
                      version: int) -> None:
    """A session took place, performed by its plan's practitioner, with its settings; the plan moves the stages."""
    if appointment.kind is not AppointmentKind.TREATMENT_SESSION:
        raise BookingError("Only a treatment session is recorded as done; a consultation is marked attended.")
    if appointment.starts_at > utcnow():
        raise BookingError("A session can be recorded as done once it has started.")
    # Only the plan's practitioner (check_performer); one who has since left can still record what they did.
    hooks.session_performing.ask(appointment, performed_by)
    _close(appointment, AppointmentStatus.ATTENDED, by_id=by_id, version=version)
    appointment.performed_by_id = performed_by.id
    appointment.session_notes = (notes or "").strip() or None


def mark_did_not_attend(appointment: Appointment, *, by_id: int | None, version: int) -> None:
    """The patient did not come: the enquiry steps back, to be chased and re-booked."""
    if appointment.starts_at > utcnow():
        raise BookingError("An appointment can be marked as missed once it has started.")
    _close(appointment, AppointmentStatus.DID_NOT_ATTEND, by_id=by_id, version=version)
    _step_back(appointment, by_id=by_id, note=f"Did not attend the {appointment.kind.label.lower()}")


def for_enquiry(enquiry_id: int) -> list[Appointment]:
    """An enquiry's appointments, newest first, with the people and room loaded."""
    stmt = (select(Appointment).where(Appointment.enquiry_id == enquiry_id)
            .options(joinedload(Appointment.practitioner), joinedload(Appointment.room),
                     joinedload(Appointment.booked_by), joinedload(Appointment.status_changed_by))
            .order_by(Appointment.starts_at.desc()))
    return list(db.session.scalars(stmt))


def upcoming_statement(*, practitioner_id: int | None, since: datetime) -> Select:
    """Booked consultations from a time on, soonest first, for one specialist or all."""
    stmt = (select(Appointment).join(Enquiry, Appointment.enquiry_id == Enquiry.id)
            .where(Appointment.status == AppointmentStatus.BOOKED, Appointment.starts_at >= since,
                   Enquiry.archived_at.is_(None))
            .options(joinedload(Appointment.practitioner), joinedload(Appointment.room),
                     joinedload(Appointment.booked_by),
                     joinedload(Appointment.enquiry).joinedload(Enquiry.patient))
            .order_by(Appointment.starts_at))
    if practitioner_id is not None:
        stmt = stmt.where(Appointment.practitioner_id == practitioner_id)
    return stmt


def consultations_on(day_start: datetime, day_end: datetime, *, practitioner_id: int | None = None) -> int:
    """How many consultations are booked in a time range, for one specialist or all."""
    stmt = select(func.count()).select_from(Appointment).join(Enquiry, Appointment.enquiry_id == Enquiry.id).where(
        Appointment.kind == AppointmentKind.CONSULTATION, Appointment.status == AppointmentStatus.BOOKED,
        Appointment.starts_at >= day_start, Appointment.starts_at < day_end, Enquiry.archived_at.is_(None))
    if practitioner_id is not None:
        stmt = stmt.where(Appointment.practitioner_id == practitioner_id)
    return db.session.scalar(stmt)
