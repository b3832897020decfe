"""Reads for the booking pages."""

from datetime import date

from tracker.bookings.models import Appointment
from tracker.bookings.services import upcoming_statement
from tracker.clock import local_day_end, local_day_start
from tracker.extensions import db


def day_diary(practitioner_id: int, day: date, ignoring_id: int | None = None) -> list[Appointment]:
    """The specialist's booked appointments on a clinic day, soonest first, leaving out one (the one being moved)."""
    stmt = upcoming_statement(practitioner_id=practitioner_id, since=local_day_start(day))
    stmt = stmt.where(Appointment.starts_at < local_day_end(day))
    if ignoring_id is not None:
        stmt = stmt.where(Appointment.id != ignoring_id)
    return list(db.session.scalars(stmt))
