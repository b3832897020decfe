"""Readers and builders for the catalogue tests: treatment rows, the form as a browser posts it."""


from sqlalchemy import func, select

from tracker.audit.models import AuditEvent
from tracker.catalogue.models import Treatment
from tracker.extensions import db


def treatment_row(app, treatment_id: int) -> dict:
    """Everything stored for one treatment, to compare before and after a request."""
    with app.app_context():
        treatment = db.session.get(Treatment, treatment_id)
        return {c.key: getattr(treatment, c.key) for c in Treatment.__table__.columns}


def treatment_rows(app) -> list[dict]:
    """Every treatment as stored, in id order."""
    with app.app_context():
        ids = db.session.scalars(select(Treatment.id).order_by(Treatment.id)).all()
    return [treatment_row(app, i) for i in ids]


def by_code(app, code: str) -> dict:
    """A seeded treatment's row, found by its code."""
    with app.app_context():
        treatment_id = db.session.scalar(select(Treatment.id).where(Treatment.code == code))
    return treatment_row(app, treatment_id)


def catalogue_audit(app) -> int:
    """Audit rows about treatments."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.entity_type == "treatments"))


def treatment_form(**fields) -> dict:
    """The catalogue form's fields as a browser posts them (unticked boxes are not sent); override any."""
    form = {"name": "Fractional Er:YAG", "category": "resurfacing", "default_sessions": "3",
            "default_interval_weeks": "6", "price": "450.00", "review_months": "3, 6", "aftercare_label": "",
            "aftercare_from_days": "", "aftercare_to_days": "", "reflection_days": "2", "ablative": "y",
            "active": "y", "position": "10"}
    form.update(fields)
    return {k: v for k, v in form.items() if v is not None}


def edit_form(row: dict, **fields) -> dict:
    """The edit form as the page fills it for a stored treatment, with some fields changed."""
    ticked = {name: "y" if row[name] else None for name in ("ablative", "surgical", "active")}
    form = {"name": row["name"], "category": row["category"].value, "default_sessions": str(row["default_sessions"]),
            "default_interval_weeks": str(row["default_interval_weeks"]), "price": f"{row['price_pence'] / 100:.2f}",
            "review_months": ", ".join(map(str, row["review_months"])), "aftercare_label": row["aftercare_label"] or "",
            "aftercare_from_days": str(row["aftercare_from_days"] or ""),
            "aftercare_to_days": str(row["aftercare_to_days"] or ""), "reflection_days": str(row["reflection_days"]),
            "position": str(row["position"]), "version": str(row["version"]), **ticked}
    form.update(fields)
    return {k: v for k, v in form.items() if v is not None}


