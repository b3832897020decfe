"""Plan rules: drafting a plan's items, proposing it and revising it (the patient's decision: plans.decisions)."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.audit import services as audit
from tracker.audit.models import AuditAction
from tracker.auth.models import User
from tracker.bookings import services as bookings
from tracker.catalogue.models import Treatment
from tracker.clock import clinic_today, format_date, to_clinic
from tracker.db import utcnow
from tracker.enquiries import services as enquiries
from tracker.enquiries.hooks import Entry
from tracker.enquiries.models import Enquiry
from tracker.enquiries.stages import PIPELINE, Stage
from tracker.errors import ServiceError
from tracker.extensions import db
from tracker.money import MAX_POUNDS, format_pence, to_pence
from tracker.permissions import Role
from tracker.plans.models import PlanItem, PlanStatus, TreatmentPlan

LIMITS = {"sessions": (1, 20), "interval_weeks": (1, 52), "phase": (1, 9)}
MAX_PRICE_PENCE = to_pence(MAX_POUNDS)  # per session
TIMELINE_LIMIT = 500  # plans per enquiry on the timeline; far beyond any real enquiry


class PlanError(ServiceError):
    """A plan change the rules refuse; the message says why, `field` where."""


@dataclass
class ItemDetails:
    """What a form says about a plan item, already validated; None takes the treatment's default."""

    sessions: int | None = None
    interval_weeks: int | None = None
    price_pence: int | None = None
    phase: int = 1
    areas: list[str] = field(default_factory=list)
    other_areas: str | None = None
    notes: str | None = None


# --- reading ------------------------------------------------------------------------------

def _loaded():
    return [selectinload(TreatmentPlan.items).joinedload(PlanItem.treatment),
            joinedload(TreatmentPlan.practitioner), joinedload(TreatmentPlan.consent_by),
            joinedload(TreatmentPlan.created_by), joinedload(TreatmentPlan.decline_reason)]


def for_enquiry(enquiry_id: int) -> list[TreatmentPlan]:
    """An enquiry's plans, newest first, with items, treatments and people loaded (a fixed number of queries)."""
    stmt = (select(TreatmentPlan).where(TreatmentPlan.enquiry_id == enquiry_id).options(*_loaded())
            .order_by(TreatmentPlan.number.desc(), TreatmentPlan.revision.desc()).limit(TIMELINE_LIMIT))
    return list(db.session.scalars(stmt))


def get_plan(plan_id: int) -> TreatmentPlan | None:
    """A plan with its items, treatments and people loaded, as stored now."""
    if not 0 < plan_id < 2**31:
        return None
    return db.session.get(TreatmentPlan, plan_id, options=_loaded(), populate_existing=True)


def get_item(item_id: int) -> PlanItem | None:
    """A live (not removed) plan item with its treatment and plan loaded."""
    if not 0 < item_id < 2**31:
        return None
    item = db.session.get(PlanItem, item_id, options=[joinedload(PlanItem.treatment), joinedload(PlanItem.plan)],
                          populate_existing=True)
    return item if item is not None and item.archived_at is None else None


def revision_of(plan: TreatmentPlan) -> TreatmentPlan | None:
    """The draft or proposed revision made from this plan, if any."""
    return db.session.scalar(select(TreatmentPlan).where(TreatmentPlan.supersedes_id == plan.id).limit(1))


def describe(item: PlanItem) -> str:
    """The item in phase order: '1: TCA CROSS ×4 every 2 weeks'."""  # noqa: RUF002 (the sign the clinic writes)
    every = f" every {item.interval_weeks} week{'s' if item.interval_weeks != 1 else ''}" if item.sessions > 1 else ""
    return f"{item.phase}: {item.treatment.name} \u00d7{item.sessions}{every}"


# --- drafting -----------------------------------------------------------------------------

def check_open(enquiry: Enquiry) -> Enquiry:
    """The enquiry, refused unless it is open: a closed enquiry's plans do not change."""
    if not enquiry.stage.is_open:
        raise PlanError(f"This enquiry is {enquiry.stage.label.lower()}; reopen it to change its plans.")
    return enquiry


def _enquiry(plan: TreatmentPlan) -> Enquiry:
    """The plan's enquiry, which must still be open for its plans to change."""
    return check_open(db.session.get(Enquiry, plan.enquiry_id))


def _lock(enquiry: Enquiry) -> None:
    # Plan numbers are counted per enquiry: two plans drafted at once would take the same number.
    # FOR NO KEY UPDATE lets rows that merely point at the enquiry be written meanwhile.
    db.session.execute(select(Enquiry.id).where(Enquiry.id == enquiry.id).with_for_update(key_share=True))


def new_plan(enquiry: Enquiry, *, practitioner: User | None, notes: str | None, by_id: int | None) -> TreatmentPlan:
    """A draft plan for a consulted enquiry, to be performed by `practitioner`."""
    check_open(enquiry)
    past_consulted = PIPELINE.index(enquiry.stage) >= PIPELINE.index(Stage.CONSULTED)
    if not past_consulted and not bookings.was_consulted(enquiry):
        raise PlanError("A plan follows a consultation: mark the consultation attended first.")
    if practitioner is None or practitioner.role != Role.SPECIALIST or not practitioner.active:
        raise PlanError("Choose an active specialist: the one who will perform the treatment.", "practitioner")
    _lock(enquiry)
    number = db.session.scalar(select(func.coalesce(func.max(TreatmentPlan.number), 0))
                               .where(TreatmentPlan.enquiry_id == enquiry.id)) + 1
    plan = TreatmentPlan(enquiry_id=enquiry.id, number=number, revision=1, status=PlanStatus.DRAFT,
                         practitioner_id=practitioner.id, created_by_id=by_id, notes=(notes or "").strip() or None)
    db.session.add(plan)
    db.session.flush()
    return plan


def _check_draft(plan: TreatmentPlan) -> None:
    if plan.status is not PlanStatus.DRAFT:
        raise PlanError(f"This plan is {plan.status.label.lower()}: only a draft's items can change. "
                        "Revise the plan to change it.")
    _enquiry(plan)


def treatment_for(treatment_id: int | None) -> Treatment:
    """A catalogue treatment by id (offered or not: add_item says when it is no longer offered)."""
    treatment = db.session.get(Treatment, treatment_id) if treatment_id and 0 < treatment_id < 2**31 else None
    if treatment is None:
        raise PlanError("Choose a treatment from the list.", "treatment")
    return treatment


def _check_offered(treatment: Treatment) -> None:
    if not treatment.active:
        raise PlanError(f"{treatment.name} is no longer offered.", "treatment")


def _apply(item: PlanItem, treatment: Treatment, details: ItemDetails) -> None:
    def given_or(value, default):
        return value if value is not None else default

    values = {"sessions": given_or(details.sessions, treatment.default_sessions), "phase": details.phase,
              "interval_weeks": given_or(details.interval_weeks, treatment.default_interval_weeks)}
    for name, (low, high) in LIMITS.items():
        if not low <= values[name] <= high:
            raise PlanError(f"Enter a number from {low} to {high}.", name)
    values["price_pence"] = given_or(details.price_pence, treatment.price_pence)
    if not 0 <= values["price_pence"] <= MAX_PRICE_PENCE:
        raise PlanError("Enter an amount from £0 to £100,000.", "price")
    values.update(areas=sorted(set(details.areas)), other_areas=(details.other_areas or "").strip() or None,
                  notes=(details.notes or "").strip() or None)
    for name, value in values.items():
        setattr(item, name, value)


def _touch(plan: TreatmentPlan, changes: dict) -> None:
    # Items live in their own table: a plan proposed from a page that did not show them must conflict,
    # and the conflict names whoever changed them (the trail's last update of the plan).
    plan.version += 1
    audit.record(AuditAction.UPDATE, entity=plan, changes=changes)


def add_item(plan: TreatmentPlan, treatment: Treatment, details: ItemDetails) -> PlanItem:
    """Add a catalogue treatment to a draft; blank sessions, interval and price take the catalogue's."""
    _check_draft(plan)
    _check_offered(treatment)
    position = db.session.scalar(select(func.coalesce(func.max(PlanItem.position), 0))
                                 .where(PlanItem.plan_id == plan.id)) + 1
    item = PlanItem(plan_id=plan.id, treatment_id=treatment.id, position=position,
                    reflection_days=treatment.reflection_days)
    item.treatment = treatment
    _apply(item, treatment, details)
    db.session.add(item)
    db.session.flush()
    _touch(plan, {"item_added": [None, item.id]})
    return item


def _draft_of(item: PlanItem, version: int) -> TreatmentPlan:
    audit.check_version(item, version)
    plan = db.session.get(TreatmentPlan, item.plan_id)
    _check_draft(plan)
    return plan


def update_item(item: PlanItem, details: ItemDetails, *, version: int) -> None:
    """Change a draft's item (its treatment stays; remove it and add another to change that)."""
    plan = _draft_of(item, version)
    _check_offered(item.treatment)
    _apply(item, item.treatment, details)
    _touch(plan, {"item_changed": [item.id, item.id]})
    db.session.flush()


def remove_item(item: PlanItem, *, version: int) -> None:
    """Take an item out of a draft; the row is kept, archived."""
    plan = _draft_of(item, version)
    item.archived_at = utcnow()
    _touch(plan, {"item_removed": [item.id, None]})
    db.session.flush()


def _live_items(plan: TreatmentPlan) -> list[PlanItem]:
    stmt = (select(PlanItem).where(PlanItem.plan_id == plan.id, PlanItem.archived_at.is_(None))
            .options(joinedload(PlanItem.treatment)).order_by(PlanItem.phase, PlanItem.position, PlanItem.id))
    return list(db.session.scalars(stmt))


# --- proposing and revising ---------------------------------------------------------------

def _check_info_date(plan: TreatmentPlan, info_given_on: date, enquiry: Enquiry,
                     revised: TreatmentPlan | None) -> None:
    """The reflection period runs from the information date, so it cannot be back-dated past what it describes."""
    if info_given_on > clinic_today():
        raise PlanError("The information cannot be given in the future.", "info_given_on")
    earliest = [(to_clinic(enquiry.received_at).date(), "before the enquiry was received"),
                (to_clinic(plan.created_at).date(), "before the plan was drafted")]
    if revised is not None and revised.info_given_on is not None:
        earliest.append((revised.info_given_on, f"before that of the version it revises, {revised.title}"))
    for day, before in earliest:
        if info_given_on < day:
            raise PlanError(f"The information cannot be given {before} ({format_date(day)}).", "info_given_on")


def propose(plan: TreatmentPlan, *, info_given_on: date, version: int, by_id: int | None) -> None:
    """Give the patient the plan: the reflection period runs from `info_given_on`; a revised plan is superseded."""
    audit.check_version(plan, version)
    _check_draft(plan)
    enquiry = _enquiry(plan)
    # Proposing moves only a consulted enquiry on, and the later steps only from the stage before them:
    # a plan proposed before the enquiry is consulted would leave its stage behind for good.
    if enquiry.stage is Stage.CONSULTATION_BOOKED:
        raise PlanError("A consultation is booked: mark it attended or cancel it before proposing the plan.")
    if PIPELINE.index(enquiry.stage) < PIPELINE.index(Stage.CONSULTED):
        raise PlanError(f"The enquiry is at {enquiry.stage.label.lower()}: a plan is proposed once the patient "
                        "has been consulted.")
    items = _live_items(plan)
    if not items:
        raise PlanError("Add at least one treatment before proposing the plan.")
    for item in items:
        _check_offered(item.treatment)
    revised = db.session.get(TreatmentPlan, plan.supersedes_id) if plan.supersedes_id else None
    _check_info_date(plan, info_given_on, enquiry, revised)
    if revised is not None and revised.status is PlanStatus.ACCEPTED:
        raise PlanError(f"{revised.title} has been accepted since this revision was started; "
                        "it can no longer be replaced.")
    plan.status, plan.info_given_on, plan.proposed_at = PlanStatus.PROPOSED, info_given_on, utcnow()
    if revised is not None and revised.status is PlanStatus.PROPOSED:
        revised.status = PlanStatus.SUPERSEDED
    db.session.flush()
    if enquiry.stage is Stage.CONSULTED:
        enquiries.move(enquiry, Stage.PLAN_PROPOSED, by_id=by_id, note=f"{plan.title} proposed")


def revise(plan: TreatmentPlan, *, by_id: int | None, version: int | None = None) -> TreatmentPlan:
    """A new draft version of a proposed plan with copies of its items; the old one stays proposed until then."""
    if version is not None:
        audit.check_version(plan, version)
    if plan.status is not PlanStatus.PROPOSED:
        raise PlanError(f"Only a proposed plan can be revised; this one is {plan.status.label.lower()}.")
    _lock(_enquiry(plan))  # before looking for a revision: two at once would each find none
    existing = revision_of(plan)
    if existing is not None:
        raise PlanError(f"{existing.title} already revises this plan.")
    revision = db.session.scalar(select(func.max(TreatmentPlan.revision)).where(
        TreatmentPlan.enquiry_id == plan.enquiry_id, TreatmentPlan.number == plan.number)) + 1
    draft = TreatmentPlan(enquiry_id=plan.enquiry_id, number=plan.number, revision=revision, supersedes_id=plan.id,
                          status=PlanStatus.DRAFT, practitioner_id=plan.practitioner_id, created_by_id=by_id,
                          notes=plan.notes)
    db.session.add(draft)
    db.session.flush()
    copied = ("treatment_id", "phase", "position", "areas", "other_areas", "sessions", "interval_weeks",
              "price_pence", "notes")
    for item in _live_items(plan):
        # The revision is new information for the patient: its reflection period is the catalogue's now.
        db.session.add(PlanItem(plan_id=draft.id, reflection_days=item.treatment.reflection_days,
                                **{name: getattr(item, name) for name in copied}))
    db.session.flush()
    return draft


# --- the timeline -------------------------------------------------------------------------

def _proposal_text(plan: TreatmentPlan, clinical: bool) -> str:
    lines = [f"Information given on {format_date(plan.info_given_on)}"] + [
        describe(item) + (f" — {item.notes}" if clinical and item.notes else "") for item in plan.items]
    return "\n".join(lines + ([f"Notes: {plan.notes}"] if clinical and plan.notes else []))


def timeline_entries(enquiry_id: int, *, clinical: bool, plans: list[TreatmentPlan] | None = None) -> list:
    """The enquiry's plan versions and decisions as timeline entries; notes only when `clinical`."""
    entries = []
    for plan in for_enquiry(enquiry_id) if plans is None else plans:
        drafted = f"{plan.title} drafted" if plan.revision == 1 else f"Plan {plan.number} revised ({plan.title})"
        entries.append(Entry(plan.created_at, "plan", drafted, plan.created_by and plan.created_by.full_name,
                             f"To be performed by {plan.practitioner.full_name}"))
        if plan.proposed_at is not None:
            count = plan.total_sessions
            entries.append(Entry(plan.proposed_at, "plan", f"{plan.title} proposed: {format_pence(plan.total_pence)}, "
                                 f"{count} session{'s' if count != 1 else ''}", None, _proposal_text(plan, clinical)))
        decided = f"Decided on {format_date(plan.decided_on)}"
        if plan.status is PlanStatus.ACCEPTED:
            consent = plan.consent_by.full_name if plan.consent_by else None
            entries.append(Entry(plan.consent_recorded_at or plan.updated_at, "plan", f"{plan.title} accepted", consent,
                                 f"{decided}; consent taken by {consent} on {format_date(plan.consent_on)}"))
        elif plan.status is PlanStatus.DECLINED:
            # The note goes on the lost enquiry too, which reception reads: it is not a clinical note.
            reason = plan.decline_reason.label if plan.decline_reason else "no reason given"
            entries.append(Entry(plan.updated_at, "plan", f"{plan.title} declined: {reason}", None,
                                 "\n".join(filter(None, [decided, plan.decline_note]))))
        elif plan.status is PlanStatus.EXPIRED:
            entries.append(Entry(plan.updated_at, "plan", f"{plan.title} expired"))
    return entries
