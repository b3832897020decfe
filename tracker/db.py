"""Declarative base with a constraint naming convention, column types and model mixins."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import ClassVar

from flask import current_app, has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import DateTime, Index, Integer, MetaData, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model; constraint names follow NAMING_CONVENTION."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class LegacyBulkWriteError(RuntimeError):
    """A legacy bulk_* method was called; it would skip the audit trail and version counter."""


class TrackerSession(FlaskSession):
    """The ORM session, without the legacy bulk_* methods.

    They write without a flush, so without the flush events that keep the audit trail and
    the version counter. Add objects instead, or execute(insert(Model), rows) for tables
    that are not audited.
    """

    def _refuse_legacy_bulk(self, *_args, **_kwargs):
        raise LegacyBulkWriteError("legacy bulk writes bypass the audit trail; add or change objects instead")

    bulk_save_objects = bulk_insert_mappings = bulk_update_mappings = _refuse_legacy_bulk


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A datetime stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware values only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Hundredths(TypeDecorator):
    """A Decimal with two places stored exactly, as an integer count of hundredths (never a float)."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int((Decimal(value) * 100).to_integral_value(ROUND_HALF_UP))

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value) / 100


def archived_index(table: str) -> Index:
    """An index of the archived rows only.

    Lists read the live rows (archived_at IS NULL), nearly all of them: a plain index on
    archived_at would tempt the planner into reading the whole table through it and then
    sorting. The archive page reads the few archived rows, which this partial index serves.
    """
    where = text("archived_at IS NOT NULL")
    return Index(f"ix_{table}_archived_at", "archived_at", sqlite_where=where, postgresql_where=where)


class TimestampMixin:
    """created_at and updated_at, set by the application in UTC."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class VersionedMixin:
    """A version counter: a stale write raises StaleDataError instead of overwriting.

    The counter rises only when a column outside `__version_ignore__` changes, so
    bookkeeping (a colleague signing in) does not make someone's open edit form stale.
    """

    __version_ignore__: ClassVar[frozenset[str]] = frozenset()
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        # The ORM still puts the loaded version in every UPDATE's WHERE; _bump_versions sets the new one.
        return {"version_id_col": cls.version, "version_id_generator": False}


_NEVER_VERSIONED = frozenset({"version", "updated_at"})


def _bump_versions(session: Session, _flush_context, _instances) -> None:
    for obj in session.dirty:
        if not isinstance(obj, VersionedMixin):
            continue
        state = inspect(obj)
        changed = {attr.key for attr in state.mapper.column_attrs if state.attrs[attr.key].history.has_changes()}
        if changed - _NEVER_VERSIONED - obj.__version_ignore__:
            obj.version += 1


def install_versioning() -> None:
    """Attach the version counter to every ORM session (once per process)."""
    if not event.contains(Session, "before_flush", _bump_versions):
        event.listen(Session, "before_flush", _bump_versions)


_READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


def writes_on_read(view):
    """Mark a GET view that writes (such as auditing who viewed a clinical record).

    On SQLite its transaction then begins IMMEDIATE like any write, instead of beginning
    deferred and failing at its first write if another worker wrote in between.
    """
    view.writes_on_read = True
    return view


_reading: ContextVar[bool] = ContextVar("db_reading", default=False)


@contextmanager
def reading() -> Iterator[None]:
    """Transactions begun inside the block only read: on SQLite they begin deferred, so a long read (a background
    export) holds no write lock and keeps no one else's save waiting. The block must write nothing."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def _read_only_request() -> bool:
    if _reading.get():
        return True
    if not has_request_context() or request.method not in _READ_ONLY_METHODS:
        return False
    return not getattr(current_app.view_functions.get(request.endpoint), "writes_on_read", False)


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, a busy timeout, and BEGIN IMMEDIATE for write transactions.

    pysqlite's own BEGIN is deferred: a transaction that reads and then writes asks for the
    write lock late and gets "database is locked" at once, whatever the busy timeout, when
    another worker wrote in between. Taking the write lock at BEGIN makes concurrent
    workers queue on the busy timeout instead. Requests that only read (GET, HEAD) begin
    deferred: under WAL they take no lock and never wait for writers. A GET view that
    writes must say so with @writes_on_read. Outside requests (the CLI, migrations,
    scripts) every transaction is a write transaction.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN" if _read_only_request() else "BEGIN IMMEDIATE")


def configure_postgresql(engine) -> None:
    """Each new PostgreSQL connection runs without JIT compilation.

    JIT pays off on long analytical queries over huge tables; here it compiled the pipeline report's one long
    statement for 2 s before running it for 2 (a million enquiries), and short page queries never gain from it.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("SET jit = off")
        cursor.close()
        dbapi_connection.commit()
