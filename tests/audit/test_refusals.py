"""Refused access is in the trail: who, which page, the permission needed; nothing for anonymous visitors."""

import pytest

from tests.conftest import count_queries
from tracker.audit.models import AuditAction


def _refusals(audit_rows) -> list[tuple]:
    return [(e["actor_id"], e["changes"]) for e in audit_rows(action=AuditAction.ACCESS_DENIED)]


@pytest.mark.parametrize(("path", "permission"), [
    ("/assessments/7", "assessment.view"),
    ("/plans/3/items", None),  # POST only: below
    ("/audit", "audit.view"),
    ("/admin/users", "users.manage"),
    ("/admin/settings", "settings.manage"),
    ("/admin/api-keys", "apikeys.manage"),
    ("/reports/pipeline", "reports.view"),
])
def test_a_receptionist_refused_a_clinical_record_or_an_administration_page_is_recorded(
        client, login_as, audit_rows, path, permission):
    reception = login_as("reception")
    before = len(audit_rows())
    if permission is None:
        response, method, permission = client.post(path, data={"treatment": "1"}), "POST", "plan.edit"
    else:
        response, method = client.get(path), "GET"
    assert response.status_code == 403
    assert "Not available to your role" in response.get_data(as_text=True)
    assert _refusals(audit_rows) == [(reception.id, {"page": path, "method": method, "permission": permission})]
    assert len(audit_rows()) == before + 1  # that event, and nothing the refused request did


def test_a_page_whose_address_holds_a_key_is_recorded_by_its_pattern(client, login_as, audit_rows):
    specialist = login_as("specialist")
    assert client.get("/admin/import/s3cr3t-staging-key/rejected.csv").status_code == 403
    assert _refusals(audit_rows) == [(specialist.id, {"page": "/admin/import/<token>/rejected.csv", "method": "GET",
                                                      "permission": "import.run"})]


def test_anonymous_visitors_are_sent_to_sign_in_and_nothing_is_recorded(client, make_user, audit_rows):
    make_user("reception")  # past the first-run setup
    before = audit_rows()
    for path in ("/audit", "/assessments/1", "/admin/users"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert audit_rows() == before


def test_allowed_pages_record_no_refusal(client, login_as, audit_rows):
    login_as("admin")
    for path in ("/audit", "/admin/users", "/admin/settings"):
        assert client.get(path).status_code == 200
    assert _refusals(audit_rows) == []


def test_a_refusal_costs_one_insert_and_writes_nothing_else(app, client, login_as):
    login_as("reception")
    client.get("/")  # the once-per-process first-run check is not part of the cost
    with count_queries(app) as statements:
        assert client.get("/audit").status_code == 403
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert len(writes) == 1 and "audit_events" in writes[0]
