"""Builders and readers shared by the duplicate, merge and match tests."""

from sqlalchemy import select

from tracker.enquiries.models import Enquiry, MatchStrength
from tracker.extensions import db
from tracker.patients.models import ContactKind, PatientContact


def add_contact(app, patient_id: int, value: str, kind: ContactKind = ContactKind.PHONE, note: str | None = None):
    """A further phone number or e-mail on a patient, committed."""
    with app.app_context():
        db.session.add(PatientContact(patient_id=patient_id, kind=kind, value=value, note=note))
        db.session.commit()


def flag_match(app, enquiry_id: int, patient_id: int, strength=MatchStrength.STRONG,
               reason: str = "same phone number") -> None:
    """Mark an enquiry as possibly the same person as a patient, as the intake service does."""
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        enquiry.match_patient_id, enquiry.match_strength, enquiry.match_reason = patient_id, strength, reason
        db.session.commit()


def contacts(app, patient_id: int) -> set[tuple[str, str]]:
    """(kind, value) of a patient's further contacts."""
    with app.app_context():
        rows = db.session.execute(select(PatientContact.kind, PatientContact.value)
                                  .where(PatientContact.patient_id == patient_id)).all()
        return {(kind.value, value) for kind, value in rows}
