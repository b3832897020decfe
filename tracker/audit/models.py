"""The append-only audit table and the marker that makes a model audited."""

import enum
from datetime import datetime
from typing import Any, ClassVar, Optional

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, event
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

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Audited:
    """Mixin: creates, changes and archiving of this model are recorded automatically.

    `__audit_exclude__` names columns never written to the trail (secrets, bookkeeping).
    """

    __audit_exclude__: ClassVar[frozenset[str]] = frozenset()


def _remember_old_value(_target, value, _oldvalue, _initiator):
    return value


@event.listens_for(Audited, "mapper_configured", propagate=True)
def _keep_old_values(mapper, cls) -> None:
    """Make each audited column load its stored value before it is overwritten.

    Without this, setting a column whose value was expired (after a commit) leaves no
    "before" in the history, and the trail would show None as the old value.
    """
    for attr in mapper.column_attrs:
        if attr.key not in cls.__audit_exclude__:
            event.listen(getattr(cls, attr.key), "set", _remember_old_value, active_history=True, retval=True)


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
