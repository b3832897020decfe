"""Re-booking, cancelling, attended and did not attend: history kept, the enquiry moved, stale pages refused."""

from datetime import timedelta

import pytest

from tests.bookings.conftest import ANSWERED, DAY, slot_form
from tests.builders import appointment_rows, enquiry_row, local, stage_changes
from tests.pages import field_error, form_error_text, take_flashes
from tracker.bookings.models import AppointmentStatus
from tracker.enquiries.stages import Stage
from tracker.extensions import db


@pytest.fixture
def booked(app, client, login_as, make_user, make_enquiry):
    """Reception signed in; a consultation booked through the page for 10:00 on DAY; (specialist, enquiry id)."""
    login_as("reception")
    specialist = make_user("specialist", full_name="Dr Ada Quinn")
    enquiry_id = make_enquiry(first_name="Nia", last_name="Jones", **ANSWERED)
    assert client.post(f"/enquiries/{enquiry_id}/consultations/new", data=slot_form(specialist.id)).status_code == 302
    take_flashes(client)
    return specialist, enquiry_id


def _only(app, enquiry_id):
    [row] = appointment_rows(app, enquiry_id)
    return row


# --- rebook -------------------------------------------------------------------------------

def test_the_rebook_form_opens_with_the_booking_filled_in(app, client, booked):
    specialist, enquiry_id = booked
    row = _only(app, enquiry_id)
    body = client.get(f"/bookings/{row['id']}/rebook").get_data(as_text=True)
    assert f'value="{DAY.isoformat()}"' in body and 'value="10:00"' in body and 'value="30"' in body
    assert f'<option selected value="{specialist.id}">' in body
    assert f'name="version" type="hidden" value="{row["version"]}"' in body
    assert "Nia Jones" in body and "Consultation booked" in body


def test_rebooking_keeps_the_old_appointment_marked_rebooked_and_pointing_at_the_new(app, client, booked, audit_rows):
    specialist, enquiry_id = booked
    old = _only(app, enquiry_id)
    changes_before = stage_changes(app, enquiry_id)
    # 10:15 overlaps the booking being moved: its own slot is free for it.
    response = client.post(f"/bookings/{old['id']}/rebook",
                           data={**slot_form(specialist.id, at="10:15", minutes=45), "version": old["version"]})
    assert response.status_code == 302 and response.headers["Location"] == f"/enquiries/{enquiry_id}"
    assert take_flashes(client) == [("success", f"Consultation moved to {DAY:%d/%m/%Y} at 10:15 with Dr Ada Quinn.")]
    was, new = appointment_rows(app, enquiry_id)
    assert was["status"] is AppointmentStatus.REBOOKED and was["rebooked_to_id"] == new["id"]
    assert was["starts_at"] == local(DAY, "10:00") and was["status_changed_at"] is not None
    assert new["status"] is AppointmentStatus.BOOKED
    assert (new["starts_at"], new["ends_at"]) == (local(DAY, "10:15"), local(DAY, "11:00"))
    assert enquiry_row(app, enquiry_id)["stage"] is Stage.CONSULTATION_BOOKED
    assert stage_changes(app, enquiry_id) == changes_before
    assert any(e["changes"].get("status") == ["booked", "rebooked"] for e in audit_rows(entity_type="appointments"))


def test_rebooking_onto_another_booking_is_refused_and_changes_nothing(app, client, booked, make_enquiry):
    specialist, _ = booked
    other = make_enquiry(**ANSWERED)
    assert client.post(f"/enquiries/{other}/consultations/new",
                       data=slot_form(specialist.id, at="11:00")).status_code == 302
    before = appointment_rows(app)
    moving = before[0]
    response = client.post(f"/bookings/{moving['id']}/rebook",
                           data={**slot_form(specialist.id, at="11:15"), "version": moving["version"]})
    assert response.status_code == 200
    assert field_error(response, "time") == (f"Dr Ada Quinn is already booked from 11:00 to 11:30 on "
                                             f"{DAY:%d/%m/%Y}; choose another time or specialist.")
    assert 'value="11:15"' in response.get_data(as_text=True)
    assert appointment_rows(app) == before


def test_a_cancelled_booking_cannot_be_rebooked(app, client, booked):
    specialist, enquiry_id = booked
    row = _only(app, enquiry_id)
    assert client.post(f"/bookings/{row['id']}/cancel", data={"reason": "Ill", "version": row["version"]}
                       ).status_code == 302
    take_flashes(client)
    cancelled = _only(app, enquiry_id)
    response = client.get(f"/bookings/{row['id']}/rebook")
    assert response.status_code == 302
    assert take_flashes(client) == [("warning", "This appointment is cancelled, so it cannot be moved.")]
    response = client.post(f"/bookings/{row['id']}/rebook",
                           data={**slot_form(specialist.id, at="12:00"), "version": cancelled["version"]})
    assert response.status_code == 200
    assert form_error_text(response) == "This appointment is already cancelled."
    assert _only(app, enquiry_id) == cancelled


# --- cancel -------------------------------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_cancelling_needs_a_reason(app, client, booked, reason):
    _, enquiry_id = booked
    row = _only(app, enquiry_id)
    response = client.post(f"/bookings/{row['id']}/cancel", data={"reason": reason, "version": row["version"]})
    assert response.status_code == 200
    assert field_error(response, "reason") == "Say why the appointment is cancelled."
    assert _only(app, enquiry_id) == row


def test_cancelling_keeps_the_booking_and_takes_the_enquiry_back_to_contacted(app, client, booked):
    _, enquiry_id = booked
    row = _only(app, enquiry_id)
    page = client.get(f"/bookings/{row['id']}/cancel").get_data(as_text=True)
    assert "<h1" in page and "Nia Jones" in page and 'for="reason"' in page
    response = client.post(f"/bookings/{row['id']}/cancel",
                           data={"reason": "  Car broke down  ", "version": row["version"]})
    assert response.status_code == 302 and response.headers["Location"] == f"/enquiries/{enquiry_id}"
    assert take_flashes(client) == [("success", f"Consultation on {DAY:%d/%m/%Y} at 10:00 cancelled.")]
    after = _only(app, enquiry_id)
    assert after["status"] is AppointmentStatus.CANCELLED and after["cancel_reason"] == "Car broke down"
    assert enquiry_row(app, enquiry_id)["stage"] is Stage.CONTACTED
    assert stage_changes(app, enquiry_id)[-1][1:] == (Stage.CONTACTED, after["status_changed_by_id"],
                                                      "Consultation cancelled: Car broke down")


def test_cancelling_one_of_two_bookings_leaves_the_enquiry_booked(app, client, booked):
    specialist, enquiry_id = booked
    assert client.post(f"/enquiries/{enquiry_id}/consultations/new",
                       data=slot_form(specialist.id, day=DAY + timedelta(days=7))).status_code == 302
    first = appointment_rows(app, enquiry_id)[0]
    assert client.post(f"/bookings/{first['id']}/cancel", data={"reason": "Moved", "version": first["version"]}
                       ).status_code == 302
    assert enquiry_row(app, enquiry_id)["stage"] is Stage.CONSULTATION_BOOKED


# --- attended / did not attend ------------------------------------------------------------

def test_attended_moves_the_enquiry_to_consulted(app, client, login_as, make_user, make_enquiry, booked_in_past):
    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(first_name="Nia", last_name="Jones", **ANSWERED)
    appointment_id = booked_in_past(enquiry_id, specialist.id)
    row = _only(app, enquiry_id)
    response = client.post(f"/bookings/{appointment_id}/attended", data={"version": row["version"]})
    assert response.status_code == 302 and response.headers["Location"] == f"/enquiries/{enquiry_id}"
    [(category, message)] = take_flashes(client)
    assert category == "success" and message.startswith("Nia Jones attended the consultation on ")
    assert _only(app, enquiry_id)["status"] is AppointmentStatus.ATTENDED
    assert enquiry_row(app, enquiry_id)["stage"] is Stage.CONSULTED


def test_did_not_attend_takes_the_enquiry_back_to_contacted(app, client, login_as, make_user, make_enquiry,
                                                            booked_in_past):
    reception = login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    appointment_id = booked_in_past(enquiry_id, specialist.id)
    row = _only(app, enquiry_id)
    assert client.post(f"/bookings/{appointment_id}/did-not-attend", data={"version": row["version"]}
                       ).status_code == 302
    after = _only(app, enquiry_id)
    assert after["status"] is AppointmentStatus.DID_NOT_ATTEND and after["status_changed_by_id"] == reception.id
    assert enquiry_row(app, enquiry_id)["stage"] is Stage.CONTACTED
    assert stage_changes(app, enquiry_id)[-1][3] == "Did not attend the consultation"


@pytest.mark.parametrize("step", ["attended", "did-not-attend"])
def test_a_consultation_still_to_come_cannot_be_marked(app, client, booked, step):
    _, enquiry_id = booked
    row = _only(app, enquiry_id)
    response = client.post(f"/bookings/{row['id']}/{step}", data={"version": row["version"]})
    assert response.status_code == 302
    [(category, message)] = take_flashes(client)
    assert category == "danger" and "once it has started" in message
    assert _only(app, enquiry_id) == row
    assert enquiry_row(app, enquiry_id)["stage"] is Stage.CONSULTATION_BOOKED


@pytest.mark.parametrize("version", ["", "abc", "0", "-1"])
def test_marking_with_an_unreadable_version_asks_to_try_again(app, client, login_as, make_user, make_enquiry,
                                                              booked_in_past, version):
    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    appointment_id = booked_in_past(enquiry_id, specialist.id)
    before = _only(app, enquiry_id)
    response = client.post(f"/bookings/{appointment_id}/attended", data={"version": version})
    assert response.status_code == 302
    assert take_flashes(client) == [("warning", "The page was out of date; please try again.")]
    assert _only(app, enquiry_id) == before


# --- stale pages --------------------------------------------------------------------------

@pytest.mark.parametrize(("step", "hours_from_now"),
                         [("rebook", 48), ("cancel", 48), ("attended", -1), ("did-not-attend", -1)])
def test_a_page_opened_before_someone_else_changed_the_booking_is_refused_with_409(
        app, client, login_as, make_user, make_enquiry, booked_in_past, step, hours_from_now):
    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    appointment_id = booked_in_past(enquiry_id, specialist.id, hours_ago=-hours_from_now)
    before, stage = appointment_rows(app), enquiry_row(app, enquiry_id)
    data = {**slot_form(specialist.id, day=DAY + timedelta(days=3)), "reason": "Ill",
            "version": str(before[0]["version"] + 1)}
    response = client.post(f"/bookings/{appointment_id}/{step}", data=data)
    assert response.status_code == 409
    assert "while you were editing it" in response.get_data(as_text=True)
    assert appointment_rows(app) == before
    assert enquiry_row(app, enquiry_id) == stage


def test_a_booking_in_a_room_since_retired_can_be_moved_keeping_the_room(app, client, login_as, make_user,
                                                                         make_enquiry, make_appointment, make_room):
    from tracker.settings.models import Option

    login_as("reception")
    specialist = make_user("specialist")
    room = make_room("Old wing")
    enquiry_id = make_enquiry(**ANSWERED)
    appointment_id = make_appointment(enquiry_id, specialist.id, local(DAY, "10:00"), room_id=room)
    with app.app_context():
        db.session.get(Option, room).active = False
        db.session.commit()
    assert "Old wing (retired)" in client.get(f"/bookings/{appointment_id}/rebook").get_data(as_text=True)
    version = appointment_rows(app, enquiry_id)[0]["version"]
    response = client.post(f"/bookings/{appointment_id}/rebook",
                           data={**slot_form(specialist.id, at="11:00", room=room), "version": version})
    assert response.status_code == 302
    assert appointment_rows(app, enquiry_id)[-1]["room_id"] == room
