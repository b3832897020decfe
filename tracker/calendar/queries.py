"""What the calendar shows: a week's follow-ups and appointments, and a feed's, each in one bounded statement.

Rows are read as plain columns (never whole records), so nothing clinical is even loaded: no follow-up
note, no session notes, no phone. Follow-ups are found through their overdue_at index and then held to
the exact due dates (overdue_at is the due time, or the end of the due day when there is none).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, nulls_first, select
from sqlalchemy.orm import aliased

from tracker.auth.models import User
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.clock import local_day_end, local_day_start, to_clinic
from tracker.db import utcnow
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.followups.models import FollowUp, FollowUpKind, FollowUpStatus
from tracker.patients.models import Patient

WEEK_CAP = 500  # per item type; a team's week beyond this says so
FEED_CAP = 1000  # per item type in one feed
_ON_CALENDAR = (AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED, AppointmentStatus.DID_NOT_ATTEND)
_IN_FEED = (AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED)


@dataclass(frozen=True)
class Entry:
    """One line of the calendar: a follow-up or an appointment, as the page and the feed show it."""

    key: str  # "follow-up-12" / "appointment-7": stable per record
    day: date  # clinic date
    at: time | None  # clinic wall clock; None: all day
    kind: str  # "Call back", "Consultation", "Treatment session"...
    enquiry_id: int
    first_name: str
    last_name: str
    owner: str | None  # assignee or practitioner; None: the reception team
    status: str  # badge text
    status_key: str  # badge style: overdue, open, done, booked, attended, did_not_attend
    starts_at: datetime | None = None  # UTC; timed follow-ups and appointments
    ends_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1

    @property
    def patient_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def sort_key(self) -> tuple:
        return (self.day, self.at is not None, self.at or time.min, self.kind, self.patient_name, self.key)


def week_of(day: date) -> date:
    """The Monday of the week holding a day."""
    return day - timedelta(days=day.weekday())


# --- follow-ups ---------------------------------------------------------------------------

def _follow_ups(first: date, last: date, statuses, owner: int | str) -> Select:
    """Follow-ups due from first to last (inclusive) with these statuses; owner "all", or a user id."""
    assignee = aliased(User)
    stmt = (select(FollowUp.id, FollowUp.kind, FollowUp.due_on, FollowUp.due_time, FollowUp.overdue_at,
                   FollowUp.status, FollowUp.enquiry_id, FollowUp.updated_at, FollowUp.version,
                   Patient.first_name, Patient.last_name, assignee.full_name)
            .join(Enquiry, Enquiry.id == FollowUp.enquiry_id).join(Patient, Patient.id == Enquiry.patient_id)
            .outerjoin(assignee, assignee.id == FollowUp.assigned_to_id)
            .where(FollowUp.status.in_(statuses), Enquiry.archived_at.is_(None),
                   FollowUp.overdue_at >= local_day_start(first), FollowUp.overdue_at <= local_day_end(last),
                   FollowUp.due_on >= first, FollowUp.due_on <= last)
            .order_by(FollowUp.due_on, nulls_first(FollowUp.due_time.asc()), FollowUp.id))
    if owner != "all":
        stmt = stmt.where(FollowUp.assigned_to_id == owner)
    return stmt


def _follow_up_entry(row, now: datetime) -> Entry:
    status = FollowUpStatus(row.status)
    if status is FollowUpStatus.OPEN and row.overdue_at <= now:
        badge, key = "Overdue", "overdue"
    else:
        badge, key = status.label, status.value
    starts = row.overdue_at if row.due_time is not None else None
    return Entry(key=f"follow-up-{row.id}", day=row.due_on, at=row.due_time, kind=FollowUpKind(row.kind).label,
                 enquiry_id=row.enquiry_id, first_name=row.first_name, last_name=row.last_name,
                 owner=row.full_name, status=badge, status_key=key, starts_at=starts,
                 ends_at=starts + timedelta(minutes=15) if starts else None, updated_at=row.updated_at,
                 version=row.version)


# --- appointments -------------------------------------------------------------------------

def _appointments(since: datetime, until: datetime, statuses, practitioner: int | str) -> Select:
    """Appointments starting in [since, until) with these statuses; practitioner "all", or a user id."""
    stmt = (select(Appointment.id, Appointment.kind, Appointment.starts_at, Appointment.ends_at, Appointment.status,
                   Appointment.enquiry_id, Appointment.updated_at, Appointment.version,
                   Patient.first_name, Patient.last_name, User.full_name)
            .join(Enquiry, Enquiry.id == Appointment.enquiry_id).join(Patient, Patient.id == Enquiry.patient_id)
            .join(User, User.id == Appointment.practitioner_id)
            .where(Appointment.status.in_(statuses), Enquiry.archived_at.is_(None),
                   Appointment.starts_at >= since, Appointment.starts_at < until)
            .order_by(Appointment.starts_at, Appointment.id))
    if practitioner != "all":
        stmt = stmt.where(Appointment.practitioner_id == practitioner)
    return stmt


def _appointment_entry(row) -> Entry:
    local = to_clinic(row.starts_at)
    status = AppointmentStatus(row.status)
    return Entry(key=f"appointment-{row.id}", day=local.date(), at=local.time(),
                 kind=AppointmentKind(row.kind).label, enquiry_id=row.enquiry_id, first_name=row.first_name,
                 last_name=row.last_name, owner=row.full_name, status=status.label, status_key=status.value,
                 starts_at=row.starts_at, ends_at=row.ends_at, updated_at=row.updated_at, version=row.version)


# --- the week and the feed ----------------------------------------------------------------

@dataclass
class Week:
    """A week's entries by day, and which item types hit the cap."""

    monday: date
    days: list[tuple[date, list[Entry]]]
    capped: list[str]

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)


def _capped(stmt: Select, cap: int) -> tuple[list, bool]:
    rows = db.session.execute(stmt.limit(cap + 1)).all()
    return rows[:cap], len(rows) > cap


def week(monday: date, owner: int | str) -> Week:
    """The week from `monday`: follow-ups (open, done) and appointments (not cancelled or moved) of a user
    (their follow-ups and the appointments they see patients at), or of everyone ("all")."""
    sunday = monday + timedelta(days=6)
    now = utcnow()
    follow_ups, more_follow_ups = _capped(
        _follow_ups(monday, sunday, (FollowUpStatus.OPEN, FollowUpStatus.DONE), owner), WEEK_CAP)
    appointments, more_appointments = _capped(
        _appointments(local_day_start(monday), local_day_end(sunday), _ON_CALENDAR, owner), WEEK_CAP)
    entries = [_follow_up_entry(r, now) for r in follow_ups] + [_appointment_entry(r) for r in appointments]
    by_day: dict[date, list[Entry]] = {monday + timedelta(days=n): [] for n in range(7)}
    for entry in sorted(entries, key=lambda e: e.sort_key):
        by_day.setdefault(entry.day, []).append(entry)
    capped = [name for name, more in (("follow-ups", more_follow_ups), ("appointments", more_appointments)) if more]
    return Week(monday=monday, days=sorted(by_day.items()), capped=capped)


def feed_entries(user_id: int, today: date, *, back: int = 7, ahead: int = 60) -> list[Entry]:
    """A user's feed: their open follow-ups and their booked or attended appointments, from today-back to
    today+ahead."""
    first, last = today - timedelta(days=back), today + timedelta(days=ahead)
    now = utcnow()
    follow_ups, _ = _capped(_follow_ups(first, last, (FollowUpStatus.OPEN,), user_id), FEED_CAP)
    appointments, _ = _capped(_appointments(local_day_start(first), local_day_end(last), _IN_FEED, user_id), FEED_CAP)
    return [_follow_up_entry(r, now) for r in follow_ups] + [_appointment_entry(r) for r in appointments]
