"""The plan pages: the journey through them, who sees what, the audit of clinical views, conflicts, query counts."""

import re
from datetime import timedelta

import pytest
from flask import render_template
from sqlalchemy import select

from tests import builders
from tests.builders import (
    consulted_enquiry,
    draft,
    item_rows,
    lost_reason,
    plan_row,
    plan_rows,
    propose,
    proposed,
    stage_of,
    today,
)
from tests.conftest import count_queries, sign_in
from tests.pages import field_error, form_error_text
from tracker.audit.models import AuditAction
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.catalogue.models import TreatmentCategory
from tracker.consultations.models import Assessment, SkinType
from tracker.db import utcnow
from tracker.enquiries.models import Enquiry
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.plans import decisions, services
from tracker.plans.models import PlanStatus

TIMES = "\u00d7"  # the multiplication sign the plan page writes: "1: TCA CROSS ×4 every 2 weeks"  # noqa: RUF003
NOTE = "Patient anxious about downtime"
ITEM_NOTE = "Avoid the left temple"


def _assess(app, enquiry_id: int, specialist_id: int, skin_type: SkinType = SkinType.V) -> None:
    """An attended consultation with an assessment (skin type V: ablative treatments get a hint)."""
    with app.app_context():
        seen = utcnow() - timedelta(days=2)
        appointment = Appointment(enquiry_id=enquiry_id, kind=AppointmentKind.CONSULTATION, starts_at=seen,
                                  practitioner_id=specialist_id, ends_at=seen + timedelta(minutes=30),
                                  status=AppointmentStatus.ATTENDED)
        db.session.add(appointment)
        db.session.flush()
        db.session.add(Assessment(appointment_id=appointment.id, enquiry_id=enquiry_id, assessed_by_id=specialist_id,
                                  skin_type=skin_type, gb_grade=3))
        db.session.commit()


@pytest.fixture
def clinical_plan(app, make_user, make_enquiry):
    """A specialist and a draft with notes and one ablative item (with notes) for an assessed, consulted enquiry."""
    specialist = make_user("specialist", full_name="Dr Fern Ash")
    enquiry_id = consulted_enquiry(app)
    _assess(app, enquiry_id, specialist.id)
    laser = builders.treatment(app, "CO2 laser test", category=TreatmentCategory.RESURFACING, ablative=True,
                           sessions=2, interval_weeks=8, price_pence=60000)
    plan_id = draft(app, enquiry_id, specialist.id, laser, notes=NOTE)
    with app.app_context():
        item = services.get_plan(plan_id).items[0]
        item.notes = ITEM_NOTE
        db.session.commit()
    return specialist, enquiry_id, plan_id


def _item_form(treatment_id, **fields) -> dict:
    return {"treatment": str(treatment_id), "phase": "1", "sessions": "", "interval_weeks": "", "price": "",
            "other_areas": "", "notes": "", **fields}


def test_a_specialist_drafts_adds_proposes_and_records_acceptance_through_the_pages(app, client, login_as,
                                                                                     make_enquiry):
    specialist = login_as("specialist")
    enquiry_id = consulted_enquiry(app)
    tca = builders.treatment(app, "TCA test", sessions=4, interval_weeks=2, price_pence=20000)
    laser = builders.treatment(app, "Laser test", sessions=2, interval_weeks=6, price_pence=50000, reflection_days=14)
    page = client.get(f"/enquiries/{enquiry_id}/plans/new")
    assert page.status_code == 200 and f'<option selected value="{specialist.id}">' in page.get_data(as_text=True)
    created = client.post(f"/enquiries/{enquiry_id}/plans/new", data={"practitioner": str(specialist.id),
                                                                      "notes": "Two phases"})
    [plan] = plan_rows(app, enquiry_id)
    assert created.status_code == 302 and created.headers["Location"].endswith(f"/plans/{plan['id']}")
    assert client.post(f"/plans/{plan['id']}/items", data=_item_form(tca, areas=["cheek_left", "nose"])).status_code \
        == 302
    assert client.post(f"/plans/{plan['id']}/items", data=_item_form(laser, phase="2", price="480.50",
                                                                     other_areas="back")).status_code == 302
    body = client.get(f"/plans/{plan['id']}").get_data(as_text=True)
    assert f"1: TCA test {TIMES}4 every 2 weeks" in body and f"2: Laser test {TIMES}2 every 6 weeks" in body
    assert "Left cheek, Nose" in body and "£1,761.00" in body  # 4 at £200 and 2 at £480.50
    version = plan_row(app, plan["id"])["version"]
    assert client.post(f"/plans/{plan['id']}/propose", data={"info_given_on": today(app).isoformat(),
                                                              "version": str(version)}).status_code == 302
    assert stage_of(app, enquiry_id) is Stage.PLAN_PROPOSED
    body = client.get(f"/plans/{plan['id']}").get_data(as_text=True)
    earliest = (today(app) + timedelta(days=14)).strftime("%d/%m/%Y")
    assert f"Earliest first session: {earliest}" in body and "14 days&#39; reflection for Laser test" in body
    accepted = client.post(f"/plans/{plan['id']}/accept", data={
        "decided_on": today(app).isoformat(), "consent_by": str(specialist.id), "consent_on": today(app).isoformat(),
        "version": str(plan_row(app, plan["id"])["version"])})
    assert accepted.status_code == 302
    assert plan_row(app, plan["id"])["status"] is PlanStatus.ACCEPTED


def test_declining_on_the_page_marks_the_enquiry_lost_by_default(app, client, login_as, make_enquiry):
    specialist = login_as("specialist")
    enquiry_id = consulted_enquiry(app)
    plan_id = proposed(app, enquiry_id, specialist.id, builders.treatment(app))
    page = client.get(f"/plans/{plan_id}/decline").get_data(as_text=True)
    assert "checked" in re.search(r'<input[^>]*id="mark_lost"[^>]*>', page).group(0)
    response = client.post(f"/plans/{plan_id}/decline", data={
        "decided_on": today(app).isoformat(), "reason": str(lost_reason(app, "Price")), "note": "",
        "mark_lost": "y", "version": str(plan_row(app, plan_id)["version"])})
    assert response.status_code == 302
    assert stage_of(app, enquiry_id) is Stage.LOST


def test_reception_sees_the_summary_but_not_notes_or_hints(app, client, make_user, clinical_plan, audit_rows):
    _specialist, _enquiry_id, plan_id = clinical_plan
    sign_in(client, make_user("reception"))
    body = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert f"1: CO2 laser test {TIMES}2 every 8 weeks" in body and "£1,200.00" in body and "Draft" in body
    assert NOTE not in body and ITEM_NOTE not in body
    assert "Decision support" not in body and "hyperpigmentation" not in body
    assert not audit_rows(action=AuditAction.VIEW)


def test_a_specialist_sees_notes_and_hints_beside_the_item_and_can_acknowledge_one(app, client, clinical_plan,
                                                                                    audit_rows):
    specialist, _enquiry_id, plan_id = clinical_plan
    sign_in(client, specialist)
    body = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert NOTE in body and ITEM_NOTE in body
    assert "Decision support — the clinician decides" in body and "hyperpigmentation" in body
    [item] = item_rows(app, plan_id)
    response = client.post(f"/plan-items/{item['id']}/hints/item_darker_skin_ablative", data={"note": "Test spot done"})
    assert response.status_code == 302
    body = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert f"Acknowledged by {specialist.full_name}" in body and "Test spot done" in body
    unknown = client.post(f"/plan-items/{item['id']}/hints/no_such_rule", data={"note": ""}, follow_redirects=True)
    assert unknown.status_code == 200 and "not a decision-support hint" in unknown.get_data(as_text=True)


@pytest.mark.parametrize("role", ["specialist", "manager"])
def test_a_clinical_view_of_the_plan_is_audited_without_clinical_content(app, client, make_user, clinical_plan,
                                                                         audit_rows, role):
    _specialist, _enquiry_id, plan_id = clinical_plan
    viewer = make_user(role)
    sign_in(client, viewer)
    body = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert NOTE in body
    [event] = audit_rows(action=AuditAction.VIEW)
    assert (event["actor_id"], event["entity_type"], event["entity_id"]) == (viewer.id, "treatment_plans", plan_id)
    assert NOTE not in str(event["changes"]) and ITEM_NOTE not in str(event["changes"])
    assert "laser" not in str(event["changes"]).lower()


def test_a_manager_sees_hints_without_an_acknowledge_form(app, client, make_user, clinical_plan):
    _specialist, _enquiry_id, plan_id = clinical_plan
    sign_in(client, make_user("manager"))
    body = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "hyperpigmentation" in body and "/hints/" not in body


def _edit_routes(app, make_user, make_enquiry) -> tuple[int, list[tuple[str, str]]]:
    specialist = make_user("specialist")
    enquiry_id = consulted_enquiry(app)
    plan_id = proposed(app, enquiry_id, specialist.id, builders.treatment(app))
    draft_id = draft(app, enquiry_id, specialist.id, builders.treatment(app))
    item_id = item_rows(app, draft_id)[0]["id"]
    return enquiry_id, [("GET", f"/enquiries/{enquiry_id}/plans/new"), ("POST", f"/enquiries/{enquiry_id}/plans/new"),
            ("POST", f"/plans/{draft_id}/items"), ("GET", f"/plan-items/{item_id}/edit"),
            ("POST", f"/plan-items/{item_id}/edit"), ("POST", f"/plan-items/{item_id}/remove"),
            ("POST", f"/plans/{draft_id}/propose"), ("POST", f"/plans/{plan_id}/revise"),
            ("GET", f"/plans/{plan_id}/accept"), ("POST", f"/plans/{plan_id}/accept"),
            ("GET", f"/plans/{plan_id}/decline"), ("POST", f"/plans/{plan_id}/decline"),
            ("POST", f"/plans/{plan_id}/expire"), ("POST", f"/plan-items/{item_id}/hints/item_active_acne")]


def test_reception_is_refused_every_plan_edit_route(app, client, make_user, make_enquiry):
    enquiry_id, routes = _edit_routes(app, make_user, make_enquiry)
    sign_in(client, make_user("reception"))
    before = plan_rows(app, enquiry_id), item_rows(app), stage_of(app, enquiry_id)
    for method, url in routes:
        assert client.open(url, method=method, data={"csrf_token": client.csrf_token()}).status_code == 403, url
    assert (plan_rows(app, enquiry_id), item_rows(app), stage_of(app, enquiry_id)) == before


def test_the_plan_page_of_an_archived_enquiry_is_not_found(app, client, make_user, make_enquiry):
    specialist = make_user("specialist")
    enquiry_id = consulted_enquiry(app)
    plan_id = draft(app, enquiry_id, specialist.id, builders.treatment(app))
    with app.app_context():
        db.session.get(Enquiry, enquiry_id).archived_at = utcnow()
        db.session.commit()
    sign_in(client, specialist)
    assert client.get(f"/plans/{plan_id}").status_code == 404
    assert client.get(f"/plan-items/{item_rows(app, plan_id)[0]['id']}/edit").status_code == 404


def test_a_stale_form_is_refused_with_409_naming_who_changed_it(app, client, make_user, make_enquiry):
    specialist = make_user("specialist", full_name="Dr Rowan Vale")
    enquiry_id = consulted_enquiry(app)
    plan_id = draft(app, enquiry_id, specialist.id, builders.treatment(app))
    stale = plan_row(app, plan_id)["version"]
    sign_in(client, specialist)
    [item] = item_rows(app, plan_id)
    assert client.post(f"/plan-items/{item['id']}/edit", data={"phase": "2", "sessions": "3", "interval_weeks": "",
                                                               "price": "", "version": str(item["version"])}
                       ).status_code == 302
    response = client.post(f"/plans/{plan_id}/propose", data={"info_given_on": today(app).isoformat(),
                                                               "version": str(stale)})
    assert response.status_code == 409 and "changed by Dr Rowan Vale" in form_error_text(response)
    assert plan_row(app, plan_id)["status"] is PlanStatus.DRAFT
    again = client.post(f"/plan-items/{item['id']}/edit", data={"phase": "3", "version": str(item["version"])})
    assert again.status_code == 409 and "changed by Dr Rowan Vale" in form_error_text(again)
    assert item_rows(app, plan_id)[0]["phase"] == 2


def test_a_refused_rule_shows_beside_its_field_with_the_input_kept(app, client, make_user, make_enquiry):
    specialist = make_user("specialist", full_name="Dr Ivy Holt")
    colleague = make_user("specialist", full_name="Dr Other")
    enquiry_id = consulted_enquiry(app)
    plan_id = proposed(app, enquiry_id, specialist.id, builders.treatment(app))
    sign_in(client, colleague)
    response = client.post(f"/plans/{plan_id}/accept", data={
        "decided_on": today(app).isoformat(), "consent_by": str(colleague.id), "consent_on": today(app).isoformat(),
        "version": str(plan_row(app, plan_id)["version"])})
    assert response.status_code == 200
    assert field_error(response, "consent_by") == ("Consent must be taken by Dr Ivy Holt, who will perform the "
                                                   "treatment.")
    assert f'<option selected value="{colleague.id}">' in response.get_data(as_text=True)
    assert plan_row(app, plan_id)["status"] is PlanStatus.PROPOSED


def test_an_inactive_treatment_posted_to_the_item_form_is_refused_beside_the_field(app, client, make_user,
                                                                                   make_enquiry):
    specialist = make_user("specialist")
    plan_id = draft(app, consulted_enquiry(app), specialist.id)
    retired = builders.treatment(app, "Retired peel", active=False)
    sign_in(client, specialist)
    response = client.post(f"/plans/{plan_id}/items", data=_item_form(retired, sessions="3"))
    assert response.status_code == 200 and field_error(response, "treatment") == "Retired peel is no longer offered."
    assert item_rows(app, plan_id) == []


def _page_queries(app, client, plan_id: int) -> int:
    client.get(f"/plans/{plan_id}")  # warm: the session's user and the first-request setup
    with count_queries(app) as statements:
        assert client.get(f"/plans/{plan_id}").status_code == 200
    return len(statements)


def _accept_with_sessions(app, plan_id: int) -> None:
    """Accept the plan and book one session of each item (written straight to the table)."""
    with app.app_context():
        plan = services.get_plan(plan_id)
        decisions.accept(plan, decided_on=today(app), consent_by=plan.practitioner, consent_on=today(app),
                        version=plan.version, by_id=None)
        for n, item in enumerate(plan.items):
            starts = utcnow() + timedelta(days=20 + n)
            db.session.add(Appointment(enquiry_id=plan.enquiry_id, kind=AppointmentKind.TREATMENT_SESSION,
                                       practitioner_id=plan.practitioner_id, starts_at=starts,
                                       ends_at=starts + timedelta(minutes=45), plan_item_id=item.id,
                                       session_number=1))
        db.session.commit()


@pytest.mark.parametrize("status", ["draft", "accepted"])
@pytest.mark.parametrize("role", ["specialist", "reception"])
def test_the_plan_page_issues_the_same_queries_with_2_items_and_with_12(app, client, make_user, make_enquiry, role,
                                                                        status):
    specialist = make_user("specialist")
    enquiry_id = consulted_enquiry(app)
    _assess(app, enquiry_id, specialist.id)
    treatments = [builders.treatment(app, ablative=bool(n % 2)) for n in range(12)]
    small = draft(app, enquiry_id, specialist.id, *treatments[:2])
    large = draft(app, enquiry_id, specialist.id, *treatments)
    if status == "accepted":
        for plan_id in (small, large):
            propose(app, plan_id)
            _accept_with_sessions(app, plan_id)
    sign_in(client, specialist if role == "specialist" else make_user(role))
    assert _page_queries(app, client, small) == _page_queries(app, client, large)


def test_an_accepted_plan_shows_its_sessions(app, client, make_user, make_enquiry):
    specialist = make_user("specialist")
    plan_id = proposed(app, consulted_enquiry(app), specialist.id, builders.treatment(app, "Session test"))
    _accept_with_sessions(app, plan_id)
    sign_in(client, make_user("reception"))
    body = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert 'data-testid="plan-sessions"' in body and "Session test" in body.split('data-testid="plan-sessions"')[1]


@pytest.mark.parametrize("role", ["manager", "admin", "specialist"])
def test_every_plan_route_answers_each_role_without_a_server_error(app, client, make_user, make_enquiry, role):
    _enquiry_id, routes = _edit_routes(app, make_user, make_enquiry)
    user = make_user(role)
    sign_in(client, user)
    for method, url in [("GET", "/plans/1"), ("GET", "/plans/2"), *routes]:
        status = client.open(url, method=method, data={"csrf_token": client.csrf_token()}).status_code
        assert status < 500, (method, url, status)
        assert (status == 403) == (not user.can("plan.edit") and url not in ("/plans/1", "/plans/2")), (url, status)


def test_the_timeline_shows_versions_and_decisions_and_notes_only_to_clinicians(app, make_user, make_enquiry):
    specialist = make_user("specialist", full_name="Dr Lee Park")
    enquiry_id = consulted_enquiry(app)
    plan_id = draft(app, enquiry_id, specialist.id, builders.treatment(app, "Peel test", sessions=3, price_pence=10000),
                    notes=NOTE)
    with app.app_context():
        plan = services.get_plan(plan_id)
        services.propose(plan, info_given_on=today(app), version=plan.version, by_id=None)
        services.revise(services.get_plan(plan_id), by_id=specialist.id)
        db.session.commit()
        clinical = services.timeline_entries(enquiry_id, clinical=True)
        summary = services.timeline_entries(enquiry_id, clinical=False)
    titles = [e.title for e in clinical]
    assert "Plan 1 drafted" in titles and "Plan 1 proposed: £300.00, 3 sessions" in titles
    assert "Plan 1 revised (Plan 1 (version 2))" in titles
    assert [e.title for e in summary] == titles
    assert any(NOTE in (e.detail or "") for e in clinical)
    assert not any(NOTE in (e.detail or "") for e in summary)
    assert all(e.kind == "plan" for e in clinical)


def test_the_enquiry_card_lists_each_plan_with_its_summary(app, make_user, make_enquiry):
    specialist = make_user("specialist")
    enquiry_id = consulted_enquiry(app)
    plan_id = proposed(app, enquiry_id, specialist.id, builders.treatment(app, "Card test", sessions=2,
                                                                      price_pence=15000, reflection_days=3))
    with app.test_request_context():
        from tracker.enquiries.services import get_enquiry

        html = render_template("plans/_enquiry_plans.html", enquiry=get_enquiry(enquiry_id),
                               plans=services.for_enquiry(enquiry_id), current_user=specialist)
    assert f"/plans/{plan_id}" in html and "Card test" in html and "£300.00" in html and "Proposed" in html
    assert (today(app) + timedelta(days=3)).strftime("%d/%m/%Y") in html and "New plan" in html
    with app.app_context():
        assert db.session.scalar(select(Enquiry.stage).where(Enquiry.id == enquiry_id)) is Stage.PLAN_PROPOSED
