"""The enquiry page: a header with the patient's name, phone, stage, owner and next follow-up; a panel of the
enquiry's treatment sessions (no statement per row); and a timeline of people's actions, with the rules' automatic
lines one click away (?timeline=all, no JavaScript needed)."""

import re
from datetime import timedelta

from sqlalchemy import select

from tests.builders import Item, add_session, course, local, today
from tests.conftest import count_queries, sign_in
from tests.enquiries.page_states import enquiry_in
from tracker.bookings.models import Appointment, AppointmentStatus
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import ContactOutcome, Enquiry
from tracker.extensions import db


def _page(client, enquiry_id: int, **args) -> str:
    response = client.get(f"/enquiries/{enquiry_id}", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _part(html: str, testid: str, end: str) -> str:
    return html.split(f'data-testid="{testid}"', 1)[1].split(end, 1)[0]


def test_the_header_names_the_patient_with_phone_stage_owner_and_next_follow_up(app, client, login_as, make_patient,
                                                                                make_enquiry):
    rita = login_as("reception", full_name="Rita Desk")
    patient = make_patient("Ann", "Example", phone="+447700900123")
    enquiry_id = make_enquiry(patient_id=patient, assigned_to_id=rita.id, hours_ago=2)
    html = _page(client, enquiry_id)
    header = _part(html, "enquiry-header", "</header>")
    assert "Ann Example" in header and '<h1' in header
    assert '<a class="enquiry-header-phone" href="tel:+447700900123"' in header and "07700 900123" in header
    assert "stage-new" in header and ">New<" in header
    assert re.search(r"<dt>Owner</dt><dd>Rita Desk</dd>", header)
    assert re.search(r"<dt>Next follow-up</dt><dd[^>]*>Call back, \d\d/\d\d/\d{4}", header)  # the first-contact rule's
    assert 'href="/static/css/enquiry.css"' in html


def test_the_timeline_shows_peoples_actions_and_the_automatic_lines_one_click_away(app, client, login_as,
                                                                                  make_enquiry):
    rita = login_as("reception", full_name="Rita Desk")
    enquiry_id = make_enquiry(hours_ago=30)  # logged by nobody (a web form): its first line is shown all the same
    with app.app_context():
        enquiries.record_contact(db.session.get(Enquiry, enquiry_id), ContactOutcome.REACHED, by_id=rita.id,
                                 note="Spoke to her about prices")
        db.session.commit()
    people = _part(_page(client, enquiry_id), "timeline-section", "</section>")
    assert "Enquiry logged" in people and "Contacted: reached" in people and "Spoke to her about prices" in people
    assert "scheduled by rule" not in people and "cancelled" not in people  # the rules' lines wait behind the link
    toggle = re.search(r'<a href="([^"]+)" data-testid="timeline-toggle">Show automatic entries \((\d+)\)</a>', people)
    assert toggle and toggle[1] == f"/enquiries/{enquiry_id}?timeline=all#timeline" and int(toggle[2]) >= 2
    shown = len(re.findall(r'<li class="list-group-item timeline-', people))
    everything = _part(_page(client, enquiry_id, timeline="all"), "timeline-section", "</section>")
    assert "Call back scheduled by rule: New enquiry: first contact" in everything
    assert "timeline-automatic" in everything and "· automatically" in everything
    assert len(re.findall(r'<li class="list-group-item timeline-', everything)) == shown + int(toggle[2])
    assert f'<a href="/enquiries/{enquiry_id}#timeline" data-testid="timeline-toggle">People\'s actions only</a>' \
        in everything
    other = _part(_page(client, enquiry_id, timeline="nonsense"), "timeline-section", "</section>")
    assert "scheduled by rule" not in other and "Show automatic entries" in other  # any other value: the default


def test_the_sessions_panel_lists_each_session_with_its_treatment_and_no_clinical_notes(app, client, make_user,
                                                                                       make_enquiry):
    specialist = make_user("specialist", full_name="Dr Ada Quinn")
    enquiry_id = enquiry_in(app, make_enquiry, "with plans and sessions", specialist.id)
    with app.app_context():
        first = db.session.scalars(select(Appointment).where(Appointment.enquiry_id == enquiry_id)
                                   .order_by(Appointment.starts_at)).first()
        first.session_notes = "Depth 1.5 mm, two passes"
        db.session.commit()
    for role in ("reception", "specialist"):
        sign_in(client, specialist if role == "specialist" else make_user(role))
        panel = _part(_page(client, enquiry_id), "enquiry-sessions", "</section>")
        day = today(app) + timedelta(days=20)
        rows = re.findall(r'data-testid="enquiry-session-\d+">(.*?)</li>', panel, re.S)
        assert len(rows) == 3
        assert f"{day:%d/%m/%Y} 09:30" in rows[0] and "Subcision, session 1 of 2" in rows[0]
        assert "Dr Ada Quinn" in rows[0] and ">Booked<" in rows[0]
        assert "Subcision, session 2 of 2" in rows[1] and ">Cancelled<" in rows[1]
        assert "Microneedling, session 1 of 1" in rows[2]
        assert "Depth 1.5 mm" not in panel  # settings and notes stay on the plan's page
        assert "2 booked" in panel


def test_the_sessions_panel_costs_no_statement_per_session(app, client, login_as, make_user, make_enquiry):
    specialist = make_user("specialist", full_name="Dr Ada Quinn")
    login_as("reception")
    c = course(app, specialist.id, [Item("subcision", 6, 4)])
    day = today(app) + timedelta(days=20)
    add_session(app, c, 0, 1, local(day))
    _page(client, c.enquiry_id)
    with count_queries(app) as one:
        _page(client, c.enquiry_id)
    for n in range(2, 7):
        add_session(app, c, 0, n, local(day + timedelta(weeks=4 * n)), status=AppointmentStatus.BOOKED)
    with count_queries(app) as six:
        assert len(re.findall(r'data-testid="enquiry-session-', _page(client, c.enquiry_id))) == 6
    assert len(six) == len(one)


def test_an_enquiry_without_sessions_says_so(app, client, login_as, make_enquiry):
    login_as("reception")
    panel = _part(_page(client, make_enquiry()), "enquiry-sessions", "</section>")
    assert "No treatment session booked yet" in panel
