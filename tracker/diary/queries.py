"""What the diary reads: the bookings in a range with their patients' names, and its columns."""

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from tracker.bookings.models import HOLDS_TIME, Appointment, AppointmentStatus
from tracker.clock import local_day_end, local_day_start, to_clinic
from tracker.db import utcnow
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.settings.hours import Week

MAX_DAYS = 14  # the widest range the events feed answers (a week view needs 7)
MAX_EVENTS = 1000  # a capped read, whatever the range holds


def in_range(first: date, last: date) -> list[Appointment]:
    """The bookings holding time on the clinic-local days first..last, with practitioner, room and patient loaded.

    Archived enquiries' bookings are left out (they were cancelled when archived); capped at MAX_EVENTS.
    """
    start, end = local_day_start(first), local_day_end(last)
    stmt = (select(Appointment).join(Enquiry, Appointment.enquiry_id == Enquiry.id)
            .where(Appointment.status.in_(HOLDS_TIME), Appointment.starts_at < end, Appointment.ends_at > start,
                   Enquiry.archived_at.is_(None))
            .options(contains_eager(Appointment.enquiry).joinedload(Enquiry.patient),
                     joinedload(Appointment.practitioner), joinedload(Appointment.room))
            .order_by(Appointment.starts_at, Appointment.id).limit(MAX_EVENTS))
    return list(db.session.scalars(stmt))


def short_name(appointment: Appointment) -> str:
    """'Ann E.': the first name and the surname's initial, never more (the diary may be on a screen in reception)."""
    patient = appointment.enquiry.patient
    initial = patient.last_name.strip()[:1].upper()
    return f"{patient.first_name} {initial}." if initial else patient.first_name


def movable(appointment: Appointment) -> bool:
    """Whether a block can be dragged: booked and not yet started."""
    return appointment.status is AppointmentStatus.BOOKED and appointment.starts_at > utcnow()


def wall_clock(moment) -> str:
    """A UTC instant as the clinic's wall-clock time, with no offset (the diary draws clinic time whatever the
    browser's zone)."""
    return to_clinic(moment).strftime("%Y-%m-%dT%H:%M:%S")


def business_hours(week: Week) -> list[dict]:
    """The opening hours as FullCalendar's businessHours (its days count from Sunday, 0)."""
    return [{"daysOfWeek": [(weekday + 1) % 7], "startTime": f"{opens:%H:%M}", "endTime": f"{closes:%H:%M}"}
            for weekday, (opens, closes) in sorted(week.days.items())]


def visible_hours(week: Week) -> tuple[str, str]:
    """The part of the day the diary shows: an hour either side of the earliest opening and latest closing."""
    if not week.days:
        return "07:00:00", "21:00:00"
    opens = min(o for o, _ in week.days.values())
    closes = max(c for _, c in week.days.values())
    first = max(0, opens.hour - 1)
    last = min(24, closes.hour + (2 if closes.minute else 1))
    return f"{first:02d}:00:00", f"{last:02d}:00:00"


def week_of(day: date) -> date:
    """The Monday of a date's week."""
    return day - timedelta(days=day.weekday())
