"""The append-only audit table and the marker that makes a model audited."""

import enum
from datetime import datetime
from functools import cache
from typing import Any, ClassVar, Optional

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import UTCDateTime, utcnow
from tracker.extensions import db


class AuditAction(enum.StrEnum):
    """What happened."""

    CREATE = "create"
    UPDATE = "update"
    ARCHIVE = "archive"
    RESTORE = "restore"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    LOGOUT = "logout"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an action name)
    PASSWORD_SET = "password_set"  # noqa: S105
    VIEW = "view"
    EXPORT = "export"
    BULK_LOAD = "bulk_load"  # many rows loaded at once (demo data, imports): one event for the whole load
    MERGE = "merge"  # two patients made one: both ids, and what moved
    REVOKE = "revoke"  # an API key withdrawn
    EXPORT_ENDED = "export_ended"  # an export's stream ended: rows sent, completed or cut short (after its EXPORT)
    ACCESS_DENIED = "access_denied"  # a signed-in user was refused a page (403): which, and the permission needed

    @property
    def label(self) -> str:
        return _LABELS.get(self.value) or self.value.replace("_", " ").capitalize()


_LABELS = {"access_denied": "Access refused"}
# The events whose changes are [before, after] pairs of a record's columns.
ROW_CHANGES = frozenset({AuditAction.CREATE, AuditAction.UPDATE, AuditAction.ARCHIVE, AuditAction.RESTORE})


# The record's own id is in entity_id; bookkeeping columns say nothing a person changed.
ALWAYS_EXCLUDED = frozenset({"id", "version", "created_at", "updated_at"})


class Audited:
    """Mixin: creates, changes and archiving of this model are recorded automatically.

    `__audit_exclude__` names columns never written to the trail (secrets, bookkeeping).
    """

    __audit_exclude__: ClassVar[frozenset[str]] = frozenset()
    # Columns whose values are clinical detail ("*": every column), for the trail to know which of its
    # rows only clinical readers may see, and to audit their viewing.
    __clinical_columns__: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def audited_columns(cls) -> list[str]:
        """The columns whose changes the trail records."""
        excluded = ALWAYS_EXCLUDED | cls.__audit_exclude__
        return [attr.key for attr in sa_inspect(cls).column_attrs if attr.key not in excluded]


def _set_listener(_target, _value, _oldvalue, _initiator) -> None:
    """Does nothing itself: registering it with active_history=True is what loads the old value."""


@event.listens_for(Audited, "mapper_configured", propagate=True)
def _keep_old_values(_mapper, cls) -> None:
    """Make each audited column load its stored value before it is overwritten.

    Without this, setting a column whose value was expired (after a commit) leaves no
    "before" in the history, and the trail would show None as the old value.
    """
    for key in cls.audited_columns():
        event.listen(getattr(cls, key), "set", _set_listener, active_history=True)


@cache
def clinical_columns() -> dict[str, frozenset[str]]:
    """Table name → its clinical columns ("*": all), for the audited tables that have any."""
    return {m.local_table.name: m.class_.__clinical_columns__ for m in AuditEvent.registry.mappers
            if issubclass(m.class_, Audited) and m.class_.__clinical_columns__}


@cache
def audited_tables() -> frozenset[str]:
    """Names of the tables whose rows the trail follows, the trail's own table included."""
    mappers = AuditEvent.registry.mappers
    return frozenset(m.local_table.name for m in mappers if issubclass(m.class_, Audited)) | {AuditEvent.__tablename__}


class AuditEvent(db.Model):
    """One thing that happened; rows are only ever inserted."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    # Who it was when there is no account to point at (an unknown e-mail at login, the CLI).
    actor_label: Mapped[Optional[str]] = mapped_column(String(320))
    action: Mapped[AuditAction] = mapped_column(
        Enum(AuditAction, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e]),
        index=True,
    )
    entity_type: Mapped[Optional[str]] = mapped_column(String(64))
    entity_id: Mapped[Optional[int]] = mapped_column(Integer)
    changes: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    ip_address: Mapped[Optional[str]] = mapped_column(String(64))
    request_id: Mapped[Optional[str]] = mapped_column(String(64))

    actor = relationship("User", foreign_keys=[actor_id], lazy="raise")

