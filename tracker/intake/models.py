"""API keys for the intake API, and the API's record of what each key sent (for repeats and retries)."""

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.audit.models import Audited
from tracker.db import TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from tracker.extensions import db


class ApiKey(Audited, TimestampMixin, VersionedMixin, db.Model):
    """A key the clinic's website (or a form service) sends enquiries with. Revoked, never deleted.

    Only a SHA-256 of the secret is kept: keys are long random strings, so a fast hash is enough to make a
    stolen table useless, and it lets each request find its key by an index lookup. The secret is shown once.
    """

    __tablename__ = "api_keys"
    __audit_exclude__ = frozenset({"secret_hash", "last_used_at"})
    __version_ignore__ = frozenset({"last_used_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))  # the key's first characters, to tell keys apart
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256 of the whole key
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))

    created_by = relationship("User", foreign_keys=[created_by_id], lazy="raise")
    revoked_by = relationship("User", foreign_keys=[revoked_by_id], lazy="raise")

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ApiSubmission(db.Model):
    """One enquiry an API key created: finds exact repeats (same key and payload within minutes) and replays
    an `Idempotency-Key` retry with the first answer. Bookkeeping of the API, not a clinical record."""

    __tablename__ = "api_submissions"
    __table_args__ = (UniqueConstraint("api_key_id", "idempotency_key",
                                       name="uq_api_submissions_api_key_id_idempotency_key"),
                      Index("ix_api_submissions_api_key_id_payload_hash_at", "api_key_id", "payload_hash", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    payload_hash: Mapped[str] = mapped_column(String(64))  # hex SHA-256 of the canonical JSON payload
    idempotency_key: Mapped[Optional[str]] = mapped_column(String(255))
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiries.id"), index=True)
    status_code: Mapped[int] = mapped_column(Integer, default=201)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
