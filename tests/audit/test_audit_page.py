"""Managers and admins browse the trail with filters and pages; the page's queries are bounded."""

from datetime import timedelta

from tests.conftest import count_queries
from tracker.audit.models import AuditAction, AuditEvent
from tracker.db import utcnow
from tracker.extensions import db


def _events(app, n: int, **fields) -> None:
    with app.app_context():
        db.session.add_all(AuditEvent(action=AuditAction.LOGIN_FAILED, actor_label=f"x{i}@clinic.example", **fields)
                           for i in range(n))
        db.session.commit()


def test_manager_sees_the_trail_newest_first(client, login_as, make_user):
    login_as("manager")
    make_user(full_name="Older Person")
    make_user(full_name="Newer Person")
    page = client.get("/audit").data.decode()
    assert page.index("Newer Person") < page.index("Older Person")


def test_filters_narrow_by_user_action_record_and_date(app, client, login_as, make_user):
    manager = login_as("manager")
    target = make_user()
    _events(app, 3)
    by_action = client.get("/audit", query_string={"action": "login_failed"}).data.decode()
    assert 'data-testid="audit-count">3<' in by_action
    by_record = client.get("/audit", query_string={"record_type": "users", "record_id": target.id}).data.decode()
    assert 'data-testid="audit-count">1<' in by_record
    by_actor = client.get("/audit", query_string={"user": manager.id}).data.decode()
    assert 'data-testid="audit-count">0<' in by_actor
    today = utcnow().date()
    tomorrow = (today + timedelta(days=2)).strftime("%Y-%m-%d")
    future = client.get("/audit", query_string={"date_from": tomorrow}).data.decode()
    assert 'data-testid="audit-count">0<' in future


def test_end_date_before_start_date_is_explained_beside_the_field(client, login_as):
    login_as("admin")
    page = client.get("/audit", query_string={"date_from": "2026-05-02", "date_to": "2026-05-01"}).data.decode()
    assert "The end date is before the start date." in page
    assert 'value="2026-05-02"' in page


def test_pages_hold_fifty_events_and_the_query_count_does_not_grow_with_them(app, client, login_as):
    login_as("admin")
    _events(app, 10)
    client.get("/")  # the once-per-process first-run check is not part of the page's cost
    with count_queries(app) as small:
        assert client.get("/audit").status_code == 200
    _events(app, 120)
    with count_queries(app) as large:
        page = client.get("/audit").data.decode()
    assert page.count("x1") >= 1 and 'aria-label="Pages"' in page
    assert page.count("<tr>") == 51  # header row + 50 events
    assert len(large) == len(small) <= 5  # begin, user, staff list, count, page


def test_reception_and_specialists_cannot_open_the_trail(client, login_as):
    login_as("specialist")
    assert client.get("/audit").status_code == 403


def _clinical_change(app, entity_type: str, changes: dict) -> None:
    with app.app_context():
        db.session.add(AuditEvent(action=AuditAction.UPDATE, entity_type=entity_type, entity_id=1, changes=changes))
        db.session.commit()


def _trail_views(app) -> list[dict]:
    with app.app_context():
        views = db.select(AuditEvent).where(AuditEvent.action == AuditAction.VIEW, AuditEvent.entity_type.is_(None))
        return [e.changes for e in db.session.scalars(views)]


def test_a_page_of_the_trail_showing_clinical_values_is_itself_audited_as_a_view(app, client, login_as):
    login_as("manager")
    _clinical_change(app, "assessments", {"notes": ["", "Deep tracts on both cheeks"]})
    assert "Deep tracts on both cheeks" in client.get("/audit").data.decode()
    assert _trail_views(app) == [{"viewed": "audit trail with clinical detail", "records": ["assessments 1"]}]
    # Views (of assessments among them) are not changes to a record: a page of them shows no clinical value.
    with app.app_context():
        db.session.add(AuditEvent(action=AuditAction.VIEW, entity_type="assessments", entity_id=1,
                                  changes={"viewed": "assessment"}))
        db.session.commit()
    client.get("/audit", query_string={"action": "view"})
    assert len(_trail_views(app)) == 1


def test_a_page_of_the_trail_without_clinical_values_is_not_audited(app, client, login_as):
    login_as("manager")
    _clinical_change(app, "appointments", {"status": ["booked", "cancelled"]})  # not the session's notes
    _clinical_change(app, "treatment_plans", {"status": ["draft", "proposed"]})  # not the plan's notes
    client.get("/audit")
    assert _trail_views(app) == []
    _clinical_change(app, "appointments", {"session_notes": [None, "Two passes at 1.5 mm"]})
    client.get("/audit")
    assert _trail_views(app) == [{"viewed": "audit trail with clinical detail", "records": ["appointments 1"]}]
