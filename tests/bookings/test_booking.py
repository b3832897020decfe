"""Booking a consultation: the enquiry moves on, the form explains every refusal, nothing is half-written."""

from datetime import date, timedelta

import pytest

from tests.bookings.conftest import ANSWERED, DAY, slot_form
from tests.builders import appointment_rows, enquiry_row, local, move, row_count, stage_changes
from tests.pages import field_error, form_error_text, take_flashes
from tracker.audit.models import AuditAction
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.enquiries.stages import Stage
from tracker.extensions import db


def _url(enquiry_id: int) -> str:
    return f"/enquiries/{enquiry_id}/consultations/new"


def test_booking_moves_the_enquiry_to_consultation_booked_and_leaves_a_trail(app, client, login_as, make_user,
                                                                             make_enquiry, make_room, audit_rows):
    reception = login_as("reception")
    specialist = make_user("specialist", full_name="Dr Ada Quinn")
    room = make_room("Room 2")
    enquiry_id = make_enquiry(by_id=reception.id, first_name="Nia", last_name="Jones", **ANSWERED)
    assert enquiry_row(app, enquiry_id)["stage"] is Stage.CONTACTED

    page = client.get(_url(enquiry_id))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<h1" in body and "Nia Jones" in body and "Contacted" in body

    response = client.post(_url(enquiry_id), data=slot_form(specialist.id, at="10:05", minutes=45, room=room))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/enquiries/{enquiry_id}"
    assert take_flashes(client) == [
        ("success", f"Consultation booked for Nia Jones with Dr Ada Quinn on {DAY:%d/%m/%Y} at 10:05")]

    [row] = appointment_rows(app)
    assert row["enquiry_id"] == enquiry_id and row["kind"] is AppointmentKind.CONSULTATION
    assert row["starts_at"] == local(DAY, "10:05")
    assert row["ends_at"] == local(DAY, "10:50")
    assert (row["practitioner_id"], row["room_id"], row["booked_by_id"]) == (specialist.id, room, reception.id)
    assert row["status"] is AppointmentStatus.BOOKED
    assert enquiry_row(app, enquiry_id)["stage"] is Stage.CONSULTATION_BOOKED
    assert stage_changes(app, enquiry_id)[-1] == (Stage.CONTACTED, Stage.CONSULTATION_BOOKED, reception.id,
                                                  "Consultation booked")
    mine = [(e["action"], e["entity_type"]) for e in audit_rows(actor_id=reception.id)]
    assert (AuditAction.CREATE, "appointments") in mine
    assert (AuditAction.CREATE, "stage_changes") in mine
    updates = audit_rows(entity_type="enquiries", action=AuditAction.UPDATE)
    stage_update = [e for e in updates if "stage" in e["changes"]]
    assert stage_update[-1]["changes"]["stage"] == ["contacted", "consultation_booked"]
    assert stage_update[-1]["actor_id"] == reception.id


def test_a_new_enquiry_booked_straight_away_counts_as_contacted(app, client, login_as, make_user, make_enquiry):
    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(spoken_to=False, hours_ago=0)
    assert client.post(_url(enquiry_id), data=slot_form(specialist.id)).status_code == 302
    row = enquiry_row(app, enquiry_id)
    assert row["stage"] is Stage.CONSULTATION_BOOKED and row["first_contacted_at"] is not None


def test_the_duration_defaults_to_the_clinic_setting_and_the_only_specialist_is_preselected(
        app, client, login_as, make_user, make_enquiry):
    from tracker.settings.models import ClinicSettings

    login_as("reception")
    only = make_user("specialist")
    with app.app_context():
        db.session.get(ClinicSettings, 1).consultation_minutes = 45
        db.session.commit()
    body = client.get(_url(make_enquiry(**ANSWERED))).get_data(as_text=True)
    assert 'name="minutes"' in body and 'value="45"' in body
    assert f'<option selected value="{only.id}">' in body
    assert "— none —" in body and "Consultation room 1" in body  # the room list comes from the settings


def test_with_several_specialists_one_must_be_chosen(app, client, login_as, make_user, make_enquiry):
    login_as("reception")
    make_user("specialist"), make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    assert "— choose a specialist —" in client.get(_url(enquiry_id)).get_data(as_text=True)
    response = client.post(_url(enquiry_id), data=slot_form(""))
    assert response.status_code == 200
    assert field_error(response, "specialist") == "Choose a specialist."
    assert row_count(app, Appointment) == 0


def test_a_booking_in_the_past_is_refused_beside_the_time_and_writes_nothing(app, client, login_as, make_user,
                                                                             make_enquiry):
    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    before = enquiry_row(app, enquiry_id)
    yesterday = date.today() - timedelta(days=1)
    response = client.post(_url(enquiry_id), data=slot_form(specialist.id, day=yesterday, at="09:30"))
    assert response.status_code == 200
    assert field_error(response, "time") == "This time has passed; choose a time in the future."
    body = response.get_data(as_text=True)
    assert f'value="{yesterday.isoformat()}"' in body and 'value="09:30"' in body  # the input is kept
    assert row_count(app, Appointment) == 0
    assert enquiry_row(app, enquiry_id) == before


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"date": f"{DAY.year}-02-30"}, "date", "Enter a real date, such as 23/11/2026."),
    ({"date": "31/02/2027"}, "date", "Enter a real date, such as 23/11/2026."),
    ({"date": "tomorrow"}, "date", "Enter a real date, such as 23/11/2026."),
    ({"date": ""}, "date", "Enter the date."),
    ({"date": "0202-01-01"}, "date", "Enter a date between 2000 and 2200."),
    ({"date": "9999-12-31"}, "date", "Enter a date between 2000 and 2200."),
    ({"time": "25:00"}, "time", "Enter a time of day, such as 14:05."),
    ({"time": "10:61"}, "time", "Enter a time of day, such as 14:05."),
    ({"time": ""}, "time", "Enter the time."),
    ({"time": "10:07"}, "time", "Choose a time on a five-minute mark, such as 14:05."),
    ({"minutes": "0"}, "minutes", "Enter between 5 and 480 minutes."),
    ({"minutes": "481"}, "minutes", "Enter between 5 and 480 minutes."),
    ({"minutes": "-30"}, "minutes", "Enter between 5 and 480 minutes."),
    ({"minutes": "half an hour"}, "minutes", "Not a valid integer value."),
    ({"minutes": ""}, "minutes", "Enter how many minutes it lasts."),
    ({"room": "999999"}, "room", "Not a valid choice."),
])
def test_impossible_input_is_explained_beside_its_field_and_writes_nothing(app, client, login_as, make_user,
                                                                          make_enquiry, changes, field, message):
    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    before = enquiry_row(app, enquiry_id)
    response = client.post(_url(enquiry_id), data={**slot_form(specialist.id), **changes})
    assert response.status_code == 200
    assert message in field_error(response, field)
    assert row_count(app, Appointment) == 0
    assert enquiry_row(app, enquiry_id) == before


def test_only_an_active_specialist_can_be_booked(app, client, login_as, make_user, make_enquiry):
    reception = login_as("reception")
    make_user("specialist")
    gone = make_user("specialist", active=False)
    enquiry_id = make_enquiry(**ANSWERED)
    for someone in (reception.id, gone.id, 999999, "x"):
        response = client.post(_url(enquiry_id), data=slot_form(someone))
        assert response.status_code == 200
        assert field_error(response, "specialist")
    assert row_count(app, Appointment) == 0


def test_the_date_can_be_typed_the_uk_way(app, client, login_as, make_user, make_enquiry):
    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    response = client.post(_url(enquiry_id), data={**slot_form(specialist.id), "date": f"{DAY:%d/%m/%Y}"})
    assert response.status_code == 302
    assert appointment_rows(app)[0]["starts_at"] == local(DAY, "10:00")


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() - 6) % 7)


def test_a_time_skipped_when_the_clocks_go_forward_is_refused_beside_the_time(app, client, login_as, make_user,
                                                                            make_enquiry):
    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    spring = _last_sunday(date.today().year + 1, 3)  # Europe/London: 01:00 becomes 02:00
    response = client.post(_url(enquiry_id), data=slot_form(specialist.id, day=spring, at="01:30"))
    assert response.status_code == 200
    assert "does not exist" in field_error(response, "time")
    assert row_count(app, Appointment) == 0


def test_a_time_that_happens_twice_when_the_clocks_go_back_means_the_first(app, client, login_as, make_user,
                                                                         make_enquiry):
    from datetime import UTC, datetime

    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    autumn = _last_sunday(date.today().year + 1, 10)  # Europe/London: 02:00 BST becomes 01:00 GMT
    assert client.post(_url(enquiry_id), data=slot_form(specialist.id, day=autumn, at="01:30",
                                                        outside_hours="Night clinic")).status_code == 302
    assert appointment_rows(app)[0]["starts_at"] == datetime(autumn.year, autumn.month, autumn.day, 0, 30, tzinfo=UTC)


def test_a_closed_enquiry_cannot_be_booked(app, client, login_as, make_user, make_enquiry):
    from tracker.enquiries.models import Enquiry
    from tracker.enquiries.services import mark_lost
    from tracker.settings.models import OptionKind
    from tracker.settings.services import options

    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    with app.app_context():
        mark_lost(db.session.get(Enquiry, enquiry_id), options(OptionKind.LOST_REASON)[0], by_id=None)
        db.session.commit()
    response = client.post(_url(enquiry_id), data=slot_form(specialist.id))
    assert response.status_code == 200
    assert form_error_text(response) == "A lost enquiry cannot be booked; reopen it first."
    assert row_count(app, Appointment) == 0


def test_a_review_consultation_later_in_the_journey_keeps_the_enquiry_where_it_is(app, client, login_as, make_user,
                                                                                 make_enquiry):
    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    move(app, enquiry_id, Stage.CONSULTATION_BOOKED, Stage.CONSULTED, Stage.PLAN_PROPOSED)
    assert client.post(_url(enquiry_id), data=slot_form(specialist.id)).status_code == 302
    assert row_count(app, Appointment) == 1
    assert enquiry_row(app, enquiry_id)["stage"] is Stage.PLAN_PROPOSED


def test_a_second_consultation_after_the_first_moves_the_enquiry_back_to_booked(app, client, login_as, make_user,
                                                                              make_enquiry):
    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    move(app, enquiry_id, Stage.CONSULTATION_BOOKED, Stage.CONSULTED)
    assert client.post(_url(enquiry_id), data=slot_form(specialist.id)).status_code == 302
    assert enquiry_row(app, enquiry_id)["stage"] is Stage.CONSULTATION_BOOKED


def test_an_archived_or_missing_enquiry_is_404(app, client, login_as, make_user, make_enquiry, make_appointment):
    from tracker.enquiries.models import Enquiry
    from tracker.enquiries.services import archive

    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    appointment_id = make_appointment(enquiry_id, specialist.id, local(DAY, "10:00"))
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        archive(enquiry, version=enquiry.version)
        db.session.commit()
    before = appointment_rows(app)
    assert client.get(_url(enquiry_id)).status_code == 404
    assert client.post(_url(enquiry_id), data=slot_form(specialist.id, day=DAY + timedelta(days=1))).status_code == 404
    assert client.get(f"/bookings/{appointment_id}/rebook").status_code == 404
    assert client.post(f"/bookings/{appointment_id}/cancel", data={"reason": "x", "version": "1"}).status_code == 404
    assert client.post(f"/bookings/{appointment_id}/attended", data={"version": "1"}).status_code == 404
    assert client.get(_url(enquiry_id + 1000)).status_code == 404
    assert client.get("/bookings/999999/rebook").status_code == 404
    assert appointment_rows(app) == before


def test_a_manager_may_look_but_not_book(app, client, login_as, make_user, make_enquiry):
    login_as("manager")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    assert client.get(_url(enquiry_id)).status_code == 403
    assert client.post(_url(enquiry_id), data=slot_form(specialist.id)).status_code == 403
    assert client.get("/consultations").status_code == 200
    assert row_count(app, Appointment) == 0
