"""Reading the treatment catalogue."""

from sqlalchemy import select

from tracker.catalogue.models import Treatment
from tracker.extensions import db


def active_treatments() -> list[Treatment]:
    """Treatments on offer, in catalogue order."""
    return list(db.session.scalars(select(Treatment).where(Treatment.active).order_by(Treatment.position)))


def treatments_by_id(ids: list[int]) -> list[Treatment]:
    """The active treatments with these ids (unknown or retired ids are left out)."""
    if not ids:
        return []
    stmt = select(Treatment).where(Treatment.id.in_(ids), Treatment.active).order_by(Treatment.position)
    return list(db.session.scalars(stmt))
