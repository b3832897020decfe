"""A specialist cannot be in two consultations at once, also when two bookings race."""

import contextlib
import threading
from datetime import timedelta

import pytest

from tests.bookings.conftest import ANSWERED, DAY, slot_form
from tests.builders import appointment_rows, row_count
from tests.conftest import race_posts
from tests.pages import field_error
from tracker.bookings import services
from tracker.bookings.models import Appointment, AppointmentStatus

CLASH = f"Dr Ada Quinn is already booked from 10:00 to 10:30 on {DAY:%d/%m/%Y}; choose another time or specialist."


@pytest.fixture
def diary(app, client, login_as, make_user, make_enquiry):
    """Dr Quinn booked 10:00-10:30 on DAY; returns (specialist, a second enquiry to book)."""
    login_as("reception")
    specialist = make_user("specialist", full_name="Dr Ada Quinn")
    assert client.post(f"/enquiries/{make_enquiry(**ANSWERED)}/consultations/new",
                       data=slot_form(specialist.id, at="10:00", minutes=30)).status_code == 302
    return specialist, make_enquiry(**ANSWERED)


@pytest.mark.parametrize(("at", "minutes"), [
    ("10:00", 30),  # the same start
    ("10:15", 30),  # starts inside
    ("09:45", 30),  # ends inside
    ("09:30", 90),  # encloses it
    ("10:05", 10),  # inside it
    ("10:25", 5),  # the last five minutes
])
def test_an_overlapping_booking_is_refused_naming_the_clash(app, client, diary, at, minutes):
    specialist, enquiry_id = diary
    response = client.post(f"/enquiries/{enquiry_id}/consultations/new",
                           data=slot_form(specialist.id, at=at, minutes=minutes))
    assert response.status_code == 200
    assert field_error(response, "time") == CLASH
    assert row_count(app, Appointment) == 1
    # The page shows the specialist's day, so another time can be chosen at a glance.
    assert 'data-testid="day-diary"' in response.get_data(as_text=True)


@pytest.mark.parametrize(("at", "minutes"), [("10:30", 30), ("09:30", 30), ("09:00", 60), ("10:30", 450)])
def test_back_to_back_bookings_are_allowed(app, client, diary, at, minutes):
    specialist, enquiry_id = diary
    assert client.post(f"/enquiries/{enquiry_id}/consultations/new",
                       data=slot_form(specialist.id, at=at, minutes=minutes)).status_code == 302
    assert row_count(app, Appointment) == 2


def test_another_specialist_can_be_booked_at_the_same_time(app, client, diary, make_user):
    _, enquiry_id = diary
    other = make_user("specialist")
    assert client.post(f"/enquiries/{enquiry_id}/consultations/new",
                       data=slot_form(other.id, at="10:00")).status_code == 302


def test_the_same_time_on_another_day_is_free(app, client, diary):
    specialist, enquiry_id = diary
    assert client.post(f"/enquiries/{enquiry_id}/consultations/new",
                       data=slot_form(specialist.id, day=DAY + timedelta(days=1), at="10:00")).status_code == 302


@pytest.mark.parametrize("how", ["cancel", "rebook"])
def test_a_cancelled_or_moved_slot_is_free_again(app, client, diary, how):
    specialist, enquiry_id = diary
    [first] = appointment_rows(app)
    data = {**slot_form(specialist.id, at="14:00"), "reason": "Ill", "version": first["version"]}
    assert client.post(f"/bookings/{first['id']}/{how}", data=data).status_code == 302
    assert client.post(f"/enquiries/{enquiry_id}/consultations/new",
                       data=slot_form(specialist.id, at="10:00")).status_code == 302
    statuses = [r["status"] for r in appointment_rows(app)]
    assert statuses.count(AppointmentStatus.BOOKED) == (2 if how == "rebook" else 1)  # rebook: also the 14:00


def test_an_attended_or_missed_consultation_still_holds_its_time(app, client, login_as, make_user, make_enquiry,
                                                                 make_appointment):
    """Status is what counts, not the clock: a DNA row keeps its slot (the diary shows what happened)."""
    from tests.bookings.conftest import local

    login_as("reception")
    specialist = make_user("specialist")
    make_appointment(make_enquiry(**ANSWERED), specialist.id, local(DAY, "10:00"),
                     status=AppointmentStatus.DID_NOT_ATTEND)
    response = client.post(f"/enquiries/{make_enquiry(**ANSWERED)}/consultations/new", data=slot_form(specialist.id))
    assert response.status_code == 200 and "is already booked" in field_error(response, "time")


# --- races --------------------------------------------------------------------------------

def _book(enquiry_id: int) -> str:
    """The booking form's address for an enquiry (race_posts posts to it)."""
    return f"/enquiries/{enquiry_id}/consultations/new"


def _pause(monkeypatch, *, before_lock: bool) -> None:
    """Hold each booking just before (or just after) it locks the diary until the other gets there too.

    Where the database lets both through (PostgreSQL before the row lock), this makes the race certain.
    Where it does not (SQLite's BEGIN IMMEDIATE, PostgreSQL after the lock), the wait times out
    and the requests go on one after the other.
    """
    real = services.lock_practitioner
    meet = threading.Barrier(2)

    def paused(practitioner):
        if not before_lock:
            real(practitioner)
        with contextlib.suppress(threading.BrokenBarrierError):
            meet.wait(timeout=2)
        if before_lock:
            real(practitioner)

    monkeypatch.setattr(services, "lock_practitioner", paused)


@pytest.mark.parametrize("paused", [False, True], ids=["free-running", "paused-before-the-lock"])
def test_two_concurrent_bookings_for_overlapping_times_exactly_one_succeeds(app, make_user, make_enquiry,
                                                                           monkeypatch, paused):
    if paused:
        _pause(monkeypatch, before_lock=True)
    specialist = make_user("specialist", full_name="Dr Ada Quinn")
    anna, ben = make_user("reception"), make_user("reception")
    responses = race_posts(app, [(anna, _book(make_enquiry(**ANSWERED)), slot_form(specialist.id, at="10:00")),
                                  (ben, _book(make_enquiry(**ANSWERED)), slot_form(specialist.id, at="10:15"))])
    assert sorted(r.status_code for r in responses) == [200, 302]
    refused = next(r for r in responses if r.status_code == 200)
    assert "Dr Ada Quinn is already booked from 10:" in field_error(refused, "time")
    assert row_count(app, Appointment) == 1


def test_two_concurrent_bookings_of_the_same_enquiry_and_time_make_one_appointment(app, make_user, make_enquiry):
    specialist = make_user("specialist")
    anna, ben = make_user("reception"), make_user("reception")
    enquiry_id = make_enquiry(**ANSWERED)
    responses = race_posts(app, [(anna, _book(enquiry_id), slot_form(specialist.id)),
                                  (ben, _book(enquiry_id), slot_form(specialist.id))])
    assert sorted(r.status_code for r in responses) == [200, 302]
    assert row_count(app, Appointment) == 1


def test_two_specialists_booking_each_other_at_once_both_succeed(app, make_user, make_enquiry, monkeypatch):
    """PostgreSQL: each holds the other's diary lock while writing rows that point at itself (booked by,
    audit actor); a lock that blocked those references (FOR UPDATE) would deadlock here."""
    _pause(monkeypatch, before_lock=False)
    ada, bo = make_user("specialist"), make_user("specialist")
    responses = race_posts(app, [(ada, _book(make_enquiry(**ANSWERED)), slot_form(bo.id)),
                                  (bo, _book(make_enquiry(**ANSWERED)), slot_form(ada.id))])
    assert [r.status_code for r in responses] == [302, 302]
    assert row_count(app, Appointment) == 2
