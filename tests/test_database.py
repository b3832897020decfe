"""The SQLite connection settings and the UTC datetime column type."""

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from tests.conftest import PG_URL, make_test_app
from tracker.db import UTCDateTime, writes_on_read
from tracker.extensions import db
from tracker.permissions import public


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on a SQLite file, whichever database the rest of the suite uses."""
    app = make_test_app(f"sqlite:///{tmp_path / 'pragmas.db'}")
    yield app
    with app.app_context():
        db.engine.dispose()


def test_pooled_sqlite_connection_has_wal_foreign_keys_and_busy_timeout(sqlite_app):
    with sqlite_app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.commit()  # back to the pool; the next checkout is a pooled connection
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == sqlite_app.config["SQLITE_BUSY_TIMEOUT_MS"]


def test_sqlite_transaction_takes_the_write_lock_at_begin(sqlite_app, tmp_path):
    with sqlite_app.app_context(), db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")  # a read: a deferred BEGIN would take no lock yet
        other = sqlite3.connect(tmp_path / "pragmas.db", timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        conn.rollback()
        other.execute("BEGIN IMMEDIATE")  # free again once the first transaction ends
        other.execute("ROLLBACK")
        other.close()


def test_utc_datetime_round_trips_as_aware_utc(app):
    from tracker.auth.models import User

    local = datetime(2026, 7, 1, 14, 30, tzinfo=timezone(timedelta(hours=1)))
    with app.app_context():
        user = User(email="a@b.test", full_name="A", role="admin", password_hash="x", last_login_at=local)
        db.session.add(user)
        db.session.commit()
        db.session.expire_all()
        stored = db.session.scalar(select(User.last_login_at))
    assert stored == local
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), _Dialect())


class _Dialect:
    name = "sqlite"


def test_timestamps_are_taken_when_the_row_is_written_not_at_import(make_user):
    before = datetime.now(UTC)
    user = make_user()
    assert before <= user.created_at <= datetime.now(UTC)
    assert user.created_at.tzinfo == UTC


@pytest.fixture
def sqlite_app_with_views(sqlite_app):
    """The SQLite app plus a plain GET view and one marked as writing."""

    @sqlite_app.route("/reads", methods=["GET", "POST"])
    @public
    def reads():
        return "read"

    @sqlite_app.route("/writes-on-read")
    @writes_on_read
    @public
    def writes():
        return "audited view"

    return sqlite_app


@pytest.mark.parametrize(("method", "path", "takes_write_lock"), [
    ("GET", "/reads", False), ("HEAD", "/reads", False), ("POST", "/reads", True), ("GET", "/writes-on-read", True),
])
def test_only_requests_that_may_write_take_the_write_lock_at_begin(sqlite_app_with_views, tmp_path, method, path,
                                                                   takes_write_lock):
    with sqlite_app_with_views.test_request_context(path, method=method):
        db.session.execute(text("SELECT 1"))
        other = sqlite3.connect(tmp_path / "pragmas.db", timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            got_lock = True
        except sqlite3.OperationalError:
            got_lock = False
        finally:
            other.close()
            db.session.rollback()
    assert got_lock is not takes_write_lock



if PG_URL:  # defined only for a PostgreSQL run (CI's second pass): SQLite has no JIT, and nothing is skipped
    def test_postgresql_connections_run_without_jit():
        """The report's long statement would spend longer being JIT-compiled than running (configure_postgresql)."""
        app = make_test_app(PG_URL)
        with app.app_context():
            assert db.session.execute(text("SHOW jit")).scalar() == "off"
            db.session.remove()
            db.engine.dispose()
