"""Every export is one audit event: who, what, which filters, how many rows, clinical or not, completed or not."""

import pytest

from tests.exports.conftest import csv_rows, seed_demo, sign_in_demo, xlsx_rows
from tracker.audit.models import AuditAction
from tracker.enquiries.export import COLUMNS, columns_for
from tracker.permissions import ROLE_PERMISSIONS, Role


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_writes_one_audit_event_with_actor_filters_and_row_count(client, manager, make_enquiry,
                                                                           audit_rows, file_format):
    for hours in (1, 2, 3):
        make_enquiry(hours_ago=hours)
    before = len(audit_rows())
    response = client.get(f"/enquiries/export.{file_format}?stage=all&sort=oldest&uncontacted=y",
                          headers={"X-Request-ID": "export-check-1"})
    rows = csv_rows(response.data) if file_format == "csv" else xlsx_rows(response.data)
    assert len(rows) - 1 == 3
    events = audit_rows()[before:]
    assert events == [{
        "action": AuditAction.EXPORT, "actor_id": manager.id, "actor_label": None, "entity_type": None,
        "entity_id": None, "ip_address": "127.0.0.1", "request_id": "export-check-1",
        "changes": {"what": "enquiries", "format": file_format, "rows": 3, "clinical": True, "completed": True,
                    "filters": {"stage": "all", "sort": "oldest", "uncontacted": "y"}},
    }]


def test_refused_filters_are_not_recorded_as_used(client, manager, make_enquiry, audit_rows):
    make_enquiry()
    response = client.get("/enquiries/export.csv?channel=carrier-pigeon&received_from=yesterday&concern=rolling"
                          "&utm_source=mail")
    assert len(csv_rows(response.data)) == 1  # the concern filter applied; the refused ones were ignored
    assert audit_rows(action=AuditAction.EXPORT)[-1]["changes"]["filters"] == {"concern": "rolling"}


def test_a_permission_set_without_assessment_view_gets_no_clinical_column():
    reception = ROLE_PERMISSIONS[Role.RECEPTION]
    assert "assessment.view" not in reception
    assert not any(c.clinical for c in columns_for(reception.__contains__))
    assert [c.header for c in columns_for(lambda _permission: True)] == [c.header for c in COLUMNS]
    assert any(c.clinical for c in COLUMNS)


def test_an_exporter_without_clinical_access_gets_no_clinical_column_and_the_event_says_so(
        client, login_as, audit_rows, monkeypatch):
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.MANAGER, ROLE_PERMISSIONS[Role.MANAGER] - {"assessment.view"})
    login_as("manager")
    header = csv_rows(client.get("/enquiries/export.csv").data)[0]
    assert header == [c.header for c in COLUMNS if not c.clinical]
    assert audit_rows(action=AuditAction.EXPORT)[-1]["changes"]["clinical"] is False


def test_a_download_the_client_abandons_is_recorded_as_incomplete_with_the_rows_sent(app, client, audit_rows):
    seed_demo(app, 600)
    sign_in_demo(app, client, "manager")
    response = client.get("/enquiries/export.csv?stage=all", buffered=False)
    chunks = iter(response.response)
    received = next(chunks) + next(chunks)
    response.close()
    events = audit_rows(action=AuditAction.EXPORT)
    assert len(events) == 1
    changes = events[0]["changes"]
    assert changes["completed"] is False and changes["rows"] == len(csv_rows(received)) - 1
    assert 0 < changes["rows"] < 600


def test_a_head_request_sends_no_rows_and_records_no_export(client, manager, make_enquiry, audit_rows):
    make_enquiry()
    response = client.head("/enquiries/export.csv")
    assert response.status_code == 200 and response.data == b""
    assert audit_rows(action=AuditAction.EXPORT) == []


def test_exports_by_two_people_are_two_events_each_with_its_own_actor(app, client, make_user, audit_rows):
    from tests.conftest import sign_in

    first, second = make_user("manager"), make_user("admin")
    for user in (first, second):
        sign_in(client, user)
        for file_format in ("xlsx", "csv"):
            assert client.get(f"/enquiries/export.{file_format}").data  # read to the end
    events = audit_rows(action=AuditAction.EXPORT)
    assert [(e["actor_id"], e["changes"]["format"], e["changes"]["completed"]) for e in events] == [
        (first.id, "xlsx", True), (first.id, "csv", True), (second.id, "xlsx", True), (second.id, "csv", True)]
