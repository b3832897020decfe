"""Migrations build the schema the models describe, on SQLite and on PostgreSQL."""

import uuid
from contextlib import contextmanager

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, make_test_app, migrate_to_head
from tracker import ROOT
from tracker.extensions import db

MIGRATIONS = str(ROOT / "migrations")


@contextmanager
def scratch_postgres():
    """A new, empty PostgreSQL database on the test server, dropped afterwards."""
    url = make_url(PG_URL)
    name = f"tracker_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def empty_database(kind: str, tmp_path):
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        with scratch_postgres() as uri:
            yield uri


DATABASES = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@pytest.mark.parametrize("kind", DATABASES)
def test_upgrade_from_empty_to_head_matches_the_models(kind, tmp_path):
    with empty_database(kind, tmp_path) as uri:
        migrate_to_head(uri)
        app = make_test_app(uri)
        with app.app_context(), db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
            db.engine.dispose()
    assert differences == []


@pytest.mark.parametrize("kind", DATABASES)
def test_downgrade_to_base_and_upgrade_again(kind, tmp_path):
    with empty_database(kind, tmp_path) as uri:
        migrate_to_head(uri)
        app = make_test_app(uri)
        with app.app_context():
            flask_migrate.downgrade(directory=MIGRATIONS, revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            flask_migrate.upgrade(directory=MIGRATIONS)
            assert {"users", "audit_events"} <= set(inspect(db.engine).get_table_names())
            db.engine.dispose()


def test_sqlite_foreign_keys_are_back_on_after_a_migration(tmp_path):
    uri = f"sqlite:///{tmp_path / 'fk.db'}"
    app = make_test_app(uri)
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()
