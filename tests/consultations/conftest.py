"""Builders for the assessment tests: a started consultation, the assessment form as a browser posts it."""

import html
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.consultations.models import SCREEN_QUESTIONS, Assessment, ScarFinding, ScarType
from tracker.consultations.scoring import COUNT_COLUMNS
from tracker.db import utcnow
from tracker.enquiries.models import Enquiry
from tracker.enquiries.stages import Stage
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
def consultation(app, make_user, make_enquiry) -> Callable:
    """Builder: an enquiry at consultation booked with a consultation that started `hours_ago` (negative: future).

    Written straight to the table: booking refuses the past. Returns (appointment id, enquiry id).
    """

    def build(practitioner=None, hours_ago: float = 1, status: AppointmentStatus = AppointmentStatus.BOOKED,
              kind: AppointmentKind = AppointmentKind.CONSULTATION) -> tuple[int, int]:
        practitioner = practitioner or make_user("specialist")
        enquiry_id = make_enquiry()
        with app.app_context():
            enquiry = db.session.get(Enquiry, enquiry_id)
            enquiry.stage = Stage.CONSULTATION_BOOKED
            starts = utcnow() - timedelta(hours=hours_ago)
            appointment = Appointment(enquiry_id=enquiry_id, kind=kind, practitioner_id=practitioner.id,
                                      starts_at=starts, ends_at=starts + timedelta(minutes=30), status=status)
            db.session.add(appointment)
            db.session.commit()
            return appointment.id, enquiry_id

    return build


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


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def field_error(response, field_id: str) -> str:
    """The error shown beside a field ('' if none), unescaped."""
    found = re.search(rf'id="{re.escape(field_id)}-error"[^>]*>(.*?)</div>', response.get_data(as_text=True), re.S)
    return html.unescape(found.group(1)).strip() if found else ""
