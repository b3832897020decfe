"""The board's cards: up to CARDS_PER_COLUMN per open stage, newest received first, in one statement.

Each column is the enquiry list's first page at that stage (the same filters and the same order), so
its "more" link continues exactly where the column stops. Each column's ids are chosen from indexes
alone, as the list chooses a page's, and only the chosen rows are read, with their patient, assignee
and time in stage: the statement costs the same whatever the size of the table.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Select, func, select, text, union_all
from sqlalchemy.orm import contains_eager, joinedload

from tracker.enquiries import queries
from tracker.enquiries.models import Enquiry, StageChange
from tracker.enquiries.queries import ListFilters, Tally
from tracker.enquiries.stages import OPEN_STAGES, Stage
from tracker.extensions import db
from tracker.patients.models import Patient

CARDS_PER_COLUMN = 20


@dataclass
class Card:
    """An enquiry on the board and when it entered its stage."""

    enquiry: Enquiry
    entered_at: datetime


@dataclass
class Column:
    """One open stage: its capped count and its first cards."""

    stage: Stage
    count: Tally
    cards: list[Card] = field(default_factory=list)

    @property
    def rest(self) -> Tally:
        """How many the column does not show ("480+" when the count stopped at the cap)."""
        return Tally(max(self.count.n - len(self.cards), 0), self.count.more)


def _column_ids(filters: ListFilters, stage: Stage, *, few: bool) -> Select:
    """The ids of one column's cards, chosen as queries.page_statement chooses a page's.

    SQLite is told which index to read: when `few` enquiries match, the filters' own (and a sort of
    at most COUNT_CAP rows); when many do, the (stage, received_at) index in order, with the filters
    checked per row, stopping after a column. PostgreSQL chooses well by itself.
    """
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    ids = select(Enquiry.id).where(*queries.filter_conditions(filters, few=few, walk=sqlite and not few),
                                   Enquiry.stage == stage)
    if sqlite and few:  # "+received_at": not the order's index, the filters' own
        ids = ids.order_by(text("+enquiries.received_at DESC"), text("enquiries.id DESC"))
    else:
        ids = ids.order_by(Enquiry.received_at.desc(), Enquiry.id.desc())
    # Each part is wrapped: a compound select takes no ORDER BY or LIMIT inside its parts.
    part = ids.limit(CARDS_PER_COLUMN).subquery()
    return select(part.c.id)


def _entered_stage() -> Select:
    """When the enquiry last moved into its current stage (served by stage_changes' (enquiry_id, at) index)."""
    return (select(func.max(StageChange.at))
            .where(StageChange.enquiry_id == Enquiry.id, StageChange.to_stage == Enquiry.stage)
            .correlate(Enquiry).scalar_subquery())


def columns(filters: ListFilters) -> list[Column]:
    """The board's columns in pipeline order, each with its count and first cards (two statements)."""
    filters = replace(filters, stage="")  # every open stage is a column
    counts = queries.stage_counts(filters)
    board = [Column(stage, counts[stage]) for stage in OPEN_STAGES]
    wanted = [_column_ids(filters, c.stage, few=not c.count.more) for c in board if c.count.n]
    if not wanted:
        return board
    chosen = union_all(*wanted).subquery()
    stmt = (select(Enquiry, _entered_stage().label("entered_at"))
            .join(chosen, Enquiry.id == chosen.c.id)
            .join(Patient, Enquiry.patient_id == Patient.id)
            .options(contains_eager(Enquiry.patient), joinedload(Enquiry.assigned_to))
            .order_by(Enquiry.received_at.desc(), Enquiry.id.desc()))
    by_stage = {c.stage: c for c in board}
    for enquiry, entered_at in db.session.execute(stmt):
        # An enquiry put at its stage without a recorded move (imported, say) counts from its arrival.
        by_stage[enquiry.stage].cards.append(Card(enquiry, entered_at or enquiry.received_at))
    return board
