"""Builders and readers for the plan tests: treatments, consulted enquiries, plans made through the rules.

Plain functions taking the app (not pytest fixtures), so test modules import them without shadowing.
Treatments are made here with explicit values: the tests never rely on the seeded catalogue's figures.
"""

import html
import itertools
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tracker.auth.models import User
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.catalogue.models import Treatment, TreatmentCategory
from tracker.clock import clinic_today
from tracker.db import utcnow
from tracker.enquiries.models import Enquiry, StageChange
from tracker.enquiries.services import move
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.plans import services
from tracker.plans.models import PlanItem, TreatmentPlan
from tracker.settings.models import Option, OptionKind

_codes = itertools.count(1)
TO_CONSULTED = (Stage.CONTACTED, Stage.CONSULTATION_BOOKED, Stage.CONSULTED)


def today(app) -> date:
    with app.app_context():
        return clinic_today()


def make_treatment(app, name: str | None = None, *, reflection_days: int = 2, sessions: int = 4,
                   interval_weeks: int = 3, price_pence: int = 20000, active: bool = True,
                   category: TreatmentCategory = TreatmentCategory.OTHER, ablative: bool = False,
                   surgical: bool = False) -> int:
    """A catalogue treatment with the given defaults; returns its id."""
    n = next(_codes)
    with app.app_context():
        treatment = Treatment(code=f"test_{n}", name=name or f"Treatment {n}", category=category,
                              default_sessions=sessions, default_interval_weeks=interval_weeks,
                              price_pence=price_pence, reflection_days=reflection_days, ablative=ablative,
                              surgical=surgical, active=active, position=100 + n, review_months=[])
        db.session.add(treatment)
        db.session.commit()
        return treatment.id


def set_treatment(app, treatment_id: int, **values) -> None:
    """Change a catalogue entry (an administrator's edit)."""
    with app.app_context():
        treatment = db.session.get(Treatment, treatment_id)
        for name, value in values.items():
            setattr(treatment, name, value)
        db.session.commit()


def consulted_enquiry(app, make_enquiry, *, days_ago: int = 30, stages=TO_CONSULTED, attended: bool = False,
                      practitioner_id: int | None = None) -> int:
    """An enquiry received `days_ago` days ago, moved along to consulted (or through `stages`)."""
    enquiry_id = make_enquiry(hours_ago=24 * days_ago)
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        for stage in stages:
            move(enquiry, stage, by_id=None)
        if attended:
            seen = utcnow() - timedelta(days=1)
            db.session.add(Appointment(enquiry_id=enquiry_id, kind=AppointmentKind.CONSULTATION,
                                       practitioner_id=practitioner_id, starts_at=seen,
                                       ends_at=seen + timedelta(minutes=30), status=AppointmentStatus.ATTENDED))
        db.session.commit()
    return enquiry_id


def run(app, action: Callable, *, by_id: int | None = None):
    """Call a service inside a request-free app context and commit; returns what it returned (ids, not objects)."""
    with app.app_context():
        result = action()
        value = result.id if isinstance(result, TreatmentPlan | PlanItem) else result
        db.session.commit()
        return value


def drafted_at(day: date) -> datetime:
    """Midday in the clinic on a day, as a UTC instant."""
    return datetime.combine(day, time(12)).replace(tzinfo=ZoneInfo("Europe/London")).astimezone(UTC)


def draft(app, enquiry_id: int, practitioner_id: int, *treatment_ids: int, notes: str | None = None,
          drafted_on: date | None = None, **details) -> int:
    """A draft plan through the rules, one item per treatment (catalogue defaults unless `details`), drafted today
    or on `drafted_on` (its information cannot be given before it was drafted)."""
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        plan = services.new_plan(enquiry, practitioner=db.session.get(User, practitioner_id), notes=notes,
                                 by_id=practitioner_id)
        if drafted_on is not None:
            plan.created_at = drafted_at(drafted_on)
        for treatment_id in treatment_ids:
            services.add_item(plan, db.session.get(Treatment, treatment_id), services.ItemDetails(**details))
        db.session.commit()
        return plan.id


def propose(app, plan_id: int, info_given_on: date | None = None, *, by_id: int | None = None) -> None:
    """Propose a draft through the rules (information given today unless said)."""
    with app.app_context():
        plan = services.get_plan(plan_id)
        services.propose(plan, info_given_on=info_given_on or clinic_today(), version=plan.version, by_id=by_id)
        db.session.commit()


def proposed(app, enquiry_id: int, practitioner_id: int, *treatment_ids: int,
             info_given_on: date | None = None) -> int:
    """A proposed plan through the rules, drafted on the day its information was given; returns its id."""
    plan_id = draft(app, enquiry_id, practitioner_id, *treatment_ids, drafted_on=info_given_on)
    propose(app, plan_id, info_given_on)
    return plan_id


def with_plan(app, plan_id: int, action: Callable) -> None:
    """Run action(plan) on the plan as stored now, and commit."""
    with app.app_context():
        action(services.get_plan(plan_id))
        db.session.commit()


def lost_reason(app, label: str = "Price") -> int:
    with app.app_context():
        return db.session.scalar(select(Option.id).where(Option.kind == OptionKind.LOST_REASON,
                                                         Option.label == label))


def plan_row(app, plan_id: int) -> dict:
    with app.app_context():
        plan = db.session.get(TreatmentPlan, plan_id)
        return {c.key: getattr(plan, c.key) for c in TreatmentPlan.__table__.columns}


def plan_rows(app, enquiry_id: int) -> list[dict]:
    """Every plan row of an enquiry, in id order."""
    with app.app_context():
        stmt = select(TreatmentPlan).where(TreatmentPlan.enquiry_id == enquiry_id).order_by(TreatmentPlan.id)
        return [{c.key: getattr(p, c.key) for c in TreatmentPlan.__table__.columns} for p in db.session.scalars(stmt)]


def item_rows(app, plan_id: int | None = None) -> list[dict]:
    """Every item row (removed ones too), in id order."""
    with app.app_context():
        stmt = select(PlanItem).order_by(PlanItem.id)
        if plan_id is not None:
            stmt = stmt.where(PlanItem.plan_id == plan_id)
        return [{c.key: getattr(i, c.key) for c in PlanItem.__table__.columns} for i in db.session.scalars(stmt)]


def enquiry_row(app, enquiry_id: int) -> dict:
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        return {c.key: getattr(enquiry, c.key) for c in Enquiry.__table__.columns}


def stage_of(app, enquiry_id: int) -> Stage:
    return enquiry_row(app, enquiry_id)["stage"]


def stage_changes(app, enquiry_id: int) -> list[tuple]:
    """(from, to, lost reason id, note) of each stage change, oldest first."""
    with app.app_context():
        stmt = select(StageChange).where(StageChange.enquiry_id == enquiry_id).order_by(StageChange.id)
        return [(c.from_stage, c.to_stage, c.lost_reason_id, c.note) for c in db.session.scalars(stmt)]


def field_error(response, name: str) -> str:
    """The error shown beside a field ('' if none), unescaped."""
    found = re.search(rf'id="{name}-error"[^>]*>(.*?)</div>', response.get_data(as_text=True), re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def form_error_text(response) -> str:
    """The errors shown above a form ('' if none), unescaped."""
    found = re.search(r'data-testid="form-errors">(.*?)</div>', response.get_data(as_text=True), re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""
