"""The booking tests' days and slots, the booking form's fields, and an enquiry whose consultation has begun.

Enquiries, appointments and rooms come from the shared builders (tests/builders.py, fixtures in tests/conftest.py).
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from flask import render_template

from tests.builders import local, move
from tracker.db import utcnow
from tracker.enquiries.stages import Stage

ANSWERED = {"spoken_to": True, "hours_ago": 0}  # make_enquiry(**ANSWERED): a call answered just now (contacted)


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
def booked_in_past(app, make_appointment) -> Callable:
    """Builder: an enquiry at consultation booked whose consultation started `hours_ago`; returns its id."""
    def build(enquiry_id: int, practitioner_id: int, hours_ago: float = 1) -> int:
        move(app, enquiry_id, Stage.CONSULTATION_BOOKED)
        return make_appointment(enquiry_id, practitioner_id, utcnow() - timedelta(hours=hours_ago))

    return build
