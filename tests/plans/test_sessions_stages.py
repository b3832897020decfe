"""Sessions move the later stages: booked → treatment booked, first done → in treatment, last done → completed;
cancelling or missing every booked session steps back to plan proposed. Moving a session keeps the plan's rules."""

from datetime import timedelta

import pytest

from tests.builders import (
    WITH_NOTE,
    Item,
    add_session,
    book,
    course,
    local,
    move,
    record_done,
    session_rows,
    stage_changes,
    stage_of,
    today,
    version_of,
)
from tests.pages import take_flashes
from tracker.auth.models import User
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.bookings.services import BookingError
from tracker.db import utcnow
from tracker.enquiries.stages import Stage
from tracker.extensions import db


@pytest.fixture
def specialist(make_user):
    return make_user("specialist", full_name="Dr Ada Quinn")


def _row(app, appointment_id: int) -> dict:
    return next(r for r in session_rows(app) if r["id"] == appointment_id)


# --- booking and doing ----------------------------------------------------------------------

def test_the_first_booking_moves_the_enquiry_to_treatment_booked_and_later_ones_leave_it(app, make_enquiry,
                                                                                        specialist):
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    start = today(app) + timedelta(days=20)
    book(app, c, [(0, 1, local(start))])
    assert stage_of(app, c.enquiry_id) is Stage.TREATMENT_BOOKED
    assert stage_changes(app, c.enquiry_id, *WITH_NOTE)[-1] == (Stage.PLAN_PROPOSED, Stage.TREATMENT_BOOKED,
                                                  "1 treatment session(s) booked")
    book(app, c, [(0, 2, local(start + timedelta(weeks=4)))])
    assert stage_of(app, c.enquiry_id) is Stage.TREATMENT_BOOKED
    assert len(stage_changes(app, c.enquiry_id, *WITH_NOTE)) == 6  # new, four steps to plan proposed, one booking


def test_the_first_session_done_moves_to_in_treatment_and_the_courses_last_to_completed(app, make_enquiry,
                                                                                       specialist):
    c = course(app, specialist.id, [Item("subcision", 2, 4), Item("microneedling", 1, 4, phase=2)])
    move(app, c.enquiry_id, Stage.TREATMENT_BOOKED)
    past = utcnow() - timedelta(days=3)
    first, second, third = (add_session(app, c, 0, 1, past - timedelta(days=60)),
                            add_session(app, c, 0, 2, past - timedelta(days=30)), add_session(app, c, 1, 1, past))
    record_done(app, first, specialist.id, notes="  1.5 mm, two passes  ")
    assert stage_of(app, c.enquiry_id) is Stage.IN_TREATMENT
    stored = _row(app, first)
    assert stored["status"] is AppointmentStatus.ATTENDED
    assert (stored["performed_by_id"], stored["session_notes"]) == (specialist.id, "1.5 mm, two passes")
    record_done(app, second, specialist.id)
    assert stage_of(app, c.enquiry_id) is Stage.IN_TREATMENT  # the microneedling session is still to come
    record_done(app, third, specialist.id, notes="")
    assert stage_of(app, c.enquiry_id) is Stage.COMPLETED
    assert _row(app, third)["session_notes"] is None
    assert [n[1:] for n in stage_changes(app, c.enquiry_id, *WITH_NOTE)[-2:]] == [
        (Stage.IN_TREATMENT, "First treatment session done"),
        (Stage.COMPLETED, "Plan 1: course of treatment completed")]


def test_a_single_session_course_goes_straight_through_to_completed(app, make_enquiry, specialist):
    c = course(app, specialist.id, [Item("punch_excision", 1, 6)])
    move(app, c.enquiry_id, Stage.TREATMENT_BOOKED)
    record_done(app, add_session(app, c, 0, 1, utcnow() - timedelta(hours=2)), specialist.id)
    assert [n[1] for n in stage_changes(app, c.enquiry_id, *WITH_NOTE)[-2:]] == [Stage.IN_TREATMENT, Stage.COMPLETED]


def test_a_session_performed_by_anyone_but_the_practitioner_who_took_consent_is_refused(app, make_enquiry,
                                                                                         specialist, make_user):
    other = make_user("specialist", full_name="Dr Bea Marsh")
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    move(app, c.enquiry_id, Stage.TREATMENT_BOOKED)
    session_id = add_session(app, c, 0, 1, utcnow() - timedelta(hours=2))
    before = _row(app, session_id)
    with pytest.raises(BookingError, match="must be performed by Dr Ada Quinn, who took consent") as refused:
        record_done(app, session_id, other.id)
    assert refused.value.field == "performed_by"
    assert "For Dr Bea Marsh to perform it, they must take consent again" in str(refused.value)
    assert _row(app, session_id) == before
    assert stage_of(app, c.enquiry_id) is Stage.TREATMENT_BOOKED


def test_a_practitioner_who_has_since_left_can_still_be_recorded_as_performing_their_session(app, make_enquiry,
                                                                                             specialist):
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    move(app, c.enquiry_id, Stage.TREATMENT_BOOKED)
    session_id = add_session(app, c, 0, 1, utcnow() - timedelta(hours=2))
    with app.app_context():
        db.session.get(User, specialist.id).active = False
        db.session.commit()
    record_done(app, session_id, specialist.id)
    assert _row(app, session_id)["status"] is AppointmentStatus.ATTENDED
    assert stage_of(app, c.enquiry_id) is Stage.IN_TREATMENT


@pytest.mark.parametrize("case", ["not started", "inactive performer", "reception performer", "already cancelled"])
def test_recording_done_is_refused_and_changes_nothing(app, make_enquiry, specialist, make_user, case):
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    move(app, c.enquiry_id, Stage.TREATMENT_BOOKED)
    starts = utcnow() + timedelta(days=1) if case == "not started" else utcnow() - timedelta(hours=1)
    status = AppointmentStatus.CANCELLED if case == "already cancelled" else AppointmentStatus.BOOKED
    appointment_id = add_session(app, c, 0, 1, starts, status)
    performer = {"inactive performer": make_user("specialist", active=False),
                 "reception performer": make_user("reception")}.get(case, specialist)
    before = _row(app, appointment_id)
    with pytest.raises(BookingError):
        record_done(app, appointment_id, performer.id)
    assert _row(app, appointment_id) == before
    assert stage_of(app, c.enquiry_id) is Stage.TREATMENT_BOOKED


# --- stepping back ------------------------------------------------------------------------

def _two_booked(app, make_enquiry, specialist, *, past: bool):
    c = course(app, specialist.id, [Item("subcision", 2, 4)],
               info_given_on=today(app) - timedelta(days=40))
    move(app, c.enquiry_id, Stage.TREATMENT_BOOKED)
    when = utcnow() - timedelta(days=1) if past else utcnow() + timedelta(days=3)
    return c, [add_session(app, c, 0, n, when + timedelta(hours=2 * n)) for n in (1, 2)]


def test_cancelling_every_booked_session_before_any_is_done_steps_back_to_plan_proposed(app, client, login_as,
                                                                                       make_enquiry, specialist):
    login_as("reception")
    c, (first, second) = _two_booked(app, make_enquiry, specialist, past=False)
    response = client.post(f"/bookings/{first}/cancel", data={"reason": "Away", "version": version_of(app, first)})
    assert response.status_code == 302 and response.headers["Location"] == f"/plans/{c.plan_id}"
    [(category, message)] = take_flashes(client)
    assert category == "success" and message.startswith("Treatment session on ") and message.endswith(" cancelled.")
    assert stage_of(app, c.enquiry_id) is Stage.TREATMENT_BOOKED  # one still booked
    client.post(f"/bookings/{second}/cancel", data={"reason": "Not ready", "version": version_of(app, second)})
    assert stage_of(app, c.enquiry_id) is Stage.PLAN_PROPOSED
    assert stage_changes(app, c.enquiry_id, *WITH_NOTE)[-1] == (Stage.TREATMENT_BOOKED, Stage.PLAN_PROPOSED,
                                                  "Treatment session cancelled: Not ready")


def test_missing_every_booked_session_before_any_is_done_steps_back_to_plan_proposed(app, client, login_as,
                                                                                    make_enquiry, specialist):
    login_as("reception")
    c, (first, second) = _two_booked(app, make_enquiry, specialist, past=True)
    response = client.post(f"/bookings/{first}/did-not-attend", data={"version": version_of(app, first)})
    assert response.status_code == 302 and response.headers["Location"] == f"/plans/{c.plan_id}"
    [(category, message)] = take_flashes(client)
    assert category == "success" and "did not attend the treatment session on" in message
    assert stage_of(app, c.enquiry_id) is Stage.TREATMENT_BOOKED
    client.post(f"/bookings/{second}/did-not-attend", data={"version": version_of(app, second)})
    assert stage_of(app, c.enquiry_id) is Stage.PLAN_PROPOSED
    assert stage_changes(app, c.enquiry_id, *WITH_NOTE)[-1][2] == "Did not attend the treatment session"


def test_once_a_session_is_done_cancelling_the_rest_does_not_step_back(app, client, login_as, make_enquiry,
                                                                      specialist):
    login_as("reception")
    c, (first, second) = _two_booked(app, make_enquiry, specialist, past=True)
    record_done(app, first, specialist.id)
    client.post(f"/bookings/{second}/did-not-attend", data={"version": version_of(app, second)})
    assert stage_of(app, c.enquiry_id) is Stage.IN_TREATMENT


def test_a_cancelled_consultation_does_not_move_a_treatment_booked_enquiry(app, client, login_as, make_enquiry,
                                                                          specialist):
    login_as("reception")
    c, _ = _two_booked(app, make_enquiry, specialist, past=False)
    with app.app_context():
        review = Appointment(enquiry_id=c.enquiry_id, kind=AppointmentKind.CONSULTATION, practitioner_id=specialist.id,
                             starts_at=utcnow() + timedelta(days=9), ends_at=utcnow() + timedelta(days=9, minutes=30))
        db.session.add(review)
        db.session.commit()
        review_id = review.id
    response = client.post(f"/bookings/{review_id}/cancel", data={"reason": "x", "version": 1})
    assert response.headers["Location"] == f"/enquiries/{c.enquiry_id}"
    assert take_flashes(client)[0][1].startswith("Consultation on ")
    assert stage_of(app, c.enquiry_id) is Stage.TREATMENT_BOOKED


def test_a_session_cannot_be_marked_attended_it_is_recorded_done_from_its_plan(app, client, login_as, make_enquiry,
                                                                              specialist):
    login_as("reception")
    c, (first, _) = _two_booked(app, make_enquiry, specialist, past=True)
    client.post(f"/bookings/{first}/attended", data={"version": version_of(app, first)})
    assert take_flashes(client) == [("danger", "Record a treatment session as done from its plan, with who "
                                                "performed it.")]
    assert _row(app, first)["status"] is AppointmentStatus.BOOKED
    assert stage_of(app, c.enquiry_id) is Stage.TREATMENT_BOOKED


# --- moving a session ---------------------------------------------------------------------

def _rebook_form(day, at: str, specialist_id: int, version: int) -> dict:
    return {"date": day.isoformat(), "time": at, "minutes": "60", "specialist": str(specialist_id), "room": "",
            "version": str(version)}


def test_moving_a_session_keeps_its_plan_item_and_number(app, client, login_as, make_enquiry, specialist):
    login_as("reception")
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    [booked] = book(app, c, [(0, 2, local(today(app) + timedelta(days=20)))])
    day = today(app) + timedelta(days=22)
    response = client.post(f"/bookings/{booked}/rebook", data=_rebook_form(day, "11:00", specialist.id, 1))
    assert response.status_code == 302 and response.headers["Location"] == f"/plans/{c.plan_id}"
    assert take_flashes(client)[0][1].startswith(f"Treatment session moved to {day:%d/%m/%Y} at 11:00")
    old, new = session_rows(app, c.enquiry_id)
    assert old["status"] is AppointmentStatus.REBOOKED and old["rebooked_to_id"] == new["id"]
    assert (new["plan_item_id"], new["session_number"], new["starts_at"]) == (c.item_ids[0], 2, local(day, "11:00"))
    assert stage_of(app, c.enquiry_id) is Stage.TREATMENT_BOOKED


@pytest.mark.parametrize("case", ["before the reflection date", "another specialist"])
def test_moving_a_session_before_the_reflection_date_or_to_another_specialist_is_refused(app, client, login_as,
                                                                                        make_enquiry, specialist,
                                                                                        make_user, case):
    login_as("reception")
    other = make_user("specialist", full_name="Dr Bea Marsh")
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    [booked] = book(app, c, [(0, 1, local(today(app) + timedelta(days=20)))])
    early = case == "before the reflection date"
    day = today(app) + timedelta(days=13 if early else 21)
    before = session_rows(app)
    response = client.post(f"/bookings/{booked}/rebook",
                           data=_rebook_form(day, "11:00", specialist.id if early else other.id, 1))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    if early:
        assert f"The first session cannot be before {today(app) + timedelta(days=14):%d/%m/%Y}" in body
    else:
        assert "This session is booked with Dr Ada Quinn, who took consent and will perform the plan." in body
    assert session_rows(app) == before
