"""Assessment rules: recording and amending what the specialist saw and screened; reading it back."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.consultations.models import Assessment
from tracker.extensions import db


def latest_assessment(enquiry_id: int) -> Assessment | None:
    """The enquiry's most recent assessment with its findings loaded, or None."""
    stmt = (select(Assessment).where(Assessment.enquiry_id == enquiry_id)
            .options(selectinload(Assessment.findings))
            .order_by(Assessment.assessed_at.desc(), Assessment.id.desc()).limit(1))
    return db.session.scalar(stmt)
