"""The plans' tests book sessions on any day of the week: their clinic opens every day, 07:00-21:00.

Opening hours are held to by the booking tests (tests/bookings, tests/diary); here they would only decide
which weekday a test happens to run on.
"""

from datetime import time

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.settings.models import OpeningHours


@pytest.fixture(autouse=True)
def clinic_opens_every_day(app):
    with app.app_context():
        for day in db.session.scalars(select(OpeningHours)):
            day.opens, day.closes = time(7), time(21)
        db.session.commit()
