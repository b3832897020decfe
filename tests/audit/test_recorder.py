"""Row changes are recorded from the ORM session, in the change's own transaction."""

import pytest
from sqlalchemy import func, select

from tracker.audit.models import AuditAction, AuditEvent
from tracker.audit.recorder import AuditIntegrityError
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.permissions import Role


def _count_events(**where) -> int:
    stmt = select(func.count()).select_from(AuditEvent)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, key) == value)
    return db.session.scalar(stmt)


def test_a_rolled_back_change_leaves_no_audit_row(app):
    with app.app_context():
        create_user("ghost@clinic.example", "Ghost", Role.RECEPTION, "plum-orchard-lantern-42")
        assert _count_events(action=AuditAction.CREATE) == 1  # written by the flush
        db.session.rollback()
        assert _count_events() == 0


def test_update_records_only_the_fields_that_changed(app, make_user):
    user = make_user()
    with app.app_context():
        row = db.session.get(User, user.id)
        row.full_name = "New Name"
        row.email = row.email  # unchanged: not recorded
        db.session.commit()
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == AuditAction.UPDATE))
        assert event.changes == {"full_name": [user.full_name, "New Name"]}
        assert (event.entity_type, event.entity_id) == ("users", user.id)


def test_changes_to_secret_or_bookkeeping_columns_alone_write_nothing(app, make_user):
    user = make_user()
    with app.app_context():
        row = db.session.get(User, user.id)
        row.session_token = "rotated-token"
        row.password_hash = "new-hash"
        db.session.commit()
        assert _count_events(action=AuditAction.UPDATE) == 0


def test_audit_rows_cannot_be_changed_or_deleted(app, make_user):
    make_user()
    with app.app_context():
        event = db.session.scalar(select(AuditEvent))
        event.action = AuditAction.LOGIN
        with pytest.raises(AuditIntegrityError, match="append-only"):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(AuditEvent)))
        with pytest.raises(AuditIntegrityError, match="append-only"):
            db.session.commit()


def test_audited_records_cannot_be_deleted(app, make_user):
    user = make_user()
    with app.app_context():
        db.session.delete(db.session.get(User, user.id))
        with pytest.raises(AuditIntegrityError, match="archived, never deleted"):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(User, user.id) is not None


def test_old_value_is_recorded_even_after_the_object_was_expired(app, make_user):
    user = make_user(full_name="Rita Original")
    with app.app_context():
        row = db.session.get(User, user.id)
        db.session.commit()  # expires every attribute
        row.full_name = "Rita Renamed"
        row.email = user.email  # the stored value again: not a change
        db.session.commit()
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == AuditAction.UPDATE))
        assert event.changes == {"full_name": ["Rita Original", "Rita Renamed"]}


def test_bulk_update_and_delete_of_audited_tables_are_refused(app, make_user):
    from sqlalchemy import delete, update

    user = make_user()
    with app.app_context():
        for statement in (update(User).values(active=False), delete(User), delete(AuditEvent),
                          update(AuditEvent).values(actor_label="x")):
            with pytest.raises(AuditIntegrityError, match="bypass the audit trail"):
                db.session.execute(statement)
            db.session.rollback()
        assert db.session.get(User, user.id).active


def test_changes_outside_a_request_are_attributed_to_the_command_line(app, audit_rows):
    app.test_cli_runner().invoke(args=["create-user", "cli@clinic.example", "--name", "Cli", "--role", "admin",
                                       "--password-stdin"], input="plum-orchard-lantern-42\n")
    [row] = audit_rows(action=AuditAction.CREATE)
    assert row["actor_label"] == "command line" and row["actor_id"] is None


def test_bulk_inserts_and_legacy_bulk_methods_are_refused(app):
    from sqlalchemy import insert

    from tracker.db import LegacyBulkWriteError

    row = {"email": "bulk@clinic.example", "full_name": "Bulk", "role": Role.ADMIN, "password_hash": "x",
           "session_token": "t", "active": True}
    with app.app_context():
        with pytest.raises(AuditIntegrityError, match="bulk INSERT on users"):
            db.session.execute(insert(User), [row])
        db.session.rollback()
        for method in (db.session.bulk_insert_mappings, db.session.bulk_update_mappings):
            with pytest.raises(LegacyBulkWriteError):
                method(User, [row])
        with pytest.raises(LegacyBulkWriteError):
            db.session.bulk_save_objects([User(**row)])
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
