"""Every number on the pipeline report links to the enquiry list, and that list shows exactly that many.

Each Count of the dashboard (found by walking its dataclasses, so a number added later is checked too) is
opened as /enquiries?<its args>, and the list's exact total (id="list-total") must equal it: for the
hand-made clinic under several filters, and for random clinics moved along random paths of the stage table.
"""

import dataclasses
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.properties import PROPERTY
from tests.reports.conftest import Z, list_total
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.catalogue.models import Treatment
from tracker.clock import to_clinic
from tracker.db import utcnow
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import Channel, Enquiry
from tracker.enquiries.stages import TRANSITIONS, Stage
from tracker.extensions import db
from tracker.followups import services as followups
from tracker.followups.models import FollowUpKind
from tracker.patients import services as patients
from tracker.patients.services import PatientDetails
from tracker.plans.models import PlanItem, PlanStatus, TreatmentPlan
from tracker.reports.dashboard import dashboard
from tracker.reports.filters import ReportFilters
from tracker.reports.pipeline import Count
from tracker.settings.models import Option, OptionKind


def counts(value, path: str = "dashboard") -> Iterator[tuple[str, Count]]:
    """Every Count inside a dashboard, with where it sits (for the failure message)."""
    if isinstance(value, Count):
        yield path, value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from counts(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            label = getattr(item, "label", None)
            yield from counts(item, f"{path}[{label or index}]")


def mismatches(app, client, filters: ReportFilters) -> tuple[int, list[str]]:
    """How many distinct lists the dashboard links to, and each whose total differs from the number shown."""
    with app.app_context():
        board = dashboard(filters, utcnow())
    seen: dict[tuple, int] = {}
    wrong = []
    for path, count in counts(board):
        key = tuple(sorted(count.args.items()))
        if key not in seen:
            seen[key] = list_total(client, count.args)
        if seen[key] != count.n:
            wrong.append(f"{path}: report {count.n}, list {seen[key]} for {count.args}")
    return len(seen), wrong


def test_the_walk_finds_every_kind_of_number(app, clinic):
    with app.app_context():
        board = dashboard(ReportFilters(date(2026, 10, 1), date(2026, 10, 31)), utcnow())
    paths = [path for path, _count in counts(board)]
    # received + 8 funnel steps + 4 speed + 4 intervals + 2 lost + 4 kinds of dimension row x 3 + 5 weeks x 3
    # + 3 overdue + no next step + 3 value rows
    assert len(paths) == 1 + 8 + 4 + 4 + 2 + 2 + 3 * (5 + 2 + 2 + 2) + 3 * 5 + 3 + 1 + 3
    assert {p.split(".")[1].split("[")[0] for p in paths} == {
        "received", "funnel", "speed", "intervals", "lost_by_reason", "lost_by_stage", "by_channel", "by_source",
        "by_specialist", "by_treatment", "trend", "overdue_by_assignee", "no_next_step", "value"}


OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
FILTERS = {
    "october": {},
    "october by phone": {"channel": Channel.PHONE},
    "october with Sam": {"specialist": "sam"},
    "october, T2, Alice's": {"treatment": "T2", "assignee": "alice"},
    "october, nobody's": {"assignee": "none"},
    "october, Instagram": {"source": "Instagram"},
    "months from mid-September": {"days": (date(2026, 9, 15), date(2027, 1, 10))},
    "the clocks going forward": {"days": (date(2026, 3, 27), date(2026, 3, 30))},
    "the day the clocks went back": {"days": (date(2026, 10, 25), date(2026, 10, 25))},
    "an empty December": {"days": (date(2026, 12, 1), date(2026, 12, 31))},
}


@pytest.mark.parametrize("name", FILTERS)
def test_every_number_lists_exactly_its_enquiries(app, client, clinic, manager, name):
    spec = FILTERS[name]
    ids = clinic.users
    filters = ReportFilters(
        *spec.get("days", OCTOBER), channel=spec.get("channel"),
        specialist_id=ids[spec["specialist"]] if "specialist" in spec else None,
        treatment_id=clinic.treatments[spec["treatment"]] if "treatment" in spec else None,
        assignee={"none": "none", None: ""}.get(spec.get("assignee"), str(ids.get(spec.get("assignee"), ""))),
        source_id=clinic.options[spec["source"]] if "source" in spec else None)
    checked, wrong = mismatches(app, client, filters)
    assert checked > 10
    assert wrong == []


# --- random clinics ------------------------------------------------------------------------------------------

BASE = Z(10, 15, 7)  # ten days before the clocks go back, so received and moved times straddle the change
CHANNELS = list(Channel)


@dataclasses.dataclass
class People:
    """Who the random clinics use: owners, specialists, lost reasons, sources and treatments (ids)."""

    owners: list[int | None]
    specialists: list[int]
    reasons: list[int]
    sources: list[int | None]
    treatments: list[int]


@pytest.fixture
def people(app, make_user) -> People:
    owners = [make_user("reception").id, make_user("reception").id]
    specialists = [make_user("specialist").id, make_user("specialist").id]
    with app.app_context():
        options = db.session.scalars(select(Option).order_by(Option.id)).all()
        reasons = [o.id for o in options if o.kind is OptionKind.LOST_REASON][:3]
        sources = [o.id for o in options if o.kind is OptionKind.SOURCE][:2]
        treatments = list(db.session.scalars(select(Treatment.id).order_by(Treatment.id).limit(3)))
    return People([*owners, None], specialists, reasons, [*sources, None], treatments)


def _journey(rng: random.Random, enquiry: Enquiry, people: People, at: datetime, steps: int) -> None:
    """Random moves from the stage table (reopening when lost), each some hours after the last, with the
    consultation, first contact and plan rows that a move stands for."""
    for _ in range(steps):
        at += timedelta(hours=rng.choice([1, 3, 20, 49, 170]))
        if enquiry.stage is Stage.LOST:
            enquiries.reopen(enquiry, by_id=None).at = at
            continue
        options = sorted(TRANSITIONS[enquiry.stage])
        if not options:
            return
        to = rng.choice(options)
        if to is Stage.LOST:
            change = enquiries.mark_lost(enquiry, db.session.get(Option, rng.choice(people.reasons)), by_id=None)
            change.at = at
            continue
        if enquiry.stage is Stage.NEW or rng.random() < 0.2:
            enquiries.note_first_contact(enquiry, at)
        if to is Stage.CONSULTED:
            db.session.add(Appointment(enquiry_id=enquiry.id, kind=AppointmentKind.CONSULTATION,
                                       practitioner_id=rng.choice(people.specialists), starts_at=at,
                                       ends_at=at + timedelta(minutes=30), status=rng.choice(
                                           [AppointmentStatus.ATTENDED, AppointmentStatus.ATTENDED,
                                            AppointmentStatus.CANCELLED])))
        if to is Stage.PLAN_PROPOSED:
            _plan(rng, enquiry, people, at)
        enquiries.move(enquiry, to, by_id=None, at=at)


def _plan(rng: random.Random, enquiry: Enquiry, people: People, at: datetime) -> None:
    status = rng.choice([PlanStatus.PROPOSED, PlanStatus.ACCEPTED, PlanStatus.DECLINED, PlanStatus.SUPERSEDED,
                         PlanStatus.DRAFT])
    number = 1 + db.session.scalar(select(func.count()).select_from(TreatmentPlan)
                                   .where(TreatmentPlan.enquiry_id == enquiry.id))
    decided = (at + timedelta(days=rng.choice([0, 3, 12]))).date()
    plan = TreatmentPlan(enquiry_id=enquiry.id, number=number, status=status,
                         practitioner_id=rng.choice(people.specialists),
                         proposed_at=None if status is PlanStatus.DRAFT else at,
                         decided_on=decided if status in (PlanStatus.ACCEPTED, PlanStatus.DECLINED) else None)
    db.session.add(plan)
    db.session.flush()
    for _ in range(rng.randint(0, 2)):
        db.session.add(PlanItem(plan_id=plan.id, treatment_id=rng.choice(people.treatments),
                                sessions=rng.randint(1, 4), interval_weeks=4, price_pence=rng.choice([100, 9999]),
                                reflection_days=14, archived_at=at if rng.random() < 0.2 else None))


def _random_clinic(app, people: People, seed: int, size: int) -> None:
    rng = random.Random(seed)
    with app.app_context():
        for n in range(size):
            patient = patients.create_patient(PatientDetails(first_name="Random", last_name=f"P{seed}x{n}",
                                                             phone=f"+4477009{seed % 100000:05d}{n}"[:16]))
            received = BASE + timedelta(minutes=rng.randint(0, 20 * 24 * 60))
            owner = rng.choice(people.owners)
            details = enquiries.EnquiryDetails(
                channel=rng.choice(CHANNELS), received_at=received,
                source=db.session.get(Option, s) if (s := rng.choice(people.sources)) else None,
                treatments=[db.session.get(Treatment, t) for t in rng.sample(people.treatments, rng.randint(0, 2))],
                assigned_to_id=owner)
            enquiry = enquiries.log_enquiry(patient, details, by_id=owner)
            db.session.flush()
            _journey(rng, enquiry, people, received, rng.randint(0, 8))
            db.session.commit()
            if enquiry.stage.is_open and rng.random() < 0.6:
                followups.add(enquiry, followups.Details(
                    kind=FollowUpKind.CALL_BACK, due_on=rng.choice([to_clinic(received).date(), date(2031, 1, 1)]),
                    assigned_to_id=rng.choice(people.owners)), by_id=None)
            if rng.random() < 0.1:
                enquiries.archive(enquiry, version=enquiry.version)
            db.session.commit()


@settings(PROPERTY, max_examples=12)
@given(seed=st.integers(0, 10**6), size=st.integers(1, 6), start=st.integers(-3, 22), length=st.integers(0, 120),
       by=st.sampled_from(["", "channel", "specialist", "owner", "treatment", "source"]))
def test_random_clinics_every_number_lists_exactly_its_enquiries(app, client, manager, people, seed, size, start,
                                                                 length, by):
    # Examples share the database: each adds its enquiries to the last's, and the report and the list must
    # still agree on all of them (the check is that they agree, not what the numbers are).
    _random_clinic(app, people, seed, size)
    rng = random.Random(seed)
    first = (BASE + timedelta(days=start)).date()
    filters = ReportFilters(
        first, first + timedelta(days=length if length <= 40 else length * 3),
        channel=rng.choice(CHANNELS) if by == "channel" else None,
        specialist_id=rng.choice(people.specialists) if by == "specialist" else None,
        assignee=(str(owner) if (owner := rng.choice(people.owners)) else "none") if by == "owner" else "",
        treatment_id=rng.choice(people.treatments) if by == "treatment" else None,
        source_id=rng.choice(people.sources) if by == "source" else None)
    _checked, wrong = mismatches(app, client, filters)
    assert wrong == []
