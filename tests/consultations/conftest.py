"""Builders for the assessment tests: a started consultation, the assessment form as a browser posts it."""

from collections.abc import Callable

import pytest
from sqlalchemy import select

from tracker.consultations.models import SCREEN_QUESTIONS, Assessment, ScarFinding, ScarType
from tracker.consultations.scoring import COUNT_COLUMNS
from tracker.extensions import db


def finding(present: bool = True, **fields) -> dict:
    """One scar type's fieldset as posted (field names without the type prefix); absent means unticked."""
    return {"present": "y", **fields} if present else dict(fields)


def assessment_form(findings: dict[ScarType, dict] | None = None, **fields) -> dict:
    """The whole assessment form as a browser posts it: a plain valid assessment unless changed."""
    findings = {ScarType.ROLLING: finding(count="8", width_mm="5", depth_mm="0.5", size_basis="estimated",
                                          areas=["cheek_left", "cheek_right"])} if findings is None else findings
    data = {"skin_type": "III", "distensible": "yes", "predominant": "", "gb_grade": "3",
            **{column: "" for column in COUNT_COLUMNS}, "gb_shallow_broad": "8", "gb_keloid_area": "none",
            "notes": "", "isotretinoin": "no", "isotretinoin_last_taken": "", "herpes": "none", "wellbeing_note": "",
            **{column: "no" for column, _ in SCREEN_QUESTIONS}}
    for scar_type, values in findings.items():
        data.update({f"{scar_type.value}-{name}": value for name, value in values.items()})
    data.update(fields)
    return data


@pytest.fixture
def recorded(app, client, consultation) -> Callable:
    """Builder: an assessment recorded through the form by the signed-in specialist; returns its id."""

    def build(form: dict | None = None, **kwargs) -> int:
        appointment_id, _ = consultation(**kwargs)
        response = client.post(f"/consultations/{appointment_id}/assessment", data=form or assessment_form())
        assert response.status_code == 302, response.get_data(as_text=True)
        with app.app_context():
            return db.session.scalar(select(Assessment.id).where(Assessment.appointment_id == appointment_id))

    return build


def assessment_rows(app) -> list[dict]:
    """Every assessment with its findings, as plain values, to compare before and after a request."""
    with app.app_context():
        rows = []
        for a in db.session.scalars(select(Assessment).order_by(Assessment.id)):
            findings = db.session.scalars(select(ScarFinding).where(ScarFinding.assessment_id == a.id)
                                          .order_by(ScarFinding.position))
            rows.append({**{c.key: getattr(a, c.key) for c in Assessment.__table__.columns},
                         "findings": [{c.key: getattr(f, c.key) for c in ScarFinding.__table__.columns}
                                      for f in findings]})
        return rows


