"""A session of a plan item is booked or done once, also when two requests race; a plan is revised once.

The race tests hold each request just before it takes its lock until the other gets there too. Where the
database lets both through (PostgreSQL, had a request read before locking), that makes the race certain;
where it does not (SQLite's BEGIN IMMEDIATE), the wait times out and the requests go one after the other.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests import builders
from tests.builders import (
    Item,
    add_session,
    book,
    consulted_enquiry,
    course,
    local,
    plan_rows,
    proposed,
    session_rows,
    today,
)
from tests.conftest import pause_before_first, race_posts
from tracker.auth.models import User
from tracker.bookings import services as bookings
from tracker.bookings.models import Appointment, AppointmentStatus
from tracker.extensions import db
from tracker.plans import services


@pytest.fixture
def specialist(make_user):
    return make_user("specialist", full_name="Dr Ada Quinn")


def test_two_bookings_of_the_same_session_at_once_book_it_once(app, make_user, make_enquiry, specialist,
                                                              monkeypatch):
    pause_before_first(monkeypatch, bookings, "lock_practitioner")
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    key = f"{c.item_ids[0]}_1"
    forms = [{"minutes": "60", "room": "", f"include_{key}": "y", f"time_{key}": "10:00",
              f"date_{key}": (today(app) + timedelta(days=days)).isoformat()} for days in (20, 21)]
    anna, ben = make_user("reception"), make_user("reception")
    responses = race_posts(app, [(anna, f"/plans/{c.plan_id}/sessions", forms[0]),
                            (ben, f"/plans/{c.plan_id}/sessions", forms[1])])
    assert sorted(r.status_code for r in responses) == [200, 302]
    refused = next(r for r in responses if r.status_code == 200).get_data(as_text=True)
    # Refused by the rule if the request read the course before the other booked it, else no longer offered.
    assert ("Subcision, session 1 of 2: This session is already booked or done." in refused
            or "Tick at least one session to book." in refused)
    assert [(r["plan_item_id"], r["session_number"]) for r in session_rows(app)] == [(c.item_ids[0], 1)]


def test_two_revisions_of_the_same_plan_at_once_make_one(app, make_user, make_enquiry, monkeypatch):
    pause_before_first(monkeypatch, services, "_lock")
    ada, bo = make_user("specialist"), make_user("specialist")
    enquiry_id = consulted_enquiry(app)
    plan_id = proposed(app, enquiry_id, ada.id, builders.treatment(app))
    version = {"version": str(plan_rows(app, enquiry_id)[0]["version"])}
    responses = race_posts(app, [(ada, f"/plans/{plan_id}/revise", version), (bo, f"/plans/{plan_id}/revise", version)])
    assert [r.status_code for r in responses] == [302, 302]
    assert len([p for p in plan_rows(app, enquiry_id) if p["supersedes_id"] == plan_id]) == 1


@pytest.mark.parametrize(("first", "second", "allowed"), [
    (AppointmentStatus.BOOKED, AppointmentStatus.BOOKED, False),
    (AppointmentStatus.ATTENDED, AppointmentStatus.BOOKED, False),
    (AppointmentStatus.CANCELLED, AppointmentStatus.BOOKED, True),
    (AppointmentStatus.REBOOKED, AppointmentStatus.BOOKED, True),
    (AppointmentStatus.DID_NOT_ATTEND, AppointmentStatus.ATTENDED, True),
])
def test_the_database_keeps_a_session_booked_or_done_at_most_once(app, make_enquiry, specialist, first, second,
                                                                  allowed):
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    add_session(app, c, 0, 1, local(today(app) + timedelta(days=20)), first)
    if allowed:
        add_session(app, c, 0, 1, local(today(app) + timedelta(days=21)), second)
        assert len(session_rows(app)) == 2
    else:
        with pytest.raises(IntegrityError):
            add_session(app, c, 0, 1, local(today(app) + timedelta(days=21)), second)
        assert len(session_rows(app)) == 1
    add_session(app, c, 0, 2, local(today(app) + timedelta(days=22)), second)  # another session of the item


def test_a_session_can_be_moved_again_and_again_and_rebooked_after_a_cancellation(app, make_enquiry, specialist):
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    [booked] = book(app, c, [(0, 1, local(today(app) + timedelta(days=20)))])
    with app.app_context():
        ada = db.session.get(User, specialist.id)
        current = db.session.get(Appointment, booked)
        for days in (21, 22):
            current = bookings.rebook(current, bookings.Slot(local(today(app) + timedelta(days=days)), 60, ada),
                                      by_id=None, version=current.version)
        bookings.cancel(current, "Unwell", by_id=None, version=current.version)
        db.session.commit()
    book(app, c, [(0, 1, local(today(app) + timedelta(days=30)))])
    with app.app_context():
        statuses = db.session.scalars(select(Appointment.status).order_by(Appointment.id)).all()
    assert statuses == [AppointmentStatus.REBOOKED, AppointmentStatus.REBOOKED, AppointmentStatus.CANCELLED,
                        AppointmentStatus.BOOKED]
