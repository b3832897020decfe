"""Every kind of event the app writes, made through the app's own pages (demo data, sign-ins, clinical views,
exports, an import, a merge, API keys, a calendar feed, refused pages), then the trail opened by a manager and an
administrator: every page of it and every action filter answer 200 and show each event's details.

A new AuditAction that this journey does not produce fails the test: add the step that writes it.
"""

import re

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, sign_in
from tests.exports.conftest import seed_demo, sign_in_demo
from tests.imports.conftest import csv_bytes, person, upload
from tests.intake.api_helpers import send
from tracker.audit.models import AuditAction, AuditEvent
from tracker.audit.views import PER_PAGE
from tracker.consultations.models import Assessment
from tracker.extensions import db
from tracker.plans.models import TreatmentPlan

NEW_PASSWORD = "quince-harbour-violet-77"
IMPORT_MAPPING = {"full_name": "Name", "phone": "Phone number", "email": "E-mail", "received_at": "Enquiry date",
                  "source": "How did you hear about us?", "concerns": "Concern", "caller_words": "Message"}


def _ok(response, what: str):
    assert response.status_code in (200, 302), (what, response.status_code, response.get_data(as_text=True)[:300])
    return response


def _sign_ins(app, make_user) -> None:
    """A failed sign-in, a throttled one, a sign-in, a password change and a sign-out (LOGIN_* , PASSWORD_CHANGED)."""
    browser = app.test_client()
    locked, person_ = make_user("reception"), make_user("specialist")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] + 1):
        browser.post("/login", data={"email": locked.email, "password": "not-the-password-at-all"})
    _ok(browser.post("/login", data={"email": person_.email, "password": PASSWORD}), "sign in")
    _ok(browser.post("/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD}), "change password")
    _ok(browser.post("/logout"), "sign out")


def _administration(app, client, make_user) -> None:
    """An administrator sets a password, makes an API key that the API then uses, and revokes it."""
    sign_in(client, make_user("admin"))
    target = make_user("reception")
    _ok(client.post(f"/admin/users/{target.id}/password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
        "set password")
    page = _ok(client.post("/admin/api-keys", data={"name": "Clinic website"}), "new key").get_data(as_text=True)
    secret = re.search(r'value="(ct_[0-9a-f]{8}_[A-Za-z0-9_-]{43})"', page)[1]
    assert send(app.test_client(), secret).status_code == 201
    form = re.search(r'action="/admin/api-keys/(\d+)/revoke">.*?name="version" value="(\d+)"',
                     client.get("/admin/api-keys").get_data(as_text=True), re.S)
    _ok(client.post(f"/admin/api-keys/{form[1]}/revoke", data={"version": form[2]}), "revoke key")


def _clinical_views(app, client) -> None:
    """A specialist reads an assessment, a treatment plan and an enquiry with clinical detail (VIEW)."""
    with app.app_context():
        assessment = db.session.scalars(select(Assessment).order_by(Assessment.id).limit(1)).one()
        plan_id = db.session.scalars(select(TreatmentPlan.id).order_by(TreatmentPlan.id).limit(1)).one()
        assessment_id, enquiry_id = assessment.id, assessment.enquiry_id
    sign_in_demo(app, client, "specialist")
    for path in (f"/assessments/{assessment_id}", f"/plans/{plan_id}", f"/enquiries/{enquiry_id}"):
        assert client.get(path).status_code == 200, path
    page = _ok(client.post("/calendar/feed"), "new feed").get_data(as_text=True)
    token = re.search(r"/calendar/([A-Za-z0-9_-]{20,100})\.ics", page)[1]
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 200


def _desk_and_office(app, client, make_patient, make_enquiry) -> None:
    """Reception merges two records and archives an enquiry; a manager restores it, exports and imports a file."""
    sign_in_demo(app, client, "reception")
    keep, other = make_patient(first_name="Ada", last_name="King"), make_patient(first_name="Ada", last_name="King")
    _ok(client.post(f"/patients/{keep}/merge/{other}", data={"keep": str(keep), "first_version": "1",
                                                             "second_version": "1"}), "merge")
    enquiry = make_enquiry()
    _ok(client.post(f"/enquiries/{enquiry}/archive", data={"version": "1"}), "archive")
    sign_in_demo(app, client, "manager")
    _ok(client.post(f"/enquiries/{enquiry}/restore", data={"version": "2"}), "restore")
    assert client.get("/enquiries/export.csv?stage=all").data
    assert client.get("/reports/pipeline/funnel.xlsx?preset=30d").data
    token = upload(client, csv_bytes([person(1), person(2)])).headers["Location"].rsplit("/", 1)[-1]
    _ok(client.post(f"/admin/import/{token}/run", data={**IMPORT_MAPPING, "confirm": "y"}), "import")


@pytest.fixture
def trail(app, client, make_user, make_patient, make_enquiry):
    """The audit trail after a working day that writes every kind of event."""
    seed_demo(app, 40)  # BULK_LOAD, and the demo's assessments and plans to read
    _sign_ins(app, make_user)
    _administration(app, client, make_user)
    _clinical_views(app, client)
    _desk_and_office(app, client, make_patient, make_enquiry)
    sign_in(client, make_user("reception"))
    for path in ("/audit", "/admin/users"):
        assert client.get(path).status_code == 403  # ACCESS_DENIED
    readers = {role: make_user(role) for role in ("manager", "admin")}
    sign_in(client, readers["manager"])
    assert client.get("/audit").status_code == 200  # a page with clinical values: VIEW of the trail itself
    with app.app_context():
        return readers, list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_every_kind_of_event_renders_on_every_page_and_filter_of_the_trail(client, trail):
    readers, events = trail
    written = {event.action for event in events}
    assert written == set(AuditAction), f"no step of the journey writes {sorted(set(AuditAction) - written)}"
    for reader in readers.values():
        _every_page_and_filter(client, reader, events)
    _each_kind_shows_what_it_says(client, readers["manager"])


def _every_page_and_filter(client, reader, events: list[AuditEvent]) -> None:
    sign_in(client, reader)
    pages = (len(events) + PER_PAGE - 1) // PER_PAGE
    for number in range(1, pages + 2):
        assert client.get("/audit", query_string={"page": number}).status_code == 200, number
    for action in AuditAction:
        response = client.get("/audit", query_string={"action": action.value})
        assert response.status_code == 200, action
        page = response.get_data(as_text=True)
        shown = int(re.search(r'data-testid="audit-count">(\d+)<', page)[1])
        # The trail pages above add VIEW events of their own (they show clinical values): none of another kind.
        expected = sum(e.action is action for e in events)
        assert shown == expected or (action is AuditAction.VIEW and shown > expected), action
        assert page.count(f"<td>{action.label}</td>") == min(shown, PER_PAGE), action


def _each_kind_shows_what_it_says(client, reader) -> None:
    sign_in(client, reader)

    def shown(action: AuditAction) -> str:
        page = client.get("/audit", query_string={"action": action.value}).get_data(as_text=True)
        return " ".join(re.sub(r"<[^>]+>", " ", page).split())

    assert "viewed assessment" in shown(AuditAction.VIEW) and "viewed treatment plan" in shown(AuditAction.VIEW)
    assert "viewed calendar feed events" in shown(AuditAction.VIEW)
    assert "what enquiries format csv filters stage: all clinical yes" in shown(AuditAction.EXPORT)
    assert re.search(r"export \d+ rows \d+ completed yes", shown(AuditAction.EXPORT_ENDED))
    assert "what enquiries import" in shown(AuditAction.BULK_LOAD) and "demo data" in shown(AuditAction.BULK_LOAD)
    assert "kept" in shown(AuditAction.MERGE) and "merged" in shown(AuditAction.MERGE)
    assert "page /admin/users method GET permission users.manage" in shown(AuditAction.ACCESS_DENIED)
    assert "name Clinic website" in shown(AuditAction.REVOKE)
    assert "archived at — →" in shown(AuditAction.ARCHIVE)
