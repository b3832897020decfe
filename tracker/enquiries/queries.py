"""The enquiry list's query: filters, stage counts and sort, each served by an index."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload

from tracker.clock import local_day_end, local_day_start
from tracker.enquiries.models import Channel, Concern, Enquiry, EnquiryConcern, enquiry_treatments
from tracker.enquiries.stages import CLOSED_STAGES, Stage
from tracker.extensions import db
from tracker.patients.models import Patient


@dataclass
class ListFilters:
    """What the list is narrowed to; None means no filter. `stage` "" is every open stage, "all" everything."""

    stage: str = ""
    channel: Channel | None = None
    source_id: int | None = None
    assignee: str = ""  # "", "none", or a user id as text
    concern: Concern | None = None
    treatment_id: int | None = None
    received_from: date | None = None
    received_to: date | None = None
    uncontacted: bool = False


def _filtered(stmt: Select, filters: ListFilters) -> Select:
    stmt = stmt.where(Enquiry.archived_at.is_(None))
    if filters.channel:
        stmt = stmt.where(Enquiry.channel == filters.channel)
    if filters.source_id:
        stmt = stmt.where(Enquiry.source_id == filters.source_id)
    if filters.assignee == "none":
        stmt = stmt.where(Enquiry.assigned_to_id.is_(None))
    elif filters.assignee.isdigit():
        stmt = stmt.where(Enquiry.assigned_to_id == int(filters.assignee))
    if filters.concern:
        stmt = stmt.where(Enquiry.id.in_(select(EnquiryConcern.enquiry_id)
                                         .where(EnquiryConcern.concern == filters.concern)))
    if filters.treatment_id:
        stmt = stmt.where(Enquiry.id.in_(select(enquiry_treatments.c.enquiry_id)
                                         .where(enquiry_treatments.c.treatment_id == filters.treatment_id)))
    if filters.received_from:
        stmt = stmt.where(Enquiry.received_at >= local_day_start(filters.received_from))
    if filters.received_to:
        stmt = stmt.where(Enquiry.received_at < local_day_end(filters.received_to))
    if filters.uncontacted:
        stmt = stmt.where(Enquiry.first_contacted_at.is_(None))
    return stmt


def _with_stage(stmt: Select, stage: str) -> Select:
    if stage == "all":
        return stmt
    if stage in {s.value for s in Stage}:
        return stmt.where(Enquiry.stage == Stage(stage))
    return stmt.where(Enquiry.stage.not_in(CLOSED_STAGES))


def stage_counts(filters: ListFilters) -> dict[Stage, int]:
    """How many enquiries are at each stage, with every filter but the stage applied (one query)."""
    stmt = _filtered(select(Enquiry.stage, func.count()).select_from(Enquiry), filters).group_by(Enquiry.stage)
    counts = {stage: 0 for stage in Stage}
    for stage, count in db.session.execute(stmt):
        counts[Stage(stage)] = count
    return counts


SORTS = {
    "newest": (Enquiry.received_at.desc(), Enquiry.id.desc()),
    "oldest": (Enquiry.received_at.asc(), Enquiry.id.asc()),
    "name": (Patient.last_name_key, Patient.name_key, Enquiry.id),
}


def list_statement(filters: ListFilters, sort: str = "newest") -> Select:
    """The enquiries to list, with patient, source and assignee loaded in the same query."""
    stmt = select(Enquiry).join(Patient, Enquiry.patient_id == Patient.id)
    stmt = _with_stage(_filtered(stmt, filters), filters.stage)
    return stmt.options(
        contains_eager(Enquiry.patient),
        joinedload(Enquiry.source), joinedload(Enquiry.assigned_to),
    ).order_by(*SORTS.get(sort, SORTS["newest"]))


def total_for(counts: dict[Stage, int], stage: str) -> int:
    """The list's length, from the stage counts (no second count query)."""
    if stage == "all":
        return sum(counts.values())
    if stage in {s.value for s in Stage}:
        return counts[Stage(stage)]
    return sum(n for s, n in counts.items() if s not in CLOSED_STAGES)


def desk_summary(user_id: int) -> dict[str, int]:
    """The home page's counts: open enquiries nobody has reached yet, and the user's own open ones (one query)."""
    is_open = Enquiry.stage.not_in(CLOSED_STAGES)
    stmt = select(
        func.count().filter(is_open, Enquiry.first_contacted_at.is_(None)),
        func.count().filter(is_open, Enquiry.assigned_to_id == user_id),
    ).where(Enquiry.archived_at.is_(None))
    uncontacted, mine = db.session.execute(stmt).one()
    return {"uncontacted": uncontacted, "mine": mine}
