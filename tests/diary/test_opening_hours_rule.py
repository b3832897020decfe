"""Opening hours apply to bookings: outside them only with the override ticked and a reason, which is kept."""

from datetime import timedelta

from tests.bookings.conftest import ANSWERED, DAY, slot_form
from tests.builders import appointment_rows, local, row_count
from tests.pages import field_error
from tracker.bookings.models import Appointment
from tracker.extensions import db

SUNDAY = DAY + timedelta(days=6 - DAY.weekday())
CLOSED = "The clinic is closed then (Sunday closed). Choose a time within opening hours, or tick"


def _url(enquiry_id: int) -> str:
    return f"/enquiries/{enquiry_id}/consultations/new"


def test_a_sunday_evening_is_refused_beside_the_time_and_nothing_is_saved(app, client, login_as, make_user,
                                                                           make_enquiry):
    login_as("reception")
    sam, enquiry_id = make_user("specialist"), make_enquiry(**ANSWERED)
    response = client.post(_url(enquiry_id), data=slot_form(sam.id, day=SUNDAY, at="22:00"))
    assert response.status_code == 200
    assert field_error(response, "time").startswith(CLOSED)
    assert row_count(app, Appointment) == 0


def test_the_override_needs_a_reason_beside_its_box(app, client, login_as, make_user, make_enquiry):
    login_as("reception")
    sam, enquiry_id = make_user("specialist"), make_enquiry(**ANSWERED)
    response = client.post(_url(enquiry_id), data=slot_form(sam.id, day=SUNDAY, at="22:00", outside_hours="  "))
    assert field_error(response, "outside_hours_reason") == "Say why it is booked outside opening hours."
    assert row_count(app, Appointment) == 0


def test_with_the_override_and_a_reason_it_is_booked_and_the_reason_kept(app, client, login_as, make_user,
                                                                          make_enquiry, audit_rows):
    login_as("reception")
    sam, enquiry_id = make_user("specialist"), make_enquiry(**ANSWERED)
    response = client.post(_url(enquiry_id), data=slot_form(sam.id, day=SUNDAY, at="22:00",
                                                            outside_hours="Late clinic  for a shift worker"))
    assert response.status_code == 302
    [row] = appointment_rows(app)
    assert (row["starts_at"], row["outside_hours_reason"]) == (local(SUNDAY, "22:00"), "Late clinic for a shift worker")
    created = [r for r in audit_rows(entity_type="appointments") if r["action"].value == "create"]
    assert created[0]["changes"]["outside_hours_reason"][1] == "Late clinic for a shift worker"


def test_within_opening_hours_no_reason_is_kept_even_if_typed(app, client, login_as, make_user, make_enquiry):
    login_as("reception")
    sam, enquiry_id = make_user("specialist"), make_enquiry(**ANSWERED)
    assert client.post(_url(enquiry_id), data=slot_form(sam.id, at="17:30", outside_hours="Just in case")
                       ).status_code == 302
    assert appointment_rows(app)[0]["outside_hours_reason"] is None


def test_a_booking_running_past_closing_time_is_outside_hours(app, client, login_as, make_user, make_enquiry):
    login_as("reception")
    sam, enquiry_id = make_user("specialist"), make_enquiry(**ANSWERED)
    response = client.post(_url(enquiry_id), data=slot_form(sam.id, at="17:45", minutes=30))
    assert field_error(response, "time").startswith("The clinic is closed then")
    assert row_count(app, Appointment) == 0


def test_moving_a_booking_outside_hours_is_refused_too(app, client, login_as, make_user, make_enquiry,
                                                         make_appointment):
    login_as("reception")
    sam = make_user("specialist")
    appointment_id = make_appointment(make_enquiry(**ANSWERED), sam.id, local(DAY, "10:00"))
    response = client.post(f"/bookings/{appointment_id}/rebook",
                           data=slot_form(sam.id, day=SUNDAY, at="10:00") | {"version": "1"})
    assert field_error(response, "time").startswith(CLOSED)
    assert [r["status"].value for r in appointment_rows(app)] == ["booked"]


def test_a_treatment_session_is_held_to_opening_hours(app, make_user, make_enquiry):
    from tracker.auth.models import User
    from tracker.bookings import services
    from tracker.enquiries.models import Enquiry

    sam = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    with app.app_context():
        slot = services.Slot(local(SUNDAY, "10:00"), 60, db.session.get(User, sam.id))
        try:
            services.book_session(db.session.get(Enquiry, enquiry_id), slot, plan_item_id=1, session_number=1,
                                  by_id=None)
        except services.BookingError as error:
            assert str(error).startswith(CLOSED)
            assert error.field == "outside_hours"
        else:
            raise AssertionError("a session on a Sunday was booked without the override")
