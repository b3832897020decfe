"""Every export is recorded before its first byte (who, what, which filters, clinical or not), and its end after it
(how many rows, completed or not)."""

import pytest
from sqlalchemy import select

import tracker.app  # noqa: F401  (every feature's export columns registered)
from tests.exports.conftest import csv_rows, seed_demo, sign_in_demo, xlsx_rows
from tracker.audit.models import AuditAction, AuditEvent
from tracker.enquiries.export import all_columns, columns_for
from tracker.extensions import db
from tracker.permissions import ROLE_PERMISSIONS, Role

COLUMNS = all_columns()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_is_recorded_with_actor_and_filters_then_its_end_with_the_row_count(app, client, manager,
                                                                                     make_enquiry, audit_rows,
                                                                                     file_format):
    for hours in (1, 2, 3):
        make_enquiry(hours_ago=hours)
    before = len(audit_rows())
    response = client.get(f"/enquiries/export.{file_format}?stage=all&sort=oldest&uncontacted=y",
                          headers={"X-Request-ID": "export-check-1"})
    rows = csv_rows(response.data) if file_format == "csv" else xlsx_rows(response.data)
    assert len(rows) - 1 == 3
    events = audit_rows()[before:]
    common = {"actor_id": manager.id, "actor_label": None, "entity_type": None, "entity_id": None,
              "ip_address": "127.0.0.1", "request_id": "export-check-1"}
    assert events == [
        {"action": AuditAction.EXPORT, **common,
         "changes": {"what": "enquiries", "format": file_format, "clinical": True,
                     "filters": {"stage": "all", "sort": "oldest", "uncontacted": "y"}}},
        {"action": AuditAction.EXPORT_ENDED, **common, "changes": {"export": _ids(app)[0], "rows": 3,
                                                                    "completed": True}},
    ]


def _ids(app) -> list[int]:
    """The ids of the EXPORT events, oldest first."""
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.id).where(AuditEvent.action == AuditAction.EXPORT)
                                       .order_by(AuditEvent.id)))


def test_the_export_is_committed_before_the_first_byte_is_read(app, client, manager, make_enquiry, audit_rows):
    make_enquiry()
    response = client.get("/enquiries/export.csv", buffered=False)
    # Not one byte of the body read yet: the EXPORT event is already in the database, read on another connection.
    assert [e["changes"]["what"] for e in audit_rows(action=AuditAction.EXPORT)] == ["enquiries"]
    assert audit_rows(action=AuditAction.EXPORT_ENDED) == []
    assert len(csv_rows(b"".join(response.response))) == 2
    response.close()
    assert [e["changes"]["rows"] for e in audit_rows(action=AuditAction.EXPORT_ENDED)] == [1]


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
    assert len(audit_rows(action=AuditAction.EXPORT)) == 1
    events = audit_rows(action=AuditAction.EXPORT_ENDED)
    assert len(events) == 1
    changes = events[0]["changes"]
    assert changes["export"] == _ids(app)[0] and changes["completed"] is False
    assert changes["rows"] == len(csv_rows(received)) - 1
    assert 0 < changes["rows"] < 600


def test_a_head_request_sends_no_rows_and_records_no_export(client, manager, make_enquiry, audit_rows):
    make_enquiry()
    response = client.head("/enquiries/export.csv")
    assert response.status_code == 200 and response.data == b""
    assert audit_rows(action=AuditAction.EXPORT) == audit_rows(action=AuditAction.EXPORT_ENDED) == []


def test_exports_by_two_people_are_two_events_each_with_its_own_actor(app, client, make_user, audit_rows):
    from tests.conftest import sign_in

    first, second = make_user("manager"), make_user("admin")
    for user in (first, second):
        sign_in(client, user)
        for file_format in ("xlsx", "csv"):
            assert client.get(f"/enquiries/export.{file_format}").data  # read to the end
    started = audit_rows(action=AuditAction.EXPORT)
    ended = audit_rows(action=AuditAction.EXPORT_ENDED)
    assert [(e["actor_id"], e["changes"]["format"]) for e in started] == [
        (first.id, "xlsx"), (first.id, "csv"), (second.id, "xlsx"), (second.id, "csv")]
    assert [(e["actor_id"], e["changes"]["export"], e["changes"]["completed"]) for e in ended] == [
        (e["actor_id"], i, True) for e, i in zip(started, _ids(app), strict=True)]
