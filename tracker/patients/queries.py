"""Reads for the patient pages."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.enquiries.models import Enquiry
from tracker.extensions import db


def open_enquiries(patient_id: int) -> list[Enquiry]:
    """The patient's enquiries not archived, newest first, with whom each is assigned to and its source."""
    return db.session.scalars(
        select(Enquiry).where(Enquiry.patient_id == patient_id, Enquiry.archived_at.is_(None))
        .options(joinedload(Enquiry.assigned_to), joinedload(Enquiry.source))
        .order_by(Enquiry.received_at.desc())).all()
