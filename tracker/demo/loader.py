"""Writing demo rows fast: ids from each table's max, chunked bulk inserts, then PostgreSQL's sequences."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from operator import itemgetter

from psycopg import sql
from sqlalchemy import JSON, Table, TableClause, column, func, insert, select, table, text

from tracker.bookings.models import Appointment
from tracker.consultations.models import Assessment, ScarFinding
from tracker.demo.generator import Rows
from tracker.enquiries.models import ContactAttempt, Enquiry, EnquiryConcern, StageChange, enquiry_treatments
from tracker.extensions import db
from tracker.followups.models import FollowUp, Reschedule
from tracker.patients.models import Patient
from tracker.plans.models import PlanItem, TreatmentPlan

# In insertion order: parents before the rows that point at them.
TABLES = {
    "patients": Patient.__table__,
    "enquiries": Enquiry.__table__,
    "enquiry_concerns": EnquiryConcern.__table__,
    "enquiry_treatments": enquiry_treatments,
    "stage_changes": StageChange.__table__,
    "contact_attempts": ContactAttempt.__table__,
    "treatment_plans": TreatmentPlan.__table__,
    "plan_items": PlanItem.__table__,
    "appointments": Appointment.__table__,
    "assessments": Assessment.__table__,
    "scar_findings": ScarFinding.__table__,
    "follow_ups": FollowUp.__table__,
    "follow_up_reschedules": Reschedule.__table__,
}
WITH_IDS = ("patients", "enquiries", "stage_changes", "contact_attempts", "treatment_plans", "plan_items",
            "appointments", "assessments", "scar_findings", "follow_ups",
            "follow_up_reschedules")
SESSIONS = "treatment_sessions"  # counted apart: the appointments that are a plan's sessions
CHUNK = 10_000  # rows per statement: big enough to be fast, small enough to keep the driver's buffers modest
SQLITE_CACHE_KIB = 256 * 1024


def first_ids() -> dict[str, int]:
    """The next free id of each table the generator numbers itself."""
    return {name: (db.session.scalar(select(func.max(TABLES[name].c.id))) or 0) + 1 for name in WITH_IDS}


@cache
def _untyped(model_table: Table) -> TableClause:
    """The table's name and columns without their types or defaults.

    The generator gives every value as the database reads it (datetimes and dates as text,
    StrEnum members as their values), so no per-value conversion is needed. A column the rows
    leave out (notes, archived_at) is NULL.
    """
    return table(model_table.name, *(column(c.name) for c in model_table.columns))


@cache
def _json_columns(model_table: Table) -> tuple[str, ...]:
    return tuple(c.name for c in model_table.columns if isinstance(c.type, JSON))


def _json_as_text(model_table: Table, rows: list[dict]) -> list[dict]:
    """The rows with their JSON columns' lists as JSON text, as both databases read it.

    The generator reuses a few lists, so each is written once.
    """
    names = _json_columns(model_table)
    if not names:
        return rows
    texts: dict[tuple, str] = {}
    for row in rows:
        for name in names:
            key = tuple(row[name])
            text_ = texts.get(key)
            if text_ is None:
                text_ = texts[key] = json.dumps(row[name])
            row[name] = text_
    return rows


@cache
def _sqlite_insert(model_table: Table, names: tuple[str, ...]) -> tuple[str, itemgetter]:
    """INSERT INTO table (names) VALUES (?, ...) as SQLAlchemy writes it, and what picks a row's values in order."""
    compiled = insert(_untyped(model_table)).compile(dialect=db.engine.dialect, column_keys=list(names))
    return str(compiled), itemgetter(*compiled.positiontup)


def _copy(model_table: Table, rows: list[dict]) -> None:
    """PostgreSQL's COPY FROM STDIN: the server's own bulk load, fed by psycopg's C encoder."""
    names = tuple(rows[0])
    values = itemgetter(*names)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model_table.name), sql.SQL(", ").join(sql.Identifier(name) for name in names))
    with db.session.connection().connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(values(row))


def _insert(model_table: Table, rows: list[dict]) -> None:
    """Insert rows with the same keys, in the same transaction as the rest of the load.

    Per row, SQLAlchemy's parameter handling cost as much as the database's own work, and psycopg
    sends an executemany row by row. So the first row goes through the session, where the audit
    trail refuses a bulk INSERT made outside bulk_load(), and the rest straight to the driver on the
    session's connection: SQLite's executemany of plain tuples, PostgreSQL's COPY.
    """
    rows = _json_as_text(model_table, rows)
    db.session.execute(insert(_untyped(model_table)), rows[:1])
    if len(rows) < 2:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        _copy(model_table, rows[1:])
        return
    statement, values = _sqlite_insert(model_table, tuple(rows[0]))
    db.session.connection().exec_driver_sql(statement, [values(row) for row in rows[1:]])


@contextmanager
def big_page_cache() -> Iterator[None]:
    """On SQLite, a page cache big enough to hold the indexes being filled, for the length of the load."""
    if db.session.get_bind().dialect.name != "sqlite":
        yield
        return
    before = db.session.execute(text("PRAGMA cache_size")).scalar_one()
    db.session.execute(text(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}"))
    try:
        yield
    finally:
        db.session.execute(text(f"PRAGMA cache_size={int(before)}"))


def write(rows: Rows) -> dict[str, int]:
    """Insert one batch, in chunks (inside audit's bulk_load()); rows per table, and of them the treatment sessions."""
    counts = {}
    for name, model_table in TABLES.items():
        data = getattr(rows, name)
        for start in range(0, len(data), CHUNK):
            _insert(model_table, data[start:start + CHUNK])
        counts[name] = len(data)
    counts[SESSIONS] = sum(1 for row in rows.appointments if row["plan_item_id"] is not None)
    return counts


def bump_sequences() -> None:
    """On PostgreSQL, move each id sequence past the ids the generator chose, so the next ORM insert works."""
    if db.session.get_bind().dialect.name != "postgresql":
        return  # SQLite hands out max(rowid) + 1 by itself
    for name in WITH_IDS:
        latest = select(func.max(TABLES[name].c.id)).scalar_subquery()
        db.session.execute(select(func.setval(func.pg_get_serial_sequence(name, "id"), latest)))
