"""The next-free-slots finder: within opening hours, past closed days, around clashes, on the day the clocks change."""

from datetime import date, time, timedelta

from sqlalchemy import select

from tests.bookings.conftest import ANSWERED, DAY
from tests.builders import ZONE, local
from tracker.auth.models import User
from tracker.bookings.free import next_free
from tracker.extensions import db
from tracker.settings.models import OpeningHours


def _friday_after(day: date) -> date:
    return day + timedelta(days=(4 - day.weekday()) % 7)


def _find(app, ids: list[int], minutes: int, after, **kwargs) -> list[tuple]:
    with app.app_context():
        people = [db.session.get(User, i) for i in ids]
        return [(s.starts_at, s.practitioner.id) for s in next_free(people, minutes, after, **kwargs)]


def test_closed_evenings_and_weekends_are_skipped(app, make_user):
    sam = make_user("specialist")
    friday = _friday_after(DAY)
    found = _find(app, [sam.id], 60, local(friday, "17:10"), count=2)
    monday = friday + timedelta(days=3)
    assert found == [(local(monday, "09:00"), sam.id), (local(monday, "09:15"), sam.id)]


def test_a_booked_time_is_not_offered_and_any_specialist_fills_in(app, make_user, make_enquiry, make_appointment):
    sam, ola = make_user("specialist", full_name="Sam A"), make_user("specialist", full_name="Ola B")
    make_appointment(make_enquiry(**ANSWERED), sam.id, local(DAY, "09:00"), minutes=60)
    assert _find(app, [sam.id], 30, local(DAY, "08:00"), count=1) == [(local(DAY, "10:00"), sam.id)]
    both = _find(app, [sam.id, ola.id], 30, local(DAY, "08:00"), count=2)
    assert both == [(local(DAY, "09:00"), ola.id), (local(DAY, "09:15"), ola.id)]


def test_a_cancelled_booking_frees_its_time(app, make_user, make_enquiry, make_appointment):
    from tracker.bookings.models import AppointmentStatus

    sam = make_user("specialist")
    make_appointment(make_enquiry(**ANSWERED), sam.id, local(DAY, "09:00"), minutes=60,
                     status=AppointmentStatus.CANCELLED)
    assert _find(app, [sam.id], 30, local(DAY, "08:00"), count=1) == [(local(DAY, "09:00"), sam.id)]


def test_nothing_longer_than_the_opening_day_is_offered(app, make_user):
    sam = make_user("specialist")
    assert _find(app, [sam.id], 9 * 60 + 5, local(DAY, "08:00"), days=14) == []


def test_the_hour_the_clocks_skip_is_never_offered(app, make_user):
    sam = make_user("specialist")
    spring = date(DAY.year + 1, 3, 31)
    spring -= timedelta(days=(spring.weekday() + 1) % 7)  # the last Sunday of March
    with app.app_context():
        for row in db.session.scalars(select(OpeningHours)):
            row.opens, row.closes = time(0, 0), time(4, 0)
        db.session.commit()
    found = _find(app, [sam.id], 60, local(spring - timedelta(days=1), "23:00"), count=20)
    starts = [at.astimezone(ZONE) for at, _ in found]
    on_spring = [s for s in starts if s.date() == spring]
    assert on_spring and all(s.hour != 1 for s in on_spring)
    assert starts == sorted(starts)
    # Each offered slot ends by closing time on the wall clock.
    assert all((s + timedelta(hours=1)).time() <= time(4, 0) for s in on_spring)
