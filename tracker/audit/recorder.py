"""Writes the audit trail from the ORM session, in the same transaction as the change."""

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from flask import g, has_app_context, has_request_context
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import ORMExecuteState, Session

from tracker.audit.models import AuditAction, Audited, AuditEvent, audited_tables
from tracker.db import utcnow


class AuditIntegrityError(RuntimeError):
    """Something tried to change or delete an audit row, or delete an audited record."""


_bulk_loading: ContextVar[bool] = ContextVar("audit_bulk_loading", default=False)


@contextmanager
def bulk_load() -> Iterator[None]:
    """Allow bulk INSERTs on audited tables inside the block; UPDATE and DELETE stay refused.

    The one escape hatch from _refuse_bulk_changes, for loaders of many new rows (the demo
    data) that would take minutes through the ORM. Rows inserted this way get no per-row
    CREATE events: the loader must record one AuditAction.BULK_LOAD event saying what it loaded.
    The flag is a context variable, so it holds only for the code inside the block, never for
    another thread's requests.
    """
    token = _bulk_loading.set(True)
    try:
        yield
    finally:
        _bulk_loading.reset(token)


def request_context() -> dict[str, Any]:
    """Actor, address and request id of the current request; outside one, the background job acting for someone
    (tracker.jobs) or the command line."""
    if not has_request_context():
        if has_app_context() and g.get("audit_actor_label"):
            return {"actor_id": g.get("audit_actor_id"), "actor_label": g.audit_actor_label}
        return {"actor_label": "command line"}
    return {
        "actor_id": g.get("audit_actor_id"),
        "ip_address": g.get("client_ip"),
        "request_id": g.get("request_id"),
    }


def jsonable(value: Any) -> Any:
    """A JSON-safe form of a column value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _changes(obj: Audited) -> dict[str, list[Any]]:
    state = inspect(obj)
    changes = {}
    for key in obj.audited_columns():
        history = state.attrs[key].history
        if history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                changes[key] = [jsonable(old), jsonable(new)]
    return changes


def _row(obj: Audited, action: AuditAction, changes: dict, context: dict) -> dict:
    return {
        "at": utcnow(),
        "action": action,
        "entity_type": type(obj).__tablename__,
        "entity_id": inspect(obj).mapper.primary_key_from_instance(obj)[0],
        "changes": changes,
        **context,
    }


def _update_action(changes: dict) -> AuditAction:
    archived = changes.get("archived_at")
    if archived and archived[0] is None:
        return AuditAction.ARCHIVE
    if archived and archived[1] is None:
        return AuditAction.RESTORE
    return AuditAction.UPDATE


def _refuse_tampering(session: Session, _flush_context, _instances) -> None:
    for obj in session.dirty | session.deleted:
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditIntegrityError("audit rows are append-only")
    for obj in session.deleted:
        if isinstance(obj, Audited):
            raise AuditIntegrityError(f"{type(obj).__name__} records are archived, never deleted")


def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    """Bulk INSERT/UPDATE/DELETE statements skip the flush, and with it the trail: refuse them."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if state.is_insert and _bulk_loading.get():
        return  # inside bulk_load(): the loader records one BULK_LOAD event instead
    table = getattr(state.statement, "table", None)
    if table is not None and table.name in audited_tables():
        kind = "INSERT" if state.is_insert else "UPDATE" if state.is_update else "DELETE"
        raise AuditIntegrityError(f"bulk {kind} on {table.name} would bypass the audit trail; "
                                  "add or change the objects instead")


def _record_changes(session: Session, _flush_context) -> None:
    context = request_context()
    rows = []
    for obj in session.new:
        if isinstance(obj, Audited):
            created = {key: [None, jsonable(getattr(obj, key))] for key in obj.audited_columns()}
            rows.append(_row(obj, AuditAction.CREATE, created, context))
    for obj in session.dirty:
        if isinstance(obj, Audited) and (changes := _changes(obj)):
            rows.append(_row(obj, _update_action(changes), changes, context))
    if rows:
        # Core insert on the flush's own connection: the ORM cannot add objects mid-flush.
        session.connection().execute(insert(AuditEvent.__table__), rows)


def install() -> None:
    """Attach the recorder to every ORM session (once per process)."""
    if not event.contains(Session, "after_flush", _record_changes):
        event.listen(Session, "before_flush", _refuse_tampering)
        event.listen(Session, "after_flush", _record_changes)
        event.listen(Session, "do_orm_execute", _refuse_bulk_changes)
