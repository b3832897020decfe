"""Bookings and the pipeline stay consistent: stepping back, losing, archiving and reopening."""

from datetime import timedelta

from tests.bookings.conftest import ANSWERED
from tests.builders import appointment_rows, enquiry_row, move
from tracker.bookings.models import AppointmentStatus
from tracker.db import utcnow
from tracker.enquiries.stages import Stage


def _cancel(client, appointment_id, app):
    version = next(a for a in appointment_rows(app) if a["id"] == appointment_id)["version"]
    return client.post(f"/bookings/{appointment_id}/cancel", data={"reason": "clash", "version": version})


def test_cancelling_a_second_consultation_returns_a_consulted_enquiry_to_consulted(app, client, login_as, make_user,
                                                                                   make_enquiry, make_appointment):
    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    make_appointment(enquiry_id, specialist.id, utcnow() - timedelta(days=7), status=AppointmentStatus.ATTENDED)
    move(app, enquiry_id, Stage.CONSULTATION_BOOKED, Stage.CONSULTED, Stage.CONSULTATION_BOOKED)
    second = make_appointment(enquiry_id, specialist.id, utcnow() + timedelta(days=7))
    assert _cancel(client, second, app).status_code == 302
    assert enquiry_row(app, enquiry_id)["stage"] is Stage.CONSULTED


def test_a_missed_second_consultation_also_returns_to_consulted(app, client, login_as, make_user, make_enquiry,
                                                               make_appointment):
    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    make_appointment(enquiry_id, specialist.id, utcnow() - timedelta(days=7), status=AppointmentStatus.ATTENDED)
    move(app, enquiry_id, Stage.CONSULTATION_BOOKED, Stage.CONSULTED, Stage.CONSULTATION_BOOKED)
    second = make_appointment(enquiry_id, specialist.id, utcnow() - timedelta(hours=1))
    version = appointment_rows(app, enquiry_id)[-1]["version"]
    client.post(f"/bookings/{second}/did-not-attend", data={"version": version})
    assert enquiry_row(app, enquiry_id)["stage"] is Stage.CONSULTED


def test_losing_an_enquiry_cancels_its_consultation_and_reopening_returns_it_to_be_booked(
        app, client, login_as, make_user, make_enquiry, make_appointment):
    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    move(app, enquiry_id, Stage.CONSULTATION_BOOKED)
    make_appointment(enquiry_id, specialist.id, utcnow() + timedelta(days=3))
    version = enquiry_row(app, enquiry_id)["version"]
    client.post(f"/enquiries/{enquiry_id}/stage", data={"to_stage": "lost", "lost_reason_id": 10, "version": version})
    [appointment] = appointment_rows(app, enquiry_id)
    assert appointment["status"] is AppointmentStatus.CANCELLED and appointment["cancel_reason"].startswith(
        "Enquiry lost")
    page = client.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)
    assert "Reopen (back to contacted)" in page
    version = enquiry_row(app, enquiry_id)["version"]
    client.post(f"/enquiries/{enquiry_id}/stage", data={"to_stage": "contacted", "version": version})
    assert enquiry_row(app, enquiry_id)["stage"] is Stage.CONTACTED


def test_archiving_an_enquiry_frees_its_slot_in_the_diary(app, client, login_as, make_user, make_enquiry,
                                                         make_appointment):
    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    move(app, enquiry_id, Stage.CONSULTATION_BOOKED)
    make_appointment(enquiry_id, specialist.id, utcnow() + timedelta(days=3))
    client.post(f"/enquiries/{enquiry_id}/archive", data={"version": enquiry_row(app, enquiry_id)["version"]})
    [appointment] = appointment_rows(app, enquiry_id)
    assert appointment["status"] is AppointmentStatus.CANCELLED and appointment["cancel_reason"] == "Enquiry archived"
