"""The course booking page, the session-done page and the plan's sessions card: who may do what, and what they see."""

import re
from datetime import timedelta

import pytest
from flask import render_template

from tests import builders
from tests.builders import (
    Item,
    add_session,
    book,
    course,
    local,
    move,
    record_done,
    session_rows,
    stage_of,
    today,
    version_of,
)
from tests.conftest import count_queries, sign_in
from tests.pages import field_error, form_error_text, input_value, take_flashes
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.db import utcnow
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.plans import sessions
from tracker.plans.models import PlanStatus


@pytest.fixture
def specialist(make_user):
    return make_user("specialist", full_name="Dr Ada Quinn")


def _checked(body: str, name: str) -> bool:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', body).group(0)
    return re.search(r"\schecked[\s>]", tag) is not None


def _form(rows: dict, *, minutes: str = "60", room: str = "") -> dict:
    """The course form as a browser posts it: {key: (date, time, ticked)}; an unticked box is not sent."""
    data = {"minutes": minutes, "room": room}
    for key, (day, at, ticked) in rows.items():
        data |= {f"date_{key}": day.isoformat() if hasattr(day, "isoformat") else day, f"time_{key}": at}
        if ticked:
            data[f"include_{key}"] = "y"
    return data


# --- booking the course ---------------------------------------------------------------------

def test_the_page_shows_the_earliest_allowed_date_and_why_and_a_row_per_session(app, client, login_as, make_enquiry,
                                                                                specialist):
    login_as("reception")
    c = course(app, specialist.id, [Item("subcision", 2, 4), Item("microneedling", 1, 4, phase=2)])
    response = client.get(f"/plans/{c.plan_id}/sessions")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    earliest = today(app) + timedelta(days=14)
    notice = re.search(r'data-testid="earliest-date">(.*?)</div>\s*</div>', body, re.S).group(1)
    assert f"Earliest allowed date for a session: {earliest:%d/%m/%Y}" in notice
    assert f"information given on {today(app):%d/%m/%Y} + 14 days&#39; reflection for Subcision" in notice
    subcision, microneedling = c.item_ids
    assert [input_value(response, f"date_{k}") for k in (f"{subcision}_1", f"{subcision}_2", f"{microneedling}_1")] \
        == [earliest.isoformat(), (earliest + timedelta(weeks=4)).isoformat(),
            (earliest + timedelta(weeks=8)).isoformat()]
    assert input_value(response, f"time_{subcision}_1") == "10:00"
    assert _checked(body, f"include_{subcision}_2") and _checked(body, f"include_{microneedling}_1")
    assert "Subcision, session 2 of 2" in body and "Microneedling, session 1 of 1" in body


def test_reception_books_the_ticked_sessions_and_the_enquiry_moves_to_treatment_booked(app, client, login_as,
                                                                                      make_enquiry, specialist):
    reception = login_as("reception")
    room = builders.room(app, "Laser room")
    c = course(app, specialist.id, [Item("subcision", 2, 4), Item("microneedling", 1, 4, phase=2)])
    subcision, microneedling = c.item_ids
    day = today(app) + timedelta(days=15)
    response = client.post(f"/plans/{c.plan_id}/sessions", data=_form({
        f"{subcision}_1": (day, "09:30", True), f"{subcision}_2": (day + timedelta(weeks=5), "14:05", True),
        f"{microneedling}_1": (day + timedelta(weeks=9), "10:00", False)}, minutes="45", room=str(room)))
    assert response.status_code == 302 and response.headers["Location"] == f"/plans/{c.plan_id}"
    patient = "Ada Lovelace"
    assert take_flashes(client) == [("success", f"2 session(s) booked for {patient} with Dr Ada Quinn.")]
    rows = session_rows(app, c.enquiry_id)
    assert [(r["plan_item_id"], r["session_number"], r["starts_at"], (r["ends_at"] - r["starts_at"]).seconds // 60,
             r["room_id"], r["booked_by_id"], r["practitioner_id"]) for r in rows] == [
        (subcision, 1, local(day, "09:30"), 45, room, reception.id, specialist.id),
        (subcision, 2, local(day + timedelta(weeks=5), "14:05"), 45, room, reception.id, specialist.id)]
    assert stage_of(app, c.enquiry_id) is Stage.TREATMENT_BOOKED
    # The unticked session is offered on the next visit; the booked ones are not.
    again = client.get(f"/plans/{c.plan_id}/sessions")
    assert input_value(again, f"date_{microneedling}_1") is not None
    assert input_value(again, f"date_{subcision}_1") is None


def test_a_row_before_the_reflection_date_is_refused_beside_its_date_with_the_input_kept(app, client, login_as,
                                                                                        make_enquiry, specialist):
    login_as("reception")
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    first, second = (f"{c.item_ids[0]}_{n}" for n in (1, 2))
    early, later = today(app) + timedelta(days=10), today(app) + timedelta(days=40)
    response = client.post(f"/plans/{c.plan_id}/sessions",
                           data=_form({first: (early, "09:00", True), second: (later, "11:35", True)}, minutes="50"))
    assert response.status_code == 200
    earliest = today(app) + timedelta(days=14)
    assert field_error(response, f"date_{first}") == (
        f"Subcision, session 1 of 2: The first session cannot be before {earliest:%d/%m/%Y}: information given on "
        f"{today(app):%d/%m/%Y} + 14 days' reflection for Subcision.")
    assert field_error(response, f"date_{second}") is None
    assert [input_value(response, n) for n in (f"date_{first}", f"date_{second}", f"time_{second}", "minutes")] == [
        early.isoformat(), later.isoformat(), "11:35", "50"]
    assert session_rows(app) == []
    assert stage_of(app, c.enquiry_id) is Stage.PLAN_PROPOSED


def test_two_rows_at_the_same_time_are_refused_beside_the_second_rows_date(app, client, login_as, make_enquiry,
                                                                          specialist):
    login_as("reception")
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    first, second = (f"{c.item_ids[0]}_{n}" for n in (1, 2))
    day = today(app) + timedelta(days=20)
    response = client.post(f"/plans/{c.plan_id}/sessions",
                           data=_form({first: (day, "10:00", True), second: (day, "10:30", True)}))
    assert field_error(response, f"date_{second}").startswith(
        "Subcision, session 2 of 2: Dr Ada Quinn is already booked from 10:00 to 11:00")
    assert session_rows(app) == []


def test_ticking_no_session_is_refused_with_a_message(app, client, login_as, make_enquiry, specialist):
    login_as("reception")
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    key = f"{c.item_ids[0]}_1"
    response = client.post(f"/plans/{c.plan_id}/sessions", data=_form({key: ("not a date", "10:00", False)}))
    assert response.status_code == 200
    assert form_error_text(response) == "Tick at least one session to book."
    assert field_error(response, f"date_{key}") is None  # an unticked row is not checked
    assert input_value(response, f"date_{key}") == "not a date"


@pytest.mark.parametrize("status", [PlanStatus.PROPOSED, PlanStatus.DECLINED])
def test_a_plan_not_accepted_says_so_and_books_nothing(app, client, login_as, make_enquiry, specialist, status):
    login_as("reception")
    c = course(app, specialist.id, [Item("subcision", 2, 4)], status=status)
    page = client.get(f"/plans/{c.plan_id}/sessions").get_data(as_text=True)
    assert f"This plan is {status.label.lower()}: only an accepted plan's sessions can be booked." in \
        page.replace("&#39;", "'")
    key = f"{c.item_ids[0]}_1"
    response = client.post(f"/plans/{c.plan_id}/sessions",
                           data=_form({key: (today(app) + timedelta(days=20), "10:00", True)}))
    assert response.status_code == 200
    assert form_error_text(response).startswith("Only an accepted plan's sessions can be booked")
    assert session_rows(app) == []


def test_unknown_and_archived_plans_are_not_found(app, client, login_as, make_enquiry, specialist):
    login_as("reception")
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    assert client.get(f"/plans/{c.plan_id + 100}/sessions").status_code == 404
    with app.app_context():
        from tracker.enquiries.models import Enquiry

        db.session.get(Enquiry, c.enquiry_id).archived_at = utcnow()
        db.session.commit()
    assert client.get(f"/plans/{c.plan_id}/sessions").status_code == 404


def test_the_sessions_page_issues_the_same_number_of_queries_for_2_and_12_sessions(app, client, login_as,
                                                                                  make_enquiry, specialist):
    login_as("reception")
    small = course(app, specialist.id, [Item("subcision", 2, 4)])
    large = course(app, specialist.id, [Item("subcision", 4, 4), Item("tca_cross", 4, 3, phase=2),
                                                      Item("microneedling", 4, 2, phase=3)])
    client.get(f"/plans/{small.plan_id}/sessions")  # warm up: first-request work is not the page's
    counts = []
    for c in (small, large):
        with count_queries(app) as statements:
            assert client.get(f"/plans/{c.plan_id}/sessions").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


# --- recording a session done -----------------------------------------------------------------

def _past_session(app, make_enquiry, specialist, **kwargs):
    c = course(app, specialist.id, [Item("subcision", 2, 4)], info_given_on=today(app) - timedelta(60))
    move(app, c.enquiry_id, Stage.TREATMENT_BOOKED)
    return c, add_session(app, c, 0, 1, utcnow() - timedelta(hours=1), **kwargs)


def test_reception_can_open_the_booking_page_but_not_record_a_session_done(app, client, login_as, make_enquiry,
                                                                           specialist):
    login_as("reception")
    c, session_id = _past_session(app, make_enquiry, specialist)
    assert client.get(f"/plans/{c.plan_id}/sessions").status_code == 200
    assert client.get(f"/sessions/{session_id}/done").status_code == 403
    assert client.post(f"/sessions/{session_id}/done",
                       data={"performed_by": specialist.id, "notes": "x", "version": "1"}).status_code == 403
    assert session_rows(app)[0]["status"] is AppointmentStatus.BOOKED


def test_a_specialist_records_a_session_done_by_the_practitioner_who_took_consent_the_only_one_offered(
        app, client, make_user, make_enquiry, specialist):
    recorder = make_user("specialist", full_name="Dr Bea Marsh")
    sign_in(client, recorder)
    c, session_id = _past_session(app, make_enquiry, specialist)
    page = client.get(f"/sessions/{session_id}/done").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="performed_by".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option[^>]*value="(\d+)"', select) == [str(specialist.id)]
    assert f'<option selected value="{specialist.id}">Dr Ada Quinn</option>' in select
    assert "Dr Ada Quinn took consent for this plan, so performs its sessions" in page
    response = client.post(f"/sessions/{session_id}/done", data={"performed_by": str(specialist.id),
                           "notes": "Nokor needle, 3 passes", "version": str(version_of(app, session_id))})
    assert response.status_code == 302 and response.headers["Location"] == f"/plans/{c.plan_id}"
    assert take_flashes(client) == [("success", "Subcision, session 1 of 2: recorded as done.")]
    stored = session_rows(app)[0]
    assert (stored["status"], stored["performed_by_id"], stored["session_notes"], stored["status_changed_by_id"]) == (
        AppointmentStatus.ATTENDED, specialist.id, "Nokor needle, 3 passes", recorder.id)
    assert stage_of(app, c.enquiry_id) is Stage.IN_TREATMENT
    # Done already: the page sends the user back to the plan.
    again = client.get(f"/sessions/{session_id}/done")
    assert again.status_code == 302 and take_flashes(client)[0][0] == "warning"


def test_a_done_form_naming_another_performer_is_refused_beside_the_field_and_saves_nothing(app, client, make_user,
                                                                                         make_enquiry, specialist):
    recorder = make_user("specialist", full_name="Dr Bea Marsh")
    sign_in(client, recorder)
    _, session_id = _past_session(app, make_enquiry, specialist)
    response = client.post(f"/sessions/{session_id}/done", data={"performed_by": str(recorder.id), "notes": "kept",
                                                                 "version": str(version_of(app, session_id))})
    assert response.status_code == 200
    assert field_error(response, "performed_by") == ("This session must be performed by Dr Ada Quinn, who took "
                                                     "consent for the plan.")
    assert "kept</textarea>" in response.get_data(as_text=True)
    assert "Dr Ada Quinn took consent for this plan, so performs its sessions" in response.get_data(as_text=True)
    assert session_rows(app)[0]["status"] is AppointmentStatus.BOOKED


def test_a_stale_done_form_is_refused_with_409_and_saves_nothing(app, client, login_as, make_enquiry, specialist):
    login_as("specialist")
    _, session_id = _past_session(app, make_enquiry, specialist)
    response = client.post(f"/sessions/{session_id}/done",
                           data={"performed_by": str(specialist.id), "notes": "x", "version": "7"})
    assert response.status_code == 409 and "while you were editing it" in response.get_data(as_text=True)
    assert session_rows(app)[0]["status"] is AppointmentStatus.BOOKED


def test_a_session_not_yet_started_is_refused_above_the_form(app, client, login_as, make_enquiry, specialist):
    login_as("specialist")
    c = course(app, specialist.id, [Item("subcision", 2, 4)], info_given_on=today(app) - timedelta(60))
    session_id = add_session(app, c, 0, 1, utcnow() + timedelta(days=2))
    response = client.post(f"/sessions/{session_id}/done",
                           data={"performed_by": str(specialist.id), "notes": "kept text", "version": "1"})
    assert response.status_code == 200
    assert form_error_text(response) == "A session can be recorded as done once it has started."
    assert "kept text</textarea>" in response.get_data(as_text=True)


def test_only_treatment_sessions_have_a_done_page(app, client, login_as, make_enquiry, specialist):
    login_as("specialist")
    with app.app_context():
        starts = utcnow() - timedelta(hours=1)
        consultation = Appointment(enquiry_id=make_enquiry(), kind=AppointmentKind.CONSULTATION, starts_at=starts,
                                   ends_at=starts + timedelta(minutes=30), practitioner_id=specialist.id)
        db.session.add(consultation)
        db.session.commit()
        consultation_id = consultation.id
    assert client.get(f"/sessions/{consultation_id}/done").status_code == 404
    assert client.get(f"/sessions/{consultation_id + 50}/done").status_code == 404


# --- the plan's sessions card -----------------------------------------------------------------

def _card(app, plan_id: int, user) -> str:
    with app.test_request_context():
        plan = sessions.plan_with_items(plan_id)
        return render_template("plans/_plan_sessions.html", plan=plan, sessions=sessions.sessions_for_plan(plan_id),
                               current_user=user)


@pytest.mark.parametrize(("role", "notes", "done", "booking"), [
    ("reception", False, False, True), ("specialist", True, True, True), ("manager", True, False, False)])
def test_the_sessions_card_shows_notes_and_buttons_by_permission(app, make_user, make_enquiry, specialist,
                                                                 role, notes, done, booking):
    c = course(app, specialist.id, [Item("subcision", 3, 4)], info_given_on=today(app) - timedelta(60))
    move(app, c.enquiry_id, Stage.TREATMENT_BOOKED)
    first = add_session(app, c, 0, 1, utcnow() - timedelta(days=2))
    add_session(app, c, 0, 2, utcnow() + timedelta(days=20))
    record_done(app, first, specialist.id, notes="Deep <b>tethering</b> released")
    card = _card(app, c.plan_id, make_user(role))
    assert ("Deep &lt;b&gt;tethering&lt;/b&gt; released" in card) is notes
    assert ("/done" in card) is done
    assert ("Did not attend" in card and "/cancel" in card and "Book sessions" in card) is booking
    assert card.count('data-testid="session-status"') == 2 and ">Done</span>" in card and ">Booked</span>" in card


def test_the_book_button_shows_only_while_sessions_are_left_to_book_on_an_accepted_plan(app, make_user, make_enquiry,
                                                                                       specialist):
    reception = make_user("reception")
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    assert "Book sessions" in _card(app, c.plan_id, reception)
    book(app, c, [(0, 1, local(today(app) + timedelta(days=20))), (0, 2, local(today(app) + timedelta(days=48)))])
    assert "Book sessions" not in _card(app, c.plan_id, reception)
    proposed = course(app, specialist.id, [Item("subcision", 2, 4)], status=PlanStatus.PROPOSED)
    assert "Book sessions" not in _card(app, proposed.plan_id, reception)
