"""Builders for the calendar tests: follow-ups and appointments written straight to their tables."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.extensions import db
from tracker.followups.models import FollowUp, FollowUpKind, FollowUpStatus, Priority
from tracker.followups.services import overdue_instant
from tracker.plans.models import PlanItem, PlanStatus, TreatmentPlan

ZONE = ZoneInfo("Europe/London")  # the testing configuration's clinic zone


def clinic_today() -> date:
    return datetime.now(ZONE).date()


@pytest.fixture
def desk(make_user):
    """A receptionist who logs the tests' enquiries, so rule-made follow-ups go to them, not to the user under test."""
    return make_user("reception", full_name="Desk Person")


@pytest.fixture
def enquiry_for(make_patient, make_enquiry, desk) -> Callable:
    """Builder: an enquiry for a new patient with the given names (and anything else), logged by the desk."""

    def build(first_name: str = "Jane", last_name: str = "Doe", phone: str | None = None, **kwargs) -> int:
        patient_id = make_patient(first_name=first_name, last_name=last_name, phone=phone)
        return make_enquiry(patient_id=patient_id, by_id=desk.id, **kwargs)

    return build


@pytest.fixture
def add_follow_up(app) -> Callable:
    """Builder: a follow-up on an enquiry, committed; returns its id."""

    def build(enquiry_id: int, assigned_to_id: int | None, due_on: date, due_time: time | str | None = None,
              kind: FollowUpKind = FollowUpKind.CALL_BACK, status: FollowUpStatus = FollowUpStatus.OPEN,
              note: str | None = None) -> int:
        if isinstance(due_time, str):
            due_time = time.fromisoformat(due_time)
        with app.app_context():
            follow_up = FollowUp(enquiry_id=enquiry_id, kind=kind, due_on=due_on, due_time=due_time,
                                 overdue_at=overdue_instant(due_on, due_time), assigned_to_id=assigned_to_id,
                                 status=status, priority=Priority.NORMAL, note=note)
            db.session.add(follow_up)
            db.session.commit()
            return follow_up.id

    return build


def _plan_item(enquiry_id: int, practitioner_id: int) -> int:
    """An accepted one-item plan for the enquiry (a treatment session belongs to one); returns the item's id."""
    number = 1 + len(db.session.scalars(select(TreatmentPlan.id).where(TreatmentPlan.enquiry_id == enquiry_id)).all())
    plan = TreatmentPlan(enquiry_id=enquiry_id, number=number, status=PlanStatus.ACCEPTED,
                         practitioner_id=practitioner_id)
    db.session.add(plan)
    db.session.flush()
    item = PlanItem(plan_id=plan.id, treatment_id=1, sessions=3, interval_weeks=4, price_pence=10000,
                    reflection_days=2)
    db.session.add(item)
    db.session.flush()
    return item.id


@pytest.fixture
def add_appointment(app) -> Callable:
    """Builder: an appointment written straight to the table (booking refuses the past); returns its id.

    A treatment session gets a plan item of its own, as the plans' booking would give it."""

    def build(enquiry_id: int, practitioner_id: int, starts_at: datetime, minutes: int = 30,
              kind: AppointmentKind = AppointmentKind.CONSULTATION,
              status: AppointmentStatus = AppointmentStatus.BOOKED, session_notes: str | None = None) -> int:
        with app.app_context():
            session = kind is AppointmentKind.TREATMENT_SESSION
            appointment = Appointment(enquiry_id=enquiry_id, kind=kind, practitioner_id=practitioner_id,
                                      starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes),
                                      status=status, session_notes=session_notes,
                                      plan_item_id=_plan_item(enquiry_id, practitioner_id) if session else None,
                                      session_number=1 if session else None)
            db.session.add(appointment)
            db.session.commit()
            return appointment.id

    return build


def follow_up_ids(app, *where) -> set[int]:
    """The ids of the follow-ups matching the conditions (to build expectations from the database)."""
    with app.app_context():
        return set(db.session.scalars(select(FollowUp.id).where(*where)))
