"""Helpers for the intake API's tests: a key, a valid payload, a POST, and counts of what is stored."""

from sqlalchemy import func, select

from tracker.audit.models import AuditEvent
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.intake import keys
from tracker.intake.models import ApiKey, ApiSubmission
from tracker.patients.models import Patient

URL = "/api/v1/enquiries"


def make_key(app, make_user, name: str = "Clinic website") -> tuple[int, str]:
    """(id, secret) of a new active key, made by a new administrator (who also ends the first-run page)."""
    admin = make_user("admin")
    with app.app_context():
        key, secret = keys.create_key(name, by_id=admin.id)
        db.session.commit()
        return key.id, secret


def payload(**overrides) -> dict:
    """A complete, valid enquiry."""
    return {"first_name": "Ada", "last_name": "Lovelace", "phone": "07700 900123", "email": "ada@example.org",
            "preferred_contact": "phone", "concerns": ["boxcar"], "message": "Hello", **overrides}


def send(client, secret: str | None, body=None, *, headers: dict | None = None, **kwargs):
    """POST to the API with the key (as a bearer token) and `body` as JSON."""
    sent = {"Authorization": f"Bearer {secret}"} if secret else {}
    sent.update(headers or {})
    return client.post(URL, json=payload() if body is None else body, headers=sent, csrf=False, **kwargs)


def stored(app) -> tuple[int, ...]:
    """(patients, enquiries, API submissions, audit events) in the database."""
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Patient, Enquiry, ApiSubmission, AuditEvent))


def key_row(app, key_id: int) -> ApiKey:
    """The key as stored now."""
    with app.app_context():
        key = db.session.get(ApiKey, key_id)
        db.session.expunge(key)
        return key
