"""Who sees the assessment, every view audited without clinical content, and the page's bounded queries."""

import html
import re
from datetime import timedelta

import pytest
from flask import render_template
from sqlalchemy import select

from tests.conftest import count_queries, sign_in
from tests.consultations.conftest import assessment_form, finding
from tests.pages import take_flashes
from tracker.audit.models import AuditAction
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.consultations import services
from tracker.consultations.models import HintAcknowledgement, ScarType
from tracker.db import utcnow
from tracker.enquiries.models import Enquiry
from tracker.extensions import db

NOTES = "Clinically private: deep tracts, patient anxious"


@pytest.fixture
def assessment_id(client, login_as, recorded) -> int:
    """An assessment with notes and a wellbeing note, recorded by a signed-in specialist."""
    login_as("specialist")
    form = assessment_form({ScarType.ICE_PICK: finding(count="4"), ScarType.ROLLING: finding(count="3")},
                           notes=NOTES, wellbeing_note="Low mood", pregnancy="yes")
    return recorded(form)


def _views(audit_rows, assessment_id) -> list[dict]:
    return [row for row in audit_rows(action=AuditAction.VIEW) if row["entity_type"] == "assessments"
            and row["entity_id"] == assessment_id]


def test_reception_gets_403_on_the_assessment_page_the_form_and_the_hints(app, client, make_user, assessment_id,
                                                                         audit_rows):
    sign_in(client, make_user("reception"))
    with app.app_context():
        appointment_id = db.session.get(services.Assessment, assessment_id).appointment_id
    assert client.get(f"/assessments/{assessment_id}").status_code == 403
    assert client.get(f"/consultations/{appointment_id}/assessment").status_code == 403
    assert client.post(f"/consultations/{appointment_id}/assessment", data=assessment_form()).status_code == 403
    assert client.post(f"/assessments/{assessment_id}/hints/pregnancy", data={"note": "x"}).status_code == 403
    assert _views(audit_rows, assessment_id) == []


@pytest.mark.parametrize("role", ["specialist", "manager"])
def test_each_view_of_an_assessment_writes_a_view_event_without_clinical_content(app, client, make_user, role,
                                                                                assessment_id, audit_rows):
    viewer = make_user(role)
    sign_in(client, viewer)
    response = client.get(f"/assessments/{assessment_id}")
    assert response.status_code == 200 and NOTES in response.get_data(as_text=True)
    client.get(f"/assessments/{assessment_id}")
    views = _views(audit_rows, assessment_id)
    assert len(views) == 2
    for view in views:
        assert view["actor_id"] == viewer.id and view["request_id"]
        assert view["changes"] == {"viewed": "assessment"}
        assert "deep tracts" not in str(view) and "Low mood" not in str(view)


def test_opening_the_amend_form_shows_the_stored_assessment_and_is_audited_as_a_view(app, client, make_user,
                                                                                      assessment_id, audit_rows):
    specialist = make_user("specialist")
    sign_in(client, specialist)
    with app.app_context():
        appointment_id = db.session.get(services.Assessment, assessment_id).appointment_id
    response = client.get(f"/consultations/{appointment_id}/assessment")
    assert response.status_code == 200 and NOTES in response.get_data(as_text=True)
    views = _views(audit_rows, assessment_id)
    assert [(v["actor_id"], v["changes"]) for v in views] == [(specialist.id, {"viewed": "assessment"})]


def test_a_manager_reads_the_assessment_but_cannot_amend_it(app, client, make_user, assessment_id):
    sign_in(client, make_user("manager"))
    body = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    assert "Amend the assessment" not in body
    with app.app_context():
        appointment_id = db.session.get(services.Assessment, assessment_id).appointment_id
    assert client.get(f"/consultations/{appointment_id}/assessment").status_code == 403


def test_the_assessment_of_an_archived_or_missing_enquiry_is_404(app, client, assessment_id):
    with app.app_context():
        enquiry = db.session.get(Enquiry, db.session.get(services.Assessment, assessment_id).enquiry_id)
        enquiry.archived_at = utcnow()
        db.session.commit()
    assert client.get(f"/assessments/{assessment_id}").status_code == 404
    assert client.get(f"/assessments/{assessment_id + 1}").status_code == 404
    assert client.post(f"/assessments/{assessment_id}/hints/pregnancy", data={}).status_code == 404


def test_the_page_shows_findings_screen_score_and_hints_labelled_as_decision_support(client, assessment_id):
    body = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    assert "Decision support — the clinician decides" in body and 'data-rule="pregnancy"' in body
    assert 'data-rule="ice_pick_first_line"' in body
    # 8 shallow broad atrophic areas (assessment_form's default), a moderate subtype: 2 points x 1 = 2.
    assert 'data-testid="score-total"><strong>2</strong> of 84' in body
    assert "Pregnant or breastfeeding" in body and "Low mood" in body


def _cells(table: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>",
                                                                                          row, re.S)] for row in rows]


def test_the_score_breakdown_shows_class_subtype_count_band_points_multiplier_and_subtotal(client, login_as,
                                                                                            recorded):
    login_as("specialist")
    form = assessment_form(gb_deep_abnormal="25", gb_macular="12", gb_mild_atrophic="0", gb_keloid_area="5-20")
    body = client.get(f"/assessments/{recorded(form)}").get_data(as_text=True)
    table = body[body.index('data-testid="score"'):body.index("</table>", body.index('data-testid="score"'))]
    body_rows = _cells(table.split("</thead>")[1].split("<tfoot>")[0])
    # Each class heading spans its subtypes' rows: the first row of a class has one cell more.
    assert [row[0] for row in body_rows if len(row) == 7] == ["Mild", "Moderate", "Severe", "Hyperplastic"]
    by_subtype = {row[-6]: row[-5:] for row in body_rows}
    assert len(by_subtype) == 11
    # 12 macular: 1 point x 2 = 2; none mildly atrophic: 0; 8 shallow broad (the form's default): 2 x 1 = 2;
    # 25 ice pick: 3 x 3 = 9; keloid 5–20 cm²: 12. 2 + 0 + 2 + 9 + 12 = 25.
    assert by_subtype["Macular erythematous or pigmented scars"] == ["12", "11–20", "1", "2", "2"]
    assert by_subtype["Mildly atrophic dish-like scars"] == ["0", "None", "1", "0", "0"]
    assert by_subtype["Shallow but broad atrophic areas"] == ["8", "1–10", "2", "1", "2"]
    assert by_subtype["Punched-out scars with deep, abnormal bases (ice pick), small (< 5 mm)"] == [
        "25", "More than 20", "3", "3", "9"]
    assert by_subtype["Linear or troughed dermal scarring"] == ["—", "Not counted", "3", "0", "0"]
    assert by_subtype["Hypertrophic or keloid scars (by area)"] == ["—", "5–20 cm²", "12", "1", "12"]
    assert _cells(table.split("<tfoot>")[1]) == [["Total", "25 of 84"]]


def _hints_section(body: str) -> str:
    return body[body.index('id="hints-heading"'):body.index('id="findings-heading"')]


@pytest.mark.parametrize(("role", "offered"), [("specialist", True), ("manager", False)])
def test_the_hints_offer_the_acknowledge_form_only_to_whoever_may_edit_the_assessment(client, make_user, role,
                                                                                     offered, assessment_id):
    sign_in(client, make_user(role))
    section = _hints_section(client.get(f"/assessments/{assessment_id}").get_data(as_text=True))
    assert "Decision support — the clinician decides" in section
    assert 'data-rule="pregnancy"' in section and 'data-rule="ice_pick_first_line"' in section
    assert (f'action="/assessments/{assessment_id}/hints/pregnancy"' in section) is offered
    assert ("<form" in section) is offered and ("<textarea" in section) is offered
    assert ("acknowledge" in section.lower()) is offered


def test_a_manager_sees_who_acknowledged_a_hint_but_no_form_for_the_others(client, make_user, assessment_id):
    assert client.post(f"/assessments/{assessment_id}/hints/pregnancy", data={"note": "Deferred."}).status_code == 302
    sign_in(client, make_user("manager"))
    section = _hints_section(client.get(f"/assessments/{assessment_id}").get_data(as_text=True))
    pregnancy = section.split('data-rule="pregnancy"')[1].split("</li>")[0]
    ice_pick = section.split('data-rule="ice_pick_first_line"')[1].split("</li>")[0]
    assert "Acknowledged by " in pregnancy and ": Deferred." in pregnancy
    assert "acknowledge" not in ice_pick.lower() and "<form" not in section


def test_acknowledging_a_hint_stores_the_note_and_shows_it(app, client, assessment_id):
    url = f"/assessments/{assessment_id}/hints/pregnancy"
    take_flashes(client)
    response = client.post(url, data={"note": "Discussed: defer until after breastfeeding."})
    assert response.status_code == 302 and response.headers["Location"] == f"/assessments/{assessment_id}"
    assert take_flashes(client) == [("success", "Hint acknowledged.")]
    with app.app_context():
        [ack] = db.session.scalars(select(HintAcknowledgement)).all()
        assert (ack.rule, ack.assessment_id, ack.note) == ("pregnancy", assessment_id,
                                                           "Discussed: defer until after breastfeeding.")
    body = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    assert "Discussed: defer until after breastfeeding." in body


def test_acknowledging_an_unknown_or_plan_item_hint_is_404_and_a_long_note_is_refused(app, client, assessment_id):
    take_flashes(client)
    assert client.post(f"/assessments/{assessment_id}/hints/no_such_rule", data={}).status_code == 404
    assert client.post(f"/assessments/{assessment_id}/hints/item_pregnancy", data={}).status_code == 404
    response = client.post(f"/assessments/{assessment_id}/hints/pregnancy", data={"note": "x" * 1001})
    assert response.status_code == 302
    assert take_flashes(client) == [("warning", "Keep the note to 1000 characters or fewer.")]
    with app.app_context():
        assert db.session.scalars(select(HintAcknowledgement)).all() == []


def _amend(client, app, assessment_id: int, times: int) -> None:
    with app.app_context():
        assessment = db.session.get(services.Assessment, assessment_id)
        appointment_id, version = assessment.appointment_id, assessment.version
    for n in range(times):
        form = assessment_form({ScarType.ROLLING: finding(count=str(n % 9 + 1))}, notes=f"Amendment {n}")
        assert client.post(f"/consultations/{appointment_id}/assessment",
                           data={**form, "version": str(version + n)}).status_code == 302


def test_the_assessment_page_runs_as_many_queries_with_1_amendment_as_with_20(app, client, recorded, login_as):
    login_as("specialist")
    few, many = recorded(), recorded()
    _amend(client, app, few, 1)
    _amend(client, app, many, 20)
    for assessment_id in (few, many):
        client.post(f"/assessments/{assessment_id}/hints/ice_pick_first_line", data={"note": "seen"})
    client.get(f"/assessments/{few}")  # warm: the first request loads the user and settings caches
    with count_queries(app) as small:
        assert client.get(f"/assessments/{few}").status_code == 200
    with count_queries(app) as large:
        body = client.get(f"/assessments/{many}").get_data(as_text=True)
    assert body.count("<strong>Amended</strong>") == 20
    assert len(small) == len(large), (small, large)


# --- the enquiry page's consultations card, and the timeline -------------------------------

def _card(app, enquiry_id: int, user, assessments=None) -> str:
    from tracker.bookings.services import for_enquiry
    from tracker.enquiries.services import get_enquiry

    with app.test_request_context():
        context = {"assessments": assessments(enquiry_id)} if assessments else {}
        return render_template("bookings/_enquiry_bookings.html", enquiry=get_enquiry(enquiry_id),
                               appointments=for_enquiry(enquiry_id), current_user=user, **context)


def test_the_card_offers_record_or_view_by_permission_and_lists_only_consultations(app, make_user, consultation,
                                                                                  client):
    specialist, reception, manager = make_user("specialist"), make_user("reception"), make_user("manager")
    started, enquiry_id = consultation(practitioner=specialist)
    with app.app_context():
        starts = utcnow() + timedelta(days=3)
        for kind in (AppointmentKind.CONSULTATION, AppointmentKind.TREATMENT_SESSION):
            db.session.add(Appointment(enquiry_id=enquiry_id, kind=kind, practitioner_id=specialist.id,
                                       starts_at=starts, ends_at=starts + timedelta(minutes=30)))
            starts += timedelta(hours=2)
        db.session.commit()
        future, session = db.session.scalars(select(Appointment.id).where(Appointment.id != started)
                                             .order_by(Appointment.id)).all()
    card = _card(app, enquiry_id, specialist)  # no `assessments` given: none known
    assert f'data-testid="appointment-{future}"' in card and f'data-testid="appointment-{session}"' not in card
    assert card.count('data-testid="record-assessment"') == 1
    assert f'href="/consultations/{started}/assessment"' in card
    assert 'data-testid="record-assessment"' not in _card(app, enquiry_id, reception)
    sign_in(client, specialist)
    assert client.post(f"/consultations/{started}/assessment", data=assessment_form()).status_code == 302
    for user, shown in ((specialist, True), (manager, True), (reception, False)):
        card = _card(app, enquiry_id, user, services.for_enquiry)
        assert ('data-testid="view-assessment"' in card) is shown
        assert 'data-testid="record-assessment"' not in card


def test_timeline_entries_show_clinical_detail_only_when_allowed(app, client, assessment_id):
    _amend(client, app, assessment_id, 1)
    with app.app_context():
        enquiry_id = db.session.get(services.Assessment, assessment_id).enquiry_id
        with app.test_request_context():
            plain = services.timeline_entries(enquiry_id, clinical=False)
            clinical = services.timeline_entries(enquiry_id, clinical=True)
    assert [e.title for e in plain] == ["Assessment recorded", "Assessment amended"]
    assert all(e.detail is None and e.by for e in plain)
    recorded_entry, amended = clinical
    # The amendment left rolling scars only; 8 shallow broad atrophic areas, a moderate subtype: 2 points x 1 = 2.
    assert recorded_entry.detail == "Skin type III · rolling · Goodman & Baron grade 3, score 2 of 84"
    assert amended.detail.startswith("Changed: ") and "Ice pick: present" in amended.detail
    assert "clinical notes" in amended.detail and "Low mood" not in amended.detail


def test_for_enquiry_maps_consultations_to_their_assessments_in_one_query(app, assessment_id):
    with app.app_context():
        assessment = db.session.get(services.Assessment, assessment_id)
        with count_queries(app) as queries:
            found = services.for_enquiry(assessment.enquiry_id)
        assert list(found) == [assessment.appointment_id] and found[assessment.appointment_id].id == assessment_id
        assert len(queries) == 1
        status = db.session.get(Appointment, assessment.appointment_id).status
    assert status is AppointmentStatus.ATTENDED
