"""What each API key sent: finds a retry (same Idempotency-Key) or an exact repeat, and records each new enquiry."""

from datetime import datetime

from sqlalchemy import select

from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.intake.models import ApiKey, ApiSubmission

CREATED = 201


def answer(enquiry: Enquiry) -> dict:
    """The 201 body for an enquiry the API created (also what a retry gets back)."""
    return {"id": enquiry.id, "status": "new", "possible_match": enquiry.match_patient_id is not None}


def earlier_with_key(key: ApiKey, idempotency_key: str) -> ApiSubmission | None:
    """The submission this key already made with this Idempotency-Key, if any (kept for good: a retry may be late)."""
    return db.session.scalar(select(ApiSubmission).where(ApiSubmission.api_key_id == key.id,
                                                         ApiSubmission.idempotency_key == idempotency_key))


def repeat_of(key: ApiKey, payload_hash: str, since: datetime) -> ApiSubmission | None:
    """The latest submission of exactly this payload by this key since `since`: a double click or a resend."""
    return db.session.scalar(select(ApiSubmission)
                             .where(ApiSubmission.api_key_id == key.id, ApiSubmission.payload_hash == payload_hash,
                                    ApiSubmission.at >= since)
                             .order_by(ApiSubmission.at.desc(), ApiSubmission.id.desc()).limit(1))


def record(key: ApiKey, enquiry: Enquiry, *, payload_hash: str, idempotency_key: str | None,
           at: datetime) -> ApiSubmission:
    """Note that the key created the enquiry (flushes: a concurrent retry with the same Idempotency-Key fails here)."""
    submission = ApiSubmission(api_key_id=key.id, payload_hash=payload_hash, idempotency_key=idempotency_key,
                               enquiry_id=enquiry.id, status_code=CREATED, at=at)
    db.session.add(submission)
    db.session.flush()
    return submission
