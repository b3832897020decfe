"""Migrations build the schema the models describe, on SQLite and on PostgreSQL."""

import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, make_test_app, migrate_to_head
from tracker import ROOT
from tracker.extensions import db
from tracker.patients import name_search

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
            context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                             "include_name": name_search.modelled})
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


BEFORE_LINK_STAGE = "c81d5e07a3f2"  # the revision before concern and treatment rows carried the stage


@pytest.mark.parametrize("kind", DATABASES)
def test_existing_concern_and_treatment_rows_take_their_enquirys_stage_and_none_is_lost(kind, tmp_path):
    at = {"at": datetime(2026, 1, 1, 10, tzinfo=UTC)}
    with empty_database(kind, tmp_path) as uri:
        app = make_test_app(uri)
        with app.app_context():
            flask_migrate.upgrade(directory=MIGRATIONS, revision=BEFORE_LINK_STAGE)
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO patients (id, first_name, last_name, name_key, last_name_key, "
                                  "preferred_contact, marketing_consent, created_at, updated_at, version) "
                                  "VALUES (1, 'Ann', 'Lee', 'ann lee', 'lee', 'any', false, :at, :at, 1)"), at)
                for enquiry_id, stage in ((1, "contacted"), (2, "lost")):
                    conn.execute(text("INSERT INTO enquiries (id, patient_id, channel, received_at, stage, "
                                      "created_at, updated_at, version) VALUES (:id, 1, 'phone', :at, :stage, "
                                      ":at, :at, 1)"), {"id": enquiry_id, "stage": stage, **at})
                    conn.execute(text("INSERT INTO enquiry_concerns (enquiry_id, concern) VALUES (:id, 'boxcar'), "
                                      "(:id, 'rolling')"), {"id": enquiry_id})
                    conn.execute(text("INSERT INTO enquiry_treatments (enquiry_id, treatment_id) VALUES (:id, 1)"),
                                 {"id": enquiry_id})
            flask_migrate.upgrade(directory=MIGRATIONS)
            with db.engine.connect() as conn:
                concerns = conn.execute(text("SELECT enquiry_id, concern, stage FROM enquiry_concerns "
                                             "ORDER BY enquiry_id, concern")).all()
                treatments = conn.execute(text("SELECT enquiry_id, treatment_id, stage FROM enquiry_treatments "
                                               "ORDER BY enquiry_id")).all()
            db.engine.dispose()
    assert [tuple(r) for r in concerns] == [(1, "boxcar", "contacted"), (1, "rolling", "contacted"),
                                            (2, "boxcar", "lost"), (2, "rolling", "lost")]
    assert [tuple(r) for r in treatments] == [(1, 1, "contacted"), (2, 1, "lost")]


@pytest.mark.parametrize("kind", DATABASES)
def test_patients_from_before_the_part_search_are_found_by_part_of_their_name(kind, tmp_path):
    from tracker.patients import services as patients

    with empty_database(kind, tmp_path) as uri:
        app = make_test_app(uri)
        with app.app_context():
            flask_migrate.upgrade(directory=MIGRATIONS, revision="7a1c3e9d2b40")
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO patients (id, first_name, last_name, name_key, last_name_key, "
                                  "preferred_contact, marketing_consent, created_at, updated_at, version) "
                                  "VALUES (1, 'Zoe', 'O''Connor', 'zoe oconnor', 'oconnor', 'any', false, "
                                  ":at, :at, 1)"),
                             {"at": datetime(2026, 1, 1, 10, tzinfo=UTC)})
            flask_migrate.upgrade(directory=MIGRATIONS)
            names = [p.full_name for p in db.session.scalars(patients.search_statement("connor"))]
            db.session.remove()
            db.engine.dispose()
    assert names == ["Zoe O'Connor"]


@pytest.mark.parametrize("kind", DATABASES)
def test_enquiries_from_before_the_report_get_their_opening_hours_wait_and_milestones_and_none_is_lost(kind, tmp_path):
    # Friday 6 November 2026 17:00 GMT received; first contacted Monday 9 November 10:30: one hour on Friday
    # (17:00-18:00) and ninety minutes on Monday (09:00-10:30) of the seeded Monday-Friday 09:00-18:00 week.
    received, contacted = datetime(2026, 11, 6, 17, tzinfo=UTC), datetime(2026, 11, 9, 10, 30, tzinfo=UTC)
    with empty_database(kind, tmp_path) as uri:
        app = make_test_app(uri)
        with app.app_context():
            flask_migrate.upgrade(directory=MIGRATIONS, revision="8933c5a64a9a")
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO patients (id, first_name, last_name, name_key, last_name_key, "
                                  "preferred_contact, marketing_consent, created_at, updated_at, version) "
                                  "VALUES (1, 'Ann', 'Lee', 'ann lee', 'lee', 'any', false, :at, :at, 1)"),
                             {"at": received})
                for enquiry_id, first in ((1, contacted), (2, None)):
                    conn.execute(text("INSERT INTO enquiries (id, patient_id, channel, received_at, stage, "
                                      "first_contacted_at, created_at, updated_at, version) VALUES (:id, 1, 'phone', "
                                      ":at, 'contacted', :first, :at, :at, 1)"),
                                 {"id": enquiry_id, "at": received, "first": first})
                # Enquiry 1's history: logged, reached, booked straight on, seen, a plan proposed and reworked.
                history = [(None, "new", 0), ("new", "contacted", 1), ("contacted", "consultation_booked", 2),
                           ("consultation_booked", "consulted", 3), ("consulted", "plan_proposed", 4),
                           ("plan_proposed", "consulted", 5)]
                for key, (from_stage, to_stage, day) in enumerate(history, start=1):
                    conn.execute(text("INSERT INTO stage_changes (id, enquiry_id, from_stage, to_stage, at) "
                                      "VALUES (:id, 1, :from_stage, :to_stage, :at)"),
                                 {"id": key, "from_stage": from_stage, "to_stage": to_stage,
                                  "at": received + timedelta(days=day)})
            flask_migrate.upgrade(directory=MIGRATIONS)
            with db.engine.connect() as conn:
                rows = conn.execute(text("SELECT id, first_contact_open_seconds FROM enquiries ORDER BY id")).all()
                milestones = conn.execute(text(
                    "SELECT furthest_stage, consulted_at, plan_proposed_at, treatment_booked_at, "
                    "treatment_started_at, plan_decided_at FROM enquiries ORDER BY id")).all()
            db.engine.dispose()
    assert [tuple(r) for r in rows] == [(1, 9000), (2, None)]
    day = [_utc(received + timedelta(days=n)) for n in range(6)]
    assert [(r[0], *map(_utc, r[1:])) for r in milestones] == [
        ("plan_proposed", day[3], day[4], None, None, day[5]), (None, None, None, None, None, None)]


def _utc(value):
    """A timestamp read back by raw SQL (text on SQLite, aware on PostgreSQL) as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@pytest.mark.parametrize("kind", DATABASES)
def test_patients_from_before_the_suffix_search_are_found_by_the_last_digits_of_either_number(kind, tmp_path):
    from tracker.patients import services as patients

    with empty_database(kind, tmp_path) as uri:
        app = make_test_app(uri)
        with app.app_context():
            flask_migrate.upgrade(directory=MIGRATIONS, revision="e5a7c3d1b9f2")
            with db.engine.begin() as conn:
                for pk, phone, alt in ((1, "+447700900123", None), (2, None, "+33612345678"), (3, None, None)):
                    conn.execute(text("INSERT INTO patients (id, first_name, last_name, name_key, last_name_key, "
                                      "phone, phone_alt, preferred_contact, marketing_consent, created_at, updated_at, "
                                      "version) VALUES (:id, 'Zoe', 'Ng', 'zoe ng', 'ng', :phone, :alt, 'any', false, "
                                      ":at, :at, 1)"),
                                 {"id": pk, "phone": phone, "alt": alt, "at": datetime(2026, 1, 1, 10, tzinfo=UTC)})
            flask_migrate.upgrade(directory=MIGRATIONS)
            found = {typed: [p.id for p in db.session.scalars(patients.search_statement(typed))]
                     for typed in ("900123", "345678", "612345678")}
            stored = db.session.execute(text("SELECT id, phone_reversed, phone_alt_reversed FROM patients "
                                             "ORDER BY id")).all()
            db.session.remove()
            db.engine.dispose()
    assert found == {"900123": [1], "345678": [2], "612345678": [2]}
    assert [tuple(row) for row in stored] == [(1, "321009007744", None), (2, None, "87654321633"), (3, None, None)]
