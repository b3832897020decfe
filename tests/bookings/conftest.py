"""Builders for the booking tests: enquiries, specialists, rooms, appointments and the form's fields."""

import html
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import render_template
from sqlalchemy import func, select

from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.db import utcnow
from tracker.enquiries.models import Channel, Enquiry, StageChange
from tracker.extensions import db

ZONE = ZoneInfo("Europe/London")  # the testing configuration's clinic zone

def _weekday_ahead(days: int) -> date:
    """The first Monday-to-Friday date at least `days` ahead (a fresh clinic opens Monday to Friday, 09:00-18:00)."""
    day = date.today() + timedelta(days=days)
    return day + timedelta(days=max(0, 7 - day.weekday()))


DAY = _weekday_ahead(14)  # far enough ahead to be bookable whatever the time of day, on a day the clinic opens


def render_enquiry_bookings(enquiry_id: int, user=None) -> str:
    """The enquiry page's consultations card, as the enquiry page includes it."""
    from flask_login import current_user

    from tracker.bookings.services import for_enquiry
    from tracker.enquiries.services import get_enquiry

    enquiry = get_enquiry(enquiry_id)
    return render_template("bookings/_enquiry_bookings.html", enquiry=enquiry, appointments=for_enquiry(enquiry_id),
                           current_user=user or current_user)


def local(day: date, at: str) -> datetime:
    """A clinic wall-clock time as a UTC instant."""
    return datetime.combine(day, time.fromisoformat(at)).replace(tzinfo=ZONE).astimezone(UTC)


def nth_slot(n: int) -> datetime:
    """The n-th of distinct hourly slots from 09:00 on DAY, eight a day, on the days the clinic opens."""
    day = DAY
    for _ in range(n // 8):
        day = _weekday_ahead_of(day)
    return local(day, f"{9 + n % 8:02d}:00")


def _weekday_ahead_of(day: date) -> date:
    day += timedelta(days=1)
    return day + timedelta(days=max(0, 7 - day.weekday()))


def slot_form(specialist_id: int, day: date = DAY, at: str = "10:00", minutes: int | str = 30, room="",
              outside_hours: str | None = None) -> dict:
    """The booking form's fields as a browser posts them; outside_hours: the override ticked with this reason."""
    fields = {"date": day.isoformat(), "time": at, "minutes": str(minutes), "specialist": str(specialist_id),
              "room": str(room)}
    if outside_hours is not None:
        fields |= {"outside_hours": "y", "outside_hours_reason": outside_hours}
    return fields


@pytest.fixture
def make_enquiry(app) -> Callable:
    """Builder: a patient and their phone enquiry, committed; returns the enquiry id."""
    from tracker.enquiries.services import EnquiryDetails, log_enquiry
    from tracker.patients.services import PatientDetails, create_patient

    counter = iter(range(1, 10_000))

    def build(by=None, first_name: str | None = None, last_name: str = "Patient", spoken_to: bool = True) -> int:
        n = next(counter)
        with app.app_context():
            patient = create_patient(PatientDetails(first_name=first_name or f"Pat{n}", last_name=last_name,
                                                    phone=f"+4477009000{n:02d}"))
            enquiry = log_enquiry(patient, EnquiryDetails(Channel.PHONE, received_at=utcnow()),
                                  by_id=by.id if by else None, spoken_to=spoken_to)
            db.session.commit()
            return enquiry.id

    return build


@pytest.fixture
def make_appointment(app) -> Callable:
    """Builder: an appointment written straight to the table (booking refuses the past; tests need it)."""

    def build(enquiry_id: int, practitioner_id: int, starts_at: datetime, minutes: int = 30,
              status: AppointmentStatus = AppointmentStatus.BOOKED, booked_by_id: int | None = None,
              room_id: int | None = None) -> int:
        with app.app_context():
            appointment = Appointment(enquiry_id=enquiry_id, kind=AppointmentKind.CONSULTATION,
                                      practitioner_id=practitioner_id, starts_at=starts_at,
                                      ends_at=starts_at + timedelta(minutes=minutes), status=status,
                                      booked_by_id=booked_by_id, room_id=room_id)
            db.session.add(appointment)
            db.session.commit()
            return appointment.id

    return build


@pytest.fixture
def make_room(app) -> Callable:
    """Builder: an active room in the settings list; returns its id."""
    from tracker.settings.models import OptionKind
    from tracker.settings.services import add_option

    def build(label: str) -> int:
        with app.app_context():
            room = add_option(OptionKind.ROOM, label)
            db.session.commit()
            return room.id

    return build


def appointment_rows(app, enquiry_id: int | None = None) -> list[dict]:
    """Every appointment (of one enquiry), in id order, as plain dicts."""
    with app.app_context():
        stmt = select(Appointment).order_by(Appointment.id)
        if enquiry_id is not None:
            stmt = stmt.where(Appointment.enquiry_id == enquiry_id)
        return [{c.key: getattr(a, c.key) for c in Appointment.__table__.columns} for a in db.session.scalars(stmt)]


def appointment_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Appointment))


def enquiry_row(app, enquiry_id: int) -> dict:
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        return {c.key: getattr(enquiry, c.key) for c in Enquiry.__table__.columns}


def stage_changes(app, enquiry_id: int) -> list[tuple]:
    """(from, to, by, note) of each stage change, oldest first."""
    with app.app_context():
        stmt = select(StageChange).where(StageChange.enquiry_id == enquiry_id).order_by(StageChange.id)
        return [(c.from_stage, c.to_stage, c.by_id, c.note) for c in db.session.scalars(stmt)]


def field_error(response, name: str) -> str:
    """The error shown beside a field ('' if none), unescaped."""
    found = re.search(rf'id="{name}-error"[^>]*>(.*?)</div>', response.get_data(as_text=True), re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def form_error_text(response) -> str:
    """The errors shown above the form ('' if none), unescaped."""
    found = re.search(r'data-testid="form-errors">(.*?)</div>', response.get_data(as_text=True), re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def move_enquiry(app, enquiry_id: int, *stages) -> None:
    """Walk an enquiry through stages with the stage machine (as the other steps would)."""
    from tracker.enquiries.services import move

    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        for stage in stages:
            move(enquiry, stage, by_id=None)
        db.session.commit()


@pytest.fixture
def booked_in_past(app, make_appointment) -> Callable:
    """Builder: an enquiry at consultation booked whose consultation started `hours_ago`; returns its id."""
    from tracker.enquiries.stages import Stage

    def build(enquiry_id: int, practitioner_id: int, hours_ago: float = 1) -> int:
        move_enquiry(app, enquiry_id, Stage.CONSULTATION_BOOKED)
        return make_appointment(enquiry_id, practitioner_id, utcnow() - timedelta(hours=hours_ago))

    return build
