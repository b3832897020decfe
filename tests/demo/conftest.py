"""Fixtures for the demo data: a seeded database, and a snapshot of what it holds."""

from collections.abc import Callable

import pytest
from sqlalchemy import select

from tracker.bookings.models import Appointment, AppointmentKind
from tracker.consultations.models import Assessment, ScarFinding
from tracker.enquiries.models import ContactAttempt, Enquiry, StageChange
from tracker.extensions import db
from tracker.patients.models import Patient
from tracker.plans.models import PlanItem, TreatmentPlan
from tracker.settings.models import Option


def seed(app, *args: str):
    """Run `flask seed-demo` with these arguments."""
    return app.test_cli_runner().invoke(args=["seed-demo", *args])


@pytest.fixture
def seeded(app):
    """The app after `flask seed-demo --enquiries 300 --seed 7`."""
    result = seed(app, "--enquiries", "300", "--seed", "7")
    assert result.exit_code == 0, result.output
    return app


def snapshot(app) -> dict[str, list[tuple]]:
    """What a person would see of the demo data, independent of database (option ids become labels)."""
    with app.app_context():
        labels = dict(db.session.execute(select(Option.id, Option.label)).tuples().all())
        patients = db.session.execute(select(Patient.first_name, Patient.last_name, Patient.phone, Patient.email,
                                             Patient.date_of_birth).order_by(Patient.id)).tuples().all()
        enquiries = [(patient, channel, labels.get(source), stage, received, labels.get(reason))
                     for patient, channel, source, stage, received, reason in db.session.execute(
                         select(Enquiry.patient_id, Enquiry.channel, Enquiry.source_id, Enquiry.stage,
                                Enquiry.received_at, Enquiry.lost_reason_id).order_by(Enquiry.id)).tuples()]
        changes = db.session.execute(select(StageChange.enquiry_id, StageChange.from_stage, StageChange.to_stage,
                                            StageChange.at).order_by(StageChange.id)).tuples().all()
        attempts = db.session.execute(select(ContactAttempt.enquiry_id, ContactAttempt.outcome, ContactAttempt.at)
                                      .order_by(ContactAttempt.id)).tuples().all()
        assessments = db.session.execute(select(
            Assessment.enquiry_id, Assessment.assessed_at, Assessment.skin_type, Assessment.gb_grade,
            Assessment.isotretinoin, Assessment.herpes).order_by(Assessment.id)).tuples().all()
        findings = db.session.execute(select(
            ScarFinding.scar_type, ScarFinding.present, ScarFinding.count, ScarFinding.count_band, ScarFinding.width_mm,
            ScarFinding.areas).order_by(ScarFinding.id)).tuples().all()
        plans = [(enquiry, status, info, decided, labels.get(reason)) for enquiry, status, info, decided, reason in
                 db.session.execute(select(TreatmentPlan.enquiry_id, TreatmentPlan.status, TreatmentPlan.info_given_on,
                                           TreatmentPlan.decided_on, TreatmentPlan.decline_reason_id)
                                    .order_by(TreatmentPlan.id)).tuples()]
        items = db.session.execute(select(PlanItem.plan_id, PlanItem.treatment_id, PlanItem.sessions,
                                          PlanItem.price_pence).order_by(PlanItem.id)).tuples().all()
        sessions = db.session.execute(select(Appointment.enquiry_id, Appointment.plan_item_id,
                                             Appointment.session_number, Appointment.starts_at, Appointment.status)
                                      .where(Appointment.kind == AppointmentKind.TREATMENT_SESSION)
                                      .order_by(Appointment.id)).tuples().all()
        return {"patients": patients, "enquiries": enquiries, "changes": changes, "attempts": attempts,
                "assessments": assessments, "findings": findings, "plans": plans, "items": items,
                "sessions": sessions}


@pytest.fixture
def read_all(seeded) -> Callable:
    """Every row of a model in the seeded database, by id."""

    def read(model) -> list:
        with seeded.app_context():
            rows = db.session.scalars(select(model).order_by(*model.__table__.primary_key.columns)).all()
            db.session.expunge_all()
            return rows

    return read
