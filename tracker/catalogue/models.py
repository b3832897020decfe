"""A treatment the clinic offers."""

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.audit.models import Audited
from tracker.db import TimestampMixin, VersionedMixin
from tracker.extensions import db


class Treatment(Audited, TimestampMixin, VersionedMixin, db.Model):
    """A catalogue entry; retired with `active`, never deleted (enquiries and plans point at it)."""

    __tablename__ = "treatments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __str__(self) -> str:
        return self.name
