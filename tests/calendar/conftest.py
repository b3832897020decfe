"""Builders for the calendar tests: the desk that logs their enquiries, and the plan item a treatment session needs."""

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.followups.models import FollowUp
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


def session_item(app, enquiry_id: int, practitioner_id: int) -> int:
    """An accepted one-item plan for the enquiry, committed, for a treatment session to belong to (as the plans'
    booking would give it); returns the item's id."""
    with app.app_context():
        stmt = select(TreatmentPlan.id).where(TreatmentPlan.enquiry_id == enquiry_id)
        plan = TreatmentPlan(enquiry_id=enquiry_id, number=1 + len(db.session.scalars(stmt).all()),
                             status=PlanStatus.ACCEPTED, practitioner_id=practitioner_id)
        db.session.add(plan)
        db.session.flush()
        item = PlanItem(plan_id=plan.id, treatment_id=1, sessions=3, interval_weeks=4, price_pence=10000,
                        reflection_days=2)
        db.session.add(item)
        db.session.commit()
        return item.id


def follow_up_ids(app, *where) -> set[int]:
    """The ids of the follow-ups matching the conditions (to build expectations from the database)."""
    with app.app_context():
        return set(db.session.scalars(select(FollowUp.id).where(*where)))
