"""Helpers for the public form's tests: turn the form on, sign a start time in the past, count what is stored."""

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from tracker.audit.models import AuditEvent
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.intake import spam
from tracker.intake.public_form import form_settings
from tracker.patients.models import Patient

CLINIC_PHONE = "+442079460123"  # Ofcom's London drama range


def enable_form(app, make_user, **fields) -> None:
    """An administrator exists (so the first-run page is not shown) and the public form is on, with `fields` set."""
    make_user("admin")
    with app.app_context():
        settings = form_settings()
        settings.enabled = True
        settings.clinic_phone = CLINIC_PHONE
        for name, value in fields.items():
            setattr(settings, name, value)
        db.session.commit()


def started(app, seconds_ago: int = 60) -> str:
    """A start-time token as the page would have signed it `seconds_ago` seconds ago."""

    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return super().get_timestamp() - seconds_ago

    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=spam.SALT, signer=Earlier).dumps("enquire")


def valid_form(app, **overrides) -> dict:
    """A complete, valid submission (started a minute ago)."""
    return {"first_name": "Ada", "last_name": "Lovelace", "phone": "07700 900123", "email": "",
            "preferred_contact": "any", "preferred_times": "weekday mornings", "message": "Hello",
            "source": "", "website": "", "started": started(app), **overrides}


def stored(app) -> tuple[int, int, int]:
    """(patients, enquiries, audit events) in the database."""
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Patient, Enquiry, AuditEvent))
