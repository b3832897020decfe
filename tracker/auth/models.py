"""The staff account."""

import secrets
from datetime import datetime
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import Boolean, Enum, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.audit.models import Audited
from tracker.db import TimestampMixin, UTCDateTime, VersionedMixin
from tracker.extensions import db
from tracker.permissions import Role, role_can


def new_session_token() -> str:
    """A fresh random token; changing it ends every session of the account."""
    return secrets.token_urlsafe(24)


class User(Audited, TimestampMixin, VersionedMixin, UserMixin, db.Model):
    """A member of staff who signs in. Never deleted: records point at users."""

    __tablename__ = "users"
    __audit_exclude__ = frozenset({"password_hash", "session_token", "last_login_at"})
    __version_ignore__ = __audit_exclude__ | {"password_changed_at"}

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-case
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """Flask-Login's alternative token: the id plus the rotating session token."""
        return f"{self.id}.{self.session_token}"

    def can(self, permission: str) -> bool:
        """Whether this user's role holds a permission."""
        return role_can(self.role, permission)
