"""Each specialist's upcoming consultations, the enquiry page's consultations card and the navigation."""

import re
from datetime import timedelta

from markupsafe import escape

from tests.bookings.conftest import ANSWERED, DAY, nth_slot, render_enquiry_bookings
from tests.builders import local
from tests.conftest import count_queries, sign_in
from tracker.bookings.models import AppointmentStatus
from tracker.db import utcnow


def _patients(response) -> list[str]:
    """The patient names of the listed rows, in order."""
    return re.findall(r'data-testid="upcoming-row">.*?<a href="/enquiries/\d+">([^<]+)</a>',
                      response.get_data(as_text=True), re.S)


def test_a_specialist_sees_their_own_upcoming_consultations_soonest_first(app, client, make_user, make_enquiry,
                                                                          make_appointment, make_room):
    ada, bo = make_user("specialist", full_name="Ada Quinn"), make_user("specialist", full_name="Bo Reyes")
    reception = make_user("reception", full_name="Rita Desk")
    room = make_room("Room 7")
    make_appointment(make_enquiry(first_name="Later", last_name="Patient", **ANSWERED),
                     ada.id, local(DAY + timedelta(days=1), "09:00"),
                     booked_by_id=reception.id, room_id=room)
    make_appointment(make_enquiry(first_name="Sooner", last_name="Patient", **ANSWERED),
                     ada.id, local(DAY, "14:00"), minutes=45,
                     booked_by_id=reception.id)
    make_appointment(make_enquiry(first_name="Bos", last_name="Patient", **ANSWERED),
                     bo.id, local(DAY, "11:00"))
    make_appointment(make_enquiry(first_name="Past", last_name="Patient", **ANSWERED),
                     ada.id, utcnow() - timedelta(hours=2))
    make_appointment(make_enquiry(first_name="Cancelled", last_name="Patient", **ANSWERED),
                     ada.id, local(DAY, "16:00"),
                     status=AppointmentStatus.CANCELLED)
    sign_in(client, ada)
    response = client.get("/consultations")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert _patients(response) == ["Sooner Patient", "Later Patient"]
    assert "<h1" in body and "with Ada Quinn" in body
    assert f"{DAY:%A} {DAY:%d/%m/%Y}" in body and f"{DAY + timedelta(days=1):%d/%m/%Y}" in body  # grouped by day
    assert "<td class=\"text-nowrap\">14:00</td>" in body and "<td>45</td>" in body
    assert "Room 7" in body and "Rita Desk" in body
    assert f'<option selected value="{ada.id}">Ada Quinn</option>' in body

    assert _patients(client.get("/consultations?specialist=all")) == ["Bos Patient", "Sooner Patient",
                                                                      "Later Patient"]
    assert _patients(client.get(f"/consultations?specialist={bo.id}")) == ["Bos Patient"]

    sign_in(client, reception)  # not a specialist: everyone's by default
    assert _patients(client.get("/consultations")) == ["Bos Patient", "Sooner Patient", "Later Patient"]


def test_an_unknown_specialist_filter_is_explained_not_a_500(app, client, login_as, make_user):
    login_as("reception")
    make_user("specialist")
    for value in ("99999", "", "abc", "\x00", "1 OR 1=1"):
        response = client.get("/consultations", query_string={"specialist": value})
        assert response.status_code == 200
        assert "invalid-feedback" in response.get_data(as_text=True)


def test_archived_enquiries_are_not_listed(app, client, login_as, make_user, make_enquiry, make_appointment):
    from tracker.enquiries.models import Enquiry
    from tracker.enquiries.services import archive
    from tracker.extensions import db

    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    make_appointment(enquiry_id, specialist.id, local(DAY, "10:00"))
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        archive(enquiry, version=enquiry.version)
        db.session.commit()
    response = client.get("/consultations")
    assert _patients(response) == [] and 'data-testid="no-upcoming"' in response.get_data(as_text=True)


def test_the_upcoming_page_runs_the_same_queries_for_3_or_30_consultations(app, client, make_user, make_enquiry,
                                                                          make_appointment, make_room):
    specialist = make_user("specialist")
    reception = make_user("reception")
    room = make_room("Room 3")

    def add(n: int, offset: int) -> None:
        for i in range(offset, offset + n):
            make_appointment(make_enquiry(**ANSWERED), specialist.id, nth_slot(i), booked_by_id=reception.id,
                             room_id=room)

    sign_in(client, specialist)
    client.get("/")  # the once-per-process first-run check is not part of the page's cost
    add(3, 0)
    with count_queries(app) as few:
        assert len(_patients(client.get("/consultations"))) == 3
    add(27, 3)
    with count_queries(app) as many:
        assert len(_patients(client.get("/consultations"))) == 30
    assert len(many) == len(few) <= 6  # begin, user, specialists, count, page (+ nothing per row)


def test_the_list_is_paged_fifty_at_a_time(app, client, make_user, make_enquiry, make_appointment):
    specialist = make_user("specialist")
    for i in range(51):
        make_appointment(make_enquiry(**ANSWERED), specialist.id, nth_slot(i))
    sign_in(client, specialist)
    assert len(_patients(client.get("/consultations"))) == 50
    second = client.get("/consultations?page=2")
    assert len(_patients(second)) == 1
    assert 'aria-label="Pages"' in second.get_data(as_text=True)


def test_consultations_are_in_the_navigation(app, client, login_as):
    login_as("reception")
    nav = client.get("/").get_data(as_text=True).split('data-testid="main-nav"')[1].split("</ul>")[0]
    labels = re.findall(r">([^<>]+)</a>", nav)
    assert labels[0] == "Home" and "Consultations" in labels
    assert 'href="/consultations"' in nav


# --- the enquiry page's card --------------------------------------------------------------

def test_the_consultations_card_offers_the_steps_for_a_booked_consultation(app, client, login_as, make_user,
                                                                           make_enquiry):
    reception = login_as("reception")
    specialist = make_user("specialist", full_name="Dr Ada Quinn")
    enquiry_id = make_enquiry(**ANSWERED)
    client.post(f"/enquiries/{enquiry_id}/consultations/new",
                data={"date": DAY.isoformat(), "time": "10:00", "minutes": "30", "specialist": specialist.id})
    with app.test_request_context():
        html = render_enquiry_bookings(enquiry_id, reception)
    assert "Consultations" in html and "Dr Ada Quinn" in html and f"{DAY:%d/%m/%Y} 10:00" in html
    assert f"/enquiries/{enquiry_id}/consultations/new" in html  # Book consultation
    for step in ("rebook", "cancel"):
        assert re.search(rf'href="/bookings/\d+/{step}"', html)
    for step in ("attended", "did-not-attend"):
        assert re.search(rf'action="/bookings/\d+/{step}"', html)
    assert html.count('name="csrf_token"') == 2 and html.count('name="version" value="') == 2
    assert f"Booked by {reception.full_name}" in html


def test_the_consultations_card_shows_history_and_no_buttons_to_those_who_only_look(app, client, login_as, make_user,
                                                                                   make_enquiry):
    login_as("reception")
    specialist = make_user("specialist")
    manager = make_user("manager")
    enquiry_id = make_enquiry(**ANSWERED)
    client.post(f"/enquiries/{enquiry_id}/consultations/new",
                data={"date": DAY.isoformat(), "time": "10:00", "minutes": "30", "specialist": specialist.id})
    with app.app_context():
        from tracker.bookings.models import Appointment
        from tracker.extensions import db

        version = db.session.get(Appointment, 1).version
    reason = "<script>alert('x')</script> & \"friends\""
    assert client.post("/bookings/1/cancel", data={"reason": reason, "version": version}).status_code == 302
    with app.test_request_context():
        html = render_enquiry_bookings(enquiry_id, manager)
    assert "Cancelled" in html and f"Reason: {escape(reason)}" in html and "<script>" not in html
    assert "/bookings/1/" not in html and "consultations/new" not in html


def test_upcoming_consultations_are_counted_and_paged_no_deeper_than_the_depth(app, client, make_user, make_enquiry,
                                                                              make_appointment, monkeypatch):
    from tracker.bookings import views

    monkeypatch.setattr(views, "UPCOMING_DEPTH", 2)
    specialist = make_user("specialist")
    for i in range(4):
        make_appointment(make_enquiry(**ANSWERED), specialist.id, nth_slot(i))
    sign_in(client, specialist)
    page = client.get("/consultations").get_data(as_text=True)
    assert 'data-testid="upcoming-count">2+<' in page and len(_patients(client.get("/consultations"))) == 2
    assert len(_patients(client.get("/consultations?page=9"))) == 2  # past the depth: the last page
