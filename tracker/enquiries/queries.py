"""The enquiry list's query: filters, stage counts and sort, each served by an index.

Every statement here reads a bounded number of index entries, whatever the size of the table:
the list walks an index in its sort order and stops after a page, and the stage counts stop at
COUNT_CAP. So the list costs the same with ten thousand enquiries as with a million.

"No open follow-up" reads enquiries.next_follow_up_at, which the follow-up rules keep (None: no next
step), through the live index on (next_follow_up_at, stage, received_at), where the enquiries without one
at a stage are one range, so it too stays bounded.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    exists,
    func,
    literal,
    literal_column,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from tracker.clock import local_day_end, local_day_start
from tracker.enquiries import drilldown
from tracker.enquiries.drilldown import DrillDown
from tracker.enquiries.models import Channel, Concern, Enquiry, EnquiryConcern, enquiry_treatments
from tracker.enquiries.stages import CLOSED_STAGES, OPEN_STAGES, Stage
from tracker.extensions import db
from tracker.patients.models import Patient
from tracker.settings.hours import Week
from tracker.settings.services import clinic_settings


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
    no_followup: bool = False  # open enquiries with no open follow-up (no next step)
    drill: DrillDown = field(default_factory=DrillDown)  # a report number's own filters (see drilldown.py)


def filter_conditions(filters: ListFilters, *, few: bool = False, walk: bool = False) -> list[ColumnElement[bool]]:
    """The filters, stage apart, as conditions on enquiries.

    A concern or treatment is checked per enquiry (EXISTS) while walking an index in list order;
    when `few` enquiries match, they are instead gathered from the link table's (value, stage)
    index, which holds the stage, and sorted. `walk` keeps SQLite off the filters' indexes (see
    page_statement).
    """
    col = _unindexed if walk else (lambda column: column)
    conditions = [Enquiry.archived_at.is_(None)]
    if few:
        stages = _stages(filters.stage)
        if filters.concern:
            conditions.append(Enquiry.id.in_(select(EnquiryConcern.enquiry_id).where(
                EnquiryConcern.concern == filters.concern, EnquiryConcern.stage.in_(stages))))
        if filters.treatment_id:
            conditions.append(Enquiry.id.in_(select(enquiry_treatments.c.enquiry_id).where(
                enquiry_treatments.c.treatment_id == filters.treatment_id, enquiry_treatments.c.stage.in_(stages))))
        filters = replace(filters, concern=None, treatment_id=None)
    if filters.channel:
        conditions.append(col(Enquiry.channel) == filters.channel)
    if filters.source_id:
        conditions.append(col(Enquiry.source_id) == filters.source_id)
    if filters.assignee == "none":
        conditions.append(col(Enquiry.assigned_to_id).is_(None))
    elif filters.assignee.isdigit():
        conditions.append(col(Enquiry.assigned_to_id) == int(filters.assignee))
    if filters.concern:
        conditions.append(exists().where(EnquiryConcern.enquiry_id == Enquiry.id,
                                         EnquiryConcern.concern == filters.concern))
    if filters.treatment_id:
        conditions.append(exists().where(enquiry_treatments.c.enquiry_id == Enquiry.id,
                                         enquiry_treatments.c.treatment_id == filters.treatment_id))
    if filters.received_from:
        conditions.append(Enquiry.received_at >= local_day_start(filters.received_from))
    if filters.received_to:
        conditions.append(Enquiry.received_at < local_day_end(filters.received_to))
    if filters.uncontacted:
        conditions.append(col(Enquiry.first_contacted_at).is_(None))
    if filters.no_followup:
        conditions.append(col(Enquiry.stage).in_(OPEN_STAGES))
        conditions.append(Enquiry.next_follow_up_at.is_(None))
    conditions.extend(drilldown.conditions(filters.drill))
    return conditions


def _unindexed(column):
    """The column as "+enquiries.column", which SQLite will not look up through an index."""
    return literal_column(f"+{column.table.name}.{column.name}", type_=column.type)


def _stages(stage: str) -> tuple[Stage, ...]:
    """The stages a tab shows: "" the open ones, "all" every one, or one stage."""
    if stage == "all":
        return tuple(Stage)
    if stage in {s.value for s in Stage}:
        return (Stage(stage),)
    return OPEN_STAGES


def with_stage(stmt: Select, stage: str, *, walk: bool = False) -> Select:
    column = _unindexed(Enquiry.stage) if walk else Enquiry.stage
    return stmt if stage == "all" else stmt.where(column.in_(_stages(stage)))


COUNT_CAP = 500  # a stage tab counts this far and then says "500+"
LIST_DEPTH = COUNT_CAP  # the list pages through this many rows at most; filters narrow it further


@dataclass(frozen=True)
class Tally:
    """A count that may have stopped early: `more` when there are more rows than `n`."""

    n: int
    more: bool = False

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(self.n + other.n, self.more or other.more)

    def __str__(self) -> str:
        return f"{self.n:,}{'+' if self.more else ''}"

    @classmethod
    def capped(cls, count: int) -> "Tally":
        """The tally of a count taken up to COUNT_CAP + 1 rows (see _counted_to_cap)."""
        return cls(min(count, COUNT_CAP), more=count > COUNT_CAP)


def _counted_to_cap(rows: Select, *leading) -> Select:
    """A count of `rows` that stops after COUNT_CAP + 1 of them, after any `leading` columns."""
    return select(*leading, func.count()).select_from(rows.limit(COUNT_CAP + 1).subquery())


def _stage_rows(filters: ListFilters, stage: Stage) -> Select:
    """The enquiry ids at one stage that the filters let through, read from the index that serves them best.

    Under a concern or treatment filter that is the link table's (concern or treatment, stage)
    index, which holds the stage itself; archived enquiries are left out by id.
    """
    if filters.concern:
        link, match, rest = EnquiryConcern.__table__, EnquiryConcern.concern == filters.concern, \
            replace(filters, concern=None)
    elif filters.treatment_id:
        link, match, rest = enquiry_treatments, enquiry_treatments.c.treatment_id == filters.treatment_id, \
            replace(filters, treatment_id=None)
    else:
        # The stage, not the id: every (column, stage) index holds it, so the count reads the index alone.
        return select(Enquiry.stage).where(*filter_conditions(filters), Enquiry.stage == stage)
    stmt = select(link.c.enquiry_id).where(match, link.c.stage == stage)
    if replace(rest, stage="") != ListFilters():  # other filters too: they need the enquiry itself
        return stmt.join(Enquiry, Enquiry.id == link.c.enquiry_id).where(*filter_conditions(rest))
    # Archived enquiries are few (duplicates, spam): their ids are read once from their partial index and
    # each link row is checked against that set. Checking each row against the enquiry itself instead
    # would read the table, three times slower at 100,000 enquiries.
    return stmt.where(link.c.enquiry_id.not_in(select(Enquiry.id).where(Enquiry.archived_at.is_not(None))))


def stage_counts(filters: ListFilters) -> dict[Stage, Tally]:
    """How many enquiries are at each stage, with every filter but the stage applied, up to COUNT_CAP (one query).

    Each stage is counted from its own index range and stops after COUNT_CAP + 1 rows, so the
    cost does not grow with the table; exact counts of large groups belong to the reports.
    """
    # "No open follow-up" is about open enquiries: the closed tabs are empty under it, not counted.
    stages = [stage for stage in Stage if stage in OPEN_STAGES or not filters.no_followup]
    parts = [_counted_to_cap(_stage_rows(filters, stage), literal(stage.value)) for stage in stages]
    counts = {stage: Tally(0) for stage in Stage}
    for stage, count in db.session.execute(union_all(*parts)):
        counts[Stage(stage)] = Tally.capped(count)
    return counts


SORTS = {
    "newest": (Enquiry.received_at.desc(), Enquiry.id.desc()),
    "oldest": (Enquiry.received_at.asc(), Enquiry.id.asc()),
    "name": (Patient.last_name_key, Patient.name_key, Enquiry.id),
}


def page_statement(filters: ListFilters, sort: str, offset: int, limit: int, *, few: bool = False) -> Select:
    """One page of the list: the page's ids are chosen from indexes alone, then only those rows are read.

    Choosing the ids first keeps any sort to narrow index entries, and the joins run for one page
    of rows. SQLite's planner knows how many rows a value has on average, not how many this one
    has, so the plan is chosen here from the stage counts: when `few` enquiries match (no tab
    count reached the cap) they are read through the filters' own indexes and sorted; when many
    do, the list is walked in received order and stops after a page, the filters' indexes set
    aside (`walk`). PostgreSQL keeps per-value statistics and chooses well by itself.
    """
    order = SORTS.get(sort, SORTS["newest"])
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    walk = sqlite and not few and sort != "name"
    ids = select(Enquiry.id)
    if sort == "name":
        ids = ids.join(Patient, Enquiry.patient_id == Patient.id)
    ids = with_stage(ids.where(*filter_conditions(filters, few=few, walk=walk)), filters.stage, walk=walk)
    if few and sqlite and sort != "name":  # "+received_at": not the received_at index, the filters' own
        direction = "ASC" if sort == "oldest" else "DESC"
        ids = ids.order_by(text(f"+enquiries.received_at {direction}"), text(f"enquiries.id {direction}"))
    else:
        ids = ids.order_by(*order)
    ids = ids.offset(offset).limit(limit).subquery()
    stmt = select(Enquiry).join(ids, Enquiry.id == ids.c.id).join(Patient, Enquiry.patient_id == Patient.id)
    return _with_related(stmt).order_by(*order)


def _with_related(stmt: Select) -> Select:
    return stmt.options(contains_eager(Enquiry.patient), joinedload(Enquiry.source), joinedload(Enquiry.assigned_to))


def page_rows(filters: ListFilters, sort: str, offset: int, limit: int, *, few: bool = False) -> list[Enquiry]:
    """One page of the list, read by page_statement's plan."""
    return db.session.scalars(page_statement(filters, sort, offset, limit, few=few)).all()


def exact_total(filters: ListFilters) -> Tally:
    """The list's exact length (one count): a report's number links here, and the list must show that number."""
    rows = with_stage(select(Enquiry.id).where(*filter_conditions(filters)), filters.stage)
    return Tally(db.session.scalar(select(func.count()).select_from(rows.subquery())))


def total_for(counts: dict[Stage, Tally], stage: str) -> Tally:
    """The list's length, from the stage counts (no second count query)."""
    if stage == "all":
        return sum(counts.values(), Tally(0))
    if stage in {s.value for s in Stage}:
        return counts[Stage(stage)]
    return sum((n for s, n in counts.items() if s not in CLOSED_STAGES), Tally(0))


def desk_summary(user_id: int) -> dict[str, Tally]:
    """The home page's counts: open enquiries nobody has reached yet, and the user's own open ones (one query).

    Each reads one index range and stops at COUNT_CAP, like the stage tabs.
    """
    def capped(*conditions) -> ScalarSelect:
        rows = select(Enquiry.stage).where(Enquiry.archived_at.is_(None), Enquiry.stage.in_(OPEN_STAGES), *conditions)
        return _counted_to_cap(rows).scalar_subquery()

    counted = db.session.execute(select(capped(Enquiry.first_contacted_at.is_(None)).label("uncontacted"),
                                        capped(Enquiry.assigned_to_id == user_id).label("mine"))).one()
    return {name: Tally.capped(n) for name, n in counted._mapping.items()}


def past_first_contact_target(enquiries: list[Enquiry], now: datetime) -> set[int]:
    """The ids of listed enquiries still new and uncontacted past the clinic's first-contact target.

    The target is first_contact_hours opening hours after the enquiry was received (as the
    first-contact rule's call-back). The opening hours and settings are read on every list page
    (two statements), so the page's statement count does not depend on which rows it shows.
    """
    week, hours = Week.load(), clinic_settings().first_contact_hours
    return {e.id for e in enquiries if e.stage is Stage.NEW and e.first_contacted_at is None
            and week.add_opening_hours(e.received_at, hours) <= now}


ARCHIVED_SHOWN = 200  # the archived records page shows the latest this many of each


def archived_patients() -> list[Patient]:
    """Archived patients, most recently archived first."""
    return db.session.scalars(select(Patient).where(Patient.archived_at.is_not(None))
                              .order_by(Patient.archived_at.desc()).limit(ARCHIVED_SHOWN)).all()


def archived_enquiries() -> list[Enquiry]:
    """Enquiries archived on their own (their patient is not), most recently archived first, patient loaded."""
    return db.session.scalars(
        select(Enquiry).join(Patient, Enquiry.patient_id == Patient.id)
        .where(Enquiry.archived_at.is_not(None), Patient.archived_at.is_(None))
        .options(selectinload(Enquiry.patient)).order_by(Enquiry.archived_at.desc()).limit(ARCHIVED_SHOWN)).all()
