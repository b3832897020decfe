"""The diary's page, events feed and move endpoint: who may use them, what they say, and what they never say."""

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from tests.bookings.conftest import ANSWERED, DAY
from tests.builders import appointment_rows, local
from tests.conftest import count_queries
from tests.properties import ANY_TEXT, PROPERTY
from tracker.bookings.models import Appointment
from tracker.extensions import db

FEED = f"/diary/events?start={DAY.isoformat()}T00:00:00Z&end={(DAY + timedelta(days=1)).isoformat()}T00:00:00Z"


def _session_notes(app, appointment_id: int, notes: str) -> None:
    with app.app_context():
        db.session.get(Appointment, appointment_id).session_notes = notes
        db.session.commit()


def test_the_feed_gives_blocks_with_first_name_initial_and_kind_and_no_clinical_detail(
        app, client, login_as, make_user, make_enquiry, make_appointment):
    login_as("reception")
    sam = make_user("specialist")
    appointment_id = make_appointment(make_enquiry(first_name="Ann", last_name="Example", **ANSWERED), sam.id,
                                      local(DAY, "10:00"), minutes=45)
    _session_notes(app, appointment_id, "Depth 1.5 mm, two passes")
    response = client.get(FEED)
    assert response.status_code == 200
    [event] = response.get_json()
    assert event["title"] == "Ann E. · Consultation"
    assert (event["start"], event["end"], event["resourceId"]) == (f"{DAY}T10:00:00", f"{DAY}T10:45:00", str(sam.id))
    assert event["editable"] is True and event["extendedProps"]["version"] == 2  # the notes made version 2
    assert event["extendedProps"]["move"] == f"/diary/appointments/{appointment_id}/move"
    body = response.get_data(as_text=True)
    assert "Example" not in body and "Depth" not in body and "+447" not in body


def test_a_manager_sees_the_diary_but_cannot_move_anything(app, client, login_as, make_user, make_enquiry,
                                                           make_appointment):
    login_as("manager")
    sam = make_user("specialist")
    make_appointment(make_enquiry(**ANSWERED), sam.id, local(DAY, "10:00"))
    [event] = client.get(FEED).get_json()
    assert event["editable"] is False and event["extendedProps"]["move"] is None
    assert client.get("/diary").status_code == 200
    assert client.post(f"/diary/appointments/{event['id']}/move", data={}).status_code == 403


def test_signed_out_the_diary_and_feed_ask_for_a_sign_in(client):
    assert client.get("/diary").status_code == 302
    assert client.get(FEED).status_code == 302


def test_the_feed_answers_only_a_bounded_range(client, login_as):
    login_as("reception")
    assert client.get("/diary/events").status_code == 400
    assert client.get(f"/diary/events?start={DAY}&end={DAY + timedelta(days=15)}").status_code == 400
    assert client.get(f"/diary/events?start={DAY}&end={DAY}").status_code == 400
    assert client.get(f"/diary/events?start={DAY}&end={DAY + timedelta(days=7)}").status_code == 200


def test_the_feed_and_page_take_the_same_number_of_queries_for_three_bookings_or_thirty(
        app, client, login_as, make_user, make_enquiry, make_appointment):
    login_as("reception")
    sam, ola = make_user("specialist"), make_user("specialist")
    for n in range(3):
        make_appointment(make_enquiry(**ANSWERED), sam.id, local(DAY, f"{9 + n:02d}:00"))
    client.get("/diary")  # the first request also checks, once, that accounts exist
    with count_queries(app) as few:
        client.get(FEED)
        client.get(f"/diary?date={DAY}")
    for n in range(27):
        make_appointment(make_enquiry(**ANSWERED), (sam, ola)[n % 2].id,
                         local(DAY, "12:00") + timedelta(minutes=10 * n),
                         minutes=10)
    with count_queries(app) as many:
        assert len(client.get(FEED).get_json()) == 30
        client.get(f"/diary?date={DAY}")
    assert len(many) == len(few) <= 14


def test_the_page_lists_the_day_without_javascript_and_allows_only_an_empty_style_element(
        app, client, login_as, make_user, make_enquiry, make_appointment):
    login_as("reception")
    sam = make_user("specialist", full_name="Sam Specialist")
    make_appointment(make_enquiry(first_name="Bea", last_name="Brown", **ANSWERED), sam.id, local(DAY, "11:00"))
    response = client.get(f"/diary?date={DAY}")
    body = response.get_data(as_text=True)
    assert 'data-testid="day-list"' in body and "Bea Brown" in body and "11:00–11:30" in body
    policy = response.headers["Content-Security-Policy"]
    assert "style-src 'self' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='" in policy
    assert "unsafe-inline" not in policy and "script-src 'self';" in policy
    assert "cdn" not in body.lower() and "/static/vendor/fullcalendar/6.1.21/core.global.min.js" in body


def _move(client, appointment_id: int, **fields):
    data = {"date": DAY.isoformat(), "time": "14:00", "minutes": "30", "version": "1"} | fields
    return client.post(f"/diary/appointments/{appointment_id}/move", data=data)


def test_a_drop_moves_the_booking_through_the_rebooking_rules(app, client, login_as, make_user, make_enquiry,
                                                               make_appointment):
    login_as("reception")
    sam, ola = make_user("specialist"), make_user("specialist", full_name="Ola Other")
    appointment_id = make_appointment(make_enquiry(**ANSWERED), sam.id, local(DAY, "10:00"))
    response = _move(client, appointment_id, specialist=str(ola.id))
    assert response.status_code == 200 and response.get_json()["ok"] is True
    assert "with Ola Other" in response.get_json()["message"]
    old, new = appointment_rows(app)
    assert (old["status"].value, old["rebooked_to_id"]) == ("rebooked", new["id"])
    assert (new["starts_at"], new["practitioner_id"], new["status"].value) == (local(DAY, "14:00"), ola.id, "booked")


def test_a_stale_drop_a_clash_and_closed_hours_are_refused_with_the_reason(app, client, login_as, make_user,
                                                                          make_enquiry, make_appointment):
    login_as("reception")
    sam = make_user("specialist")
    appointment_id = make_appointment(make_enquiry(**ANSWERED), sam.id, local(DAY, "10:00"))
    make_appointment(make_enquiry(**ANSWERED), sam.id, local(DAY, "14:00"))
    stale = _move(client, appointment_id, version="7")
    assert stale.status_code == 409 and "changed by" in stale.get_json()["message"]
    clash = _move(client, appointment_id)
    assert clash.status_code == 422 and "is already booked from 14:00 to 14:30" in clash.get_json()["message"]
    closed = _move(client, appointment_id, time="18:00")
    assert closed.status_code == 422 and closed.get_json()["message"].startswith("The clinic is closed then")
    assert [r["status"].value for r in appointment_rows(app)] == ["booked", "booked"]


def test_a_drop_without_the_csrf_token_is_refused(app, client, login_as, make_user, make_enquiry, make_appointment):
    login_as("reception")
    appointment_id = make_appointment(make_enquiry(**ANSWERED), make_user("specialist").id, local(DAY, "10:00"))
    response = client.post(f"/diary/appointments/{appointment_id}/move", csrf=False,
                           data={"date": DAY.isoformat(), "time": "14:00", "minutes": "30", "version": "1"})
    assert response.status_code == 400
    assert [r["status"].value for r in appointment_rows(app)] == ["booked"]


FIELD_TEXT = st.one_of(ANY_TEXT, st.sampled_from(["", "2026-02-30", "25:00", "10:03", "0", "-5", "481", "99999999999"]))


def test_bad_input_to_the_feed_and_the_move_never_answers_500(app, client, login_as, make_user, make_enquiry,
                                                              make_appointment):
    login_as("reception")
    appointment_id = make_appointment(make_enquiry(**ANSWERED), make_user("specialist").id, local(DAY, "10:00"))

    @PROPERTY
    @given(start=FIELD_TEXT, end=FIELD_TEXT, date=FIELD_TEXT, time=FIELD_TEXT, minutes=FIELD_TEXT,
           specialist=FIELD_TEXT, version=FIELD_TEXT)
    def check(start, end, date, time, minutes, specialist, version):
        assert client.get("/diary/events", query_string={"start": start, "end": end}).status_code in (200, 400)
        assert client.get("/diary", query_string={"date": date, "enquiry": specialist}).status_code == 200
        response = client.post(f"/diary/appointments/{appointment_id}/move",
                               data={"date": date, "time": time, "minutes": minutes, "specialist": specialist,
                                     "version": version})
        assert response.status_code in (200, 409, 422)
        assert response.get_json()["message"]

    check()


def test_the_room_view_has_a_column_per_room_and_one_for_no_room_and_moves_nothing(
        app, client, login_as, make_user, make_enquiry, make_appointment):
    import json
    import re

    from tracker.settings.models import OptionKind
    from tracker.settings.services import options

    login_as("reception")
    sam = make_user("specialist")
    with app.app_context():
        room = options(OptionKind.ROOM)[0]
        room_id, room_label = room.id, room.label
    in_room = make_appointment(make_enquiry(**ANSWERED), sam.id, local(DAY, "10:00"), room_id=room_id)
    no_room = make_appointment(make_enquiry(**ANSWERED), sam.id, local(DAY, "11:00"))
    by_room = {e["id"]: e for e in client.get(f"{FEED}&by=room").get_json()}
    assert by_room[str(in_room)]["resourceId"] == str(room_id)
    assert by_room[str(no_room)]["resourceId"] == "none"
    assert not any(e["editable"] or e["extendedProps"]["move"] for e in by_room.values())
    by_specialist = client.get(FEED).get_json()
    assert {e["resourceId"] for e in by_specialist} == {str(sam.id)}
    assert all(e["editable"] for e in by_specialist)
    page = client.get(f"/diary?date={DAY.isoformat()}&by=room").get_data(as_text=True)
    settings = json.loads(re.search(r'data-settings="([^"]*)"', page)[1].replace("&#34;", '"').replace("&quot;", '"'))
    assert settings["resources"] == [{"id": str(room_id), "title": room_label}, {"id": "none", "title": "No room"}]
    assert settings["editable"] is False and settings["events"].endswith("by=room")
    assert re.search(r'<a[^>]*aria-current="page"[^>]*>By room</a>', page)
