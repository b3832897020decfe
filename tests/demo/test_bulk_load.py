"""audit.recorder.bulk_load(): the one way to bulk INSERT into audited tables; UPDATE and DELETE stay refused."""

import pytest
from sqlalchemy import delete, func, insert, select, update

from tracker.audit.models import AuditEvent
from tracker.audit.recorder import AuditIntegrityError, bulk_load
from tracker.auth.models import User
from tracker.extensions import db
from tracker.permissions import Role

ROW = {"email": "bulk@clinic.example", "full_name": "Bulk", "role": Role.ADMIN, "password_hash": "x",
       "session_token": "t", "active": True, "version": 1}


def _users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_bulk_load_allows_inserts_on_audited_tables(app):
    with app.app_context():
        with bulk_load():
            db.session.execute(insert(User.__table__), [ROW, {**ROW, "email": "bulk2@clinic.example"}])
        db.session.commit()
        assert _users() == 2
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0  # the loader records its own


def test_bulk_load_still_refuses_updates_and_deletes(app, make_user):
    user = make_user()
    with app.app_context():
        for statement in (update(User).values(active=False), delete(User), update(User.__table__).values(active=False),
                          delete(AuditEvent)):
            with bulk_load(), pytest.raises(AuditIntegrityError, match="bypass the audit trail"):
                db.session.execute(statement)
            db.session.rollback()
        assert db.session.get(User, user.id).active


def test_inserts_are_refused_again_after_the_block_even_if_it_failed(app):
    with app.app_context():
        with pytest.raises(RuntimeError), bulk_load():
            raise RuntimeError("loader failed")
        with pytest.raises(AuditIntegrityError, match="bulk INSERT on users"):
            db.session.execute(insert(User.__table__), [ROW])
        db.session.rollback()
        with bulk_load():
            pass
        with pytest.raises(AuditIntegrityError, match="bulk INSERT on users"):
            db.session.execute(insert(User.__table__), [ROW])
        db.session.rollback()
        assert _users() == 0
