"""Writing demo rows fast: ids from each table's max, chunked Core inserts, then PostgreSQL's sequences."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from sqlalchemy import JSON, Table, TableClause, bindparam, column, func, insert, literal_column, select, table, text

from tracker.bookings.models import Appointment
from tracker.demo.generator import Rows
from tracker.enquiries.models import ContactAttempt, Enquiry, EnquiryConcern, StageChange, enquiry_treatments
from tracker.extensions import db
from tracker.patients.models import Patient

# In insertion order: parents before the rows that point at them.
TABLES = {
    "patients": Patient.__table__,
    "enquiries": Enquiry.__table__,
    "enquiry_concerns": EnquiryConcern.__table__,
    "enquiry_treatments": enquiry_treatments,
    "stage_changes": StageChange.__table__,
    "contact_attempts": ContactAttempt.__table__,
    "appointments": Appointment.__table__,
}
WITH_IDS = ("patients", "enquiries", "stage_changes", "contact_attempts", "appointments")
CHUNK = 10_000  # rows per statement: big enough to be fast, small enough to keep the driver's buffers modest
SQLITE_CACHE_KIB = 256 * 1024


def first_ids() -> dict[str, int]:
    """The next free id of each table the generator numbers itself."""
    return {name: (db.session.scalar(select(func.max(TABLES[name].c.id))) or 0) + 1 for name in WITH_IDS}


@cache
def _untyped(model_table: Table) -> TableClause:
    """The table's name and columns without their types or defaults.

    The generator gives every value as the database reads it (datetimes and dates as text,
    StrEnum members bind as their values), so the types' per-value conversion, most of the
    cost of a Core executemany, is skipped without changing what is written. A column the
    rows leave out (notes, archived_at) is NULL.
    """
    return table(model_table.name, *(column(c.name) for c in model_table.columns))


def _insert(model_table: Table, rows: list[dict]) -> None:
    """One Core INSERT of rows with the same keys; on PostgreSQL one statement reading them as JSON.

    psycopg sends an executemany row by row, and a row costs the client more than the server:
    INSERT … SELECT … FROM json_populate_recordset(NULL::table, :rows) takes the whole chunk at once.
    """
    target = _untyped(model_table)
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(insert(target), rows)
        return
    names = list(rows[0])
    source = func.json_populate_recordset(literal_column(f"NULL::{model_table.name}"), bindparam("rows", type_=JSON))
    statement = insert(target).from_select(names, select(*(column(name) for name in names)).select_from(source))
    db.session.execute(statement, {"rows": rows})


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
    """Insert one batch, in chunks (inside audit's bulk_load()); rows per table."""
    counts = {}
    for name, model_table in TABLES.items():
        data = getattr(rows, name)
        for start in range(0, len(data), CHUNK):
            _insert(model_table, data[start:start + CHUNK])
        counts[name] = len(data)
    return counts


def bump_sequences() -> None:
    """On PostgreSQL, move each id sequence past the ids the generator chose, so the next ORM insert works."""
    if db.session.get_bind().dialect.name != "postgresql":
        return  # SQLite hands out max(rowid) + 1 by itself
    for name in WITH_IDS:
        latest = select(func.max(TABLES[name].c.id)).scalar_subquery()
        db.session.execute(select(func.setval(func.pg_get_serial_sequence(name, "id"), latest)))
