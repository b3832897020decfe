"""Reading the treatment catalogue."""

from sqlalchemy import select

from tracker.catalogue.models import Treatment
from tracker.extensions import db


def active_treatments() -> list[Treatment]:
    """Treatments on offer, in catalogue order."""
    return list(db.session.scalars(select(Treatment).where(Treatment.active).order_by(Treatment.position)))


def treatments_by_id(ids: list[int], *, keeping: list[Treatment] = ()) -> list[Treatment]:
    """The treatments with these ids: active ones, and retired ones a record already had (`keeping`)."""
    if not ids:
        return []
    kept = [t.id for t in keeping]
    stmt = (select(Treatment).where(Treatment.id.in_(ids), Treatment.active | Treatment.id.in_(kept))
            .order_by(Treatment.position))
    return list(db.session.scalars(stmt))
