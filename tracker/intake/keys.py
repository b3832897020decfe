"""Intake API keys: made (the secret shown once), found from a request's bearer token, marked used, revoked."""

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.audit import services as audit
from tracker.audit.models import AuditAction
from tracker.db import utcnow
from tracker.extensions import db
from tracker.intake.models import ApiKey

# "ct_" (so a key found in a log or a repository is recognisable), 8 hex characters that are also stored as the
# key's prefix (to tell keys apart on the admin page and in support calls), then 32 random bytes.
KEY_SHAPE = re.compile(r"ct_([0-9a-f]{8})_[A-Za-z0-9_-]{43}")
# Writing last_used_at on every request would make all requests with one key queue on its row; once a minute
# is as precise as the admin page needs.
USED_EVERY = timedelta(minutes=1)


def key_hash(secret: str) -> str:
    """The hex SHA-256 of a whole key: what is stored, looked up and rate-limited on."""
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def new_secret() -> tuple[str, str]:
    """A fresh key and its prefix."""
    prefix = secrets.token_hex(4)
    return f"ct_{prefix}_{secrets.token_urlsafe(32)}", prefix


def create_key(name: str, *, by_id: int) -> tuple[ApiKey, str]:
    """A new active key named `name`; returns it with the secret, which is never stored (only its hash)."""
    secret, prefix = new_secret()
    key = ApiKey(name=name.strip(), prefix=prefix, secret_hash=key_hash(secret), created_by_id=by_id)
    db.session.add(key)
    db.session.flush()
    return key, secret


def key_for(secret: str) -> ApiKey | None:
    """The key (active or revoked) a bearer token names; None when it is not a key this clinic made."""
    if not KEY_SHAPE.fullmatch(secret):
        return None
    return db.session.scalar(select(ApiKey).where(ApiKey.secret_hash == key_hash(secret)))


def mark_used(key: ApiKey, now: datetime) -> None:
    """Note that the key sent an enquiry (at most once a minute; not audited, not a version change)."""
    if key.last_used_at is None or now - key.last_used_at >= USED_EVERY:
        key.last_used_at = now


def revoke_key(key: ApiKey, *, version: int, by_id: int) -> None:
    """Withdraw a key: its requests get 403 from now on. Kept, with who revoked it and when."""
    audit.check_version(key, version)
    if key.revoked_at is not None:
        return
    key.revoked_at = utcnow()
    key.revoked_by_id = by_id
    db.session.flush()
    audit.record(AuditAction.REVOKE, entity=key, changes={"name": key.name, "prefix": key.prefix})


def keys_listing() -> list[ApiKey]:
    """Every key with who made and revoked it: active ones first, newest first."""
    return db.session.scalars(
        select(ApiKey).options(selectinload(ApiKey.created_by), selectinload(ApiKey.revoked_by))
        .order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id.desc())).all()
