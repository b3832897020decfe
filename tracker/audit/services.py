"""Recording events that are not row changes, and reading the trail."""

from datetime import datetime
from typing import Any

from sqlalchemy import Select, inspect, select
from sqlalchemy.orm import joinedload

from tracker.audit.models import ROW_CHANGES, AuditAction, AuditEvent, audited_tables, clinical_columns
from tracker.audit.recorder import request_context
from tracker.errors import ConflictError
from tracker.extensions import db


def _key(entity: Any) -> int:
    """A record's primary key (most are `id`; the opening hours are keyed by weekday)."""
    return inspect(entity).mapper.primary_key_from_instance(entity)[0]


def record(
    action: AuditAction,
    *,
    entity: Any = None,
    actor_id: int | None = None,
    actor_label: str | None = None,
    changes: dict | None = None,
) -> AuditEvent:
    """Add an audit event for something other than a row change (login, view, export)."""
    context = request_context()
    if actor_id is not None:
        context["actor_id"] = actor_id
    if actor_label is not None:
        context["actor_label"] = actor_label
    event = AuditEvent(
        action=action,
        entity_type=type(entity).__tablename__ if entity is not None else None,
        entity_id=_key(entity) if entity is not None else None,
        changes=changes,
        **context,
    )
    db.session.add(event)
    return event


def last_change(entity: Any) -> AuditEvent | None:
    """The latest create/update/archive/restore event of a record, with its actor loaded."""
    stmt = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(
            AuditEvent.entity_type == type(entity).__tablename__,
            AuditEvent.entity_id == _key(entity),
            AuditEvent.action.in_(
                [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.ARCHIVE, AuditAction.RESTORE]
            ),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return db.session.scalar(stmt)


def check_version(entity: Any, version: int | None) -> None:
    """Refuse a save made from a form opened on an older version: ConflictError naming who changed it."""
    if entity.version != version:
        last = last_change(entity)
        raise ConflictError(
            changed_by=last.actor.full_name if last and last.actor else None,
            changed_at=last.at if last else None,
        )


def events_query(
    *,
    actor_id: int | None = None,
    entity_type: str | None = None,
    entity_id: int | None = None,
    action: AuditAction | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """Audit events, newest first, narrowed by whichever filters are given."""
    stmt = select(AuditEvent).options(joinedload(AuditEvent.actor)).order_by(AuditEvent.id.desc())
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    if entity_id is not None:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    if action is not None:
        stmt = stmt.where(AuditEvent.action == action)
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.at < until)
    return stmt


def entity_types() -> list[str]:
    """Table names of the audited record types, for the trail's filter."""
    return sorted(audited_tables() - {AuditEvent.__tablename__})


def clinical_records(events: list[AuditEvent]) -> list[str]:
    """The records ("table id") whose clinical values these events show: changes to a clinical column."""
    clinical, found = clinical_columns(), []
    for event in events:
        columns = clinical.get(event.entity_type)
        if (event.action in ROW_CHANGES and columns and isinstance(event.changes, dict)
                and ("*" in columns or columns & event.changes.keys())):
            found.append(f"{event.entity_type} {event.entity_id}")
    return list(dict.fromkeys(found))


def record_committed(action: AuditAction, *, entity: Any = None, changes: dict | None = None) -> int:
    """Write one event in a transaction of its own that starts with the write, commit it, and return its id.

    The request's reading transaction is closed first (which leaves the loaded objects as they were and gives its
    connection back to the pool), so the request never holds two connections, and SQLite never has to turn a
    reading transaction into a writing one, which fails at once if another worker wrote in between. Refuses to
    run with changes pending, which closing would throw away.
    """
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("record_committed would discard pending changes; commit or roll back first")
    db.session.close()
    event = record(action, entity=entity, changes=changes)
    db.session.flush()
    event_id = event.id
    db.session.commit()
    return event_id


def record_view_after_reading(entity: Any, what: str, **details: Any) -> None:
    """Write a VIEW event once a page is rendered, committed in a transaction of its own (record_committed).

    Pages read by everyone, which audit only some readers, so need not take the write lock for all of them.
    """
    record_committed(AuditAction.VIEW, entity=entity, changes={"viewed": what, **details})
