"""A user's secret calendar feed address, stored only as a hash."""

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.audit.models import Audited
from tracker.db import UTCDateTime, utcnow
from tracker.extensions import db

_LIVE = text("revoked_at IS NULL")


class CalendarFeed(Audited, db.Model):
    """A subscription address for calendar programs; revoking it (or deactivating its user) ends the feed.

    Only the SHA-256 of the token is stored: the address is shown once, when it is made.
    """

    __tablename__ = "calendar_feeds"
    __audit_exclude__ = frozenset({"token_hash", "last_fetched_at"})
    __table_args__ = (Index("uq_calendar_feeds_user_id_live", "user_id", unique=True,
                            sqlite_where=_LIVE, postgresql_where=_LIVE),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_fetched_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user = relationship("User", lazy="raise")
