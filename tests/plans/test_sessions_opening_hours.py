"""A course's sessions are held to the clinic's opening hours: a closed day is refused beside its row, unless the
override is ticked with a reason, which each session keeps."""

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from tests.builders import Item, course, local, session_rows, today
from tests.pages import field_error
from tracker.extensions import db
from tracker.settings.models import OpeningHours


@pytest.fixture(autouse=True)
def clinic_opens_every_day(app):
    """Here the clinic keeps a fresh database's week: Monday to Friday, 09:00-18:00 (overrides tests/plans')."""
    with app.app_context():
        for day in db.session.scalars(select(OpeningHours)):
            day.opens, day.closes = (time(9), time(18)) if day.weekday < 5 else (None, None)
        db.session.commit()


def test_a_sunday_session_needs_the_override_and_a_reason(app, client, login_as, make_enquiry, make_user):
    login_as("reception")
    specialist = make_user("specialist")
    c = course(app, specialist.id, [Item("subcision", 1, 4)])
    [item] = c.item_ids
    sunday = today(app) + timedelta(days=15)
    sunday += timedelta(days=6 - sunday.weekday())
    form = {"minutes": "60", "room": "", f"date_{item}_1": sunday.isoformat(), f"time_{item}_1": "10:00",
            f"include_{item}_1": "y"}
    refused = client.post(f"/plans/{c.plan_id}/sessions", data=form)
    assert refused.status_code == 200
    assert "The clinic is closed then (Sunday closed)" in field_error(refused, f"date_{item}_1")
    assert session_rows(app, c.enquiry_id) == []
    booked = client.post(f"/plans/{c.plan_id}/sessions",
                         data=form | {"outside_hours": "y", "outside_hours_reason": "Weekend list"})
    assert booked.status_code == 302
    [row] = session_rows(app, c.enquiry_id)
    assert (row["starts_at"], row["outside_hours_reason"]) == (local(sunday, "10:00"), "Weekend list")
