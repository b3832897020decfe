"""The enquiry list's export: its columns, chosen by what the reader may see, and one statement streaming every row.

The export has every enquiry the list's filters and stage tab match, in the list's order: not the
list's first LIST_DEPTH. The rows are read in batches of YIELD_PER (a server-side cursor on
PostgreSQL), each turned into a tuple of plain values as it is written, so the whole result is never in
memory. Lists (concerns, treatments, scar types) come as comma-joined codes from one aggregate each,
in the same statement, and are named here.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, func, select
from sqlalchemy.orm import aliased

from tracker.auth.models import User
from tracker.catalogue.models import Treatment
from tracker.enquiries import queries
from tracker.enquiries.models import Concern, Enquiry, EnquiryConcern, enquiry_treatments
from tracker.extensions import db
from tracker.hooks import Hook
from tracker.patients.models import Patient
from tracker.patients.phones import display_phone
from tracker.settings.models import Option

YIELD_PER = 1000  # rows fetched from the database at a time
CLINICAL_PERMISSION = "assessment.view"

Source, LostReason, Assignee = aliased(Option, name="source"), aliased(Option, name="lost_reason"), \
    aliased(User, name="assignee")


@dataclass(frozen=True)
class Lookups:
    """Small tables read once before the rows stream, to name the codes in them."""

    treatments: dict[int, tuple[int, str]]  # id -> (catalogue position, name)


@dataclass(frozen=True)
class Column:
    """One column of the export: its heading, what it reads, and how that value is written (None: as read).

    rank: where it stands (the enquiry's own columns are 10, 20, ...; a feature's column picks a rank between);
    join: an (entity, on) outer join the column reads through, made once whoever asks for it.
    """

    header: str
    sql: ColumnElement
    show: Callable[[Any, Lookups], Any] | None = None
    clinical: bool = False  # clinical detail (an assessment's): only for users who may see it
    rank: int = 0
    join: tuple | None = None


def listed(column: ColumnElement, *where: ColumnElement[bool]) -> ColumnElement:
    """The column's values in the rows matching `where`, comma-joined (string_agg / group_concat by dialect)."""
    return select(func.aggregate_strings(cast(column, String), ",")).where(*where).scalar_subquery()


def label(value) -> str | None:
    """An enum's label (None stays empty)."""
    return value.label if value is not None else None


def _concerns(codes: str | None, _lookups: Lookups) -> str:
    """Concern codes named, in the order the enquiry form lists them."""
    found = set((codes or "").split(","))
    return ", ".join(c.label for c in Concern if c.value in found)


def _treatments(ids: str | None, lookups: Lookups) -> str:
    """Treatment ids named, in catalogue order."""
    named = sorted(lookups.treatments[int(i)] for i in (ids or "").split(",") if i and int(i) in lookups.treatments)
    return ", ".join(name for _position, name in named)


_OWN: tuple[Column, ...] = (
    Column("Enquiry", Enquiry.id),
    Column("Received", Enquiry.received_at),
    Column("Channel", Enquiry.channel, lambda v, _: label(v)),
    Column("How they heard of us", Source.label),
    Column("First name", Patient.first_name),
    Column("Last name", Patient.last_name),
    Column("Phone", Patient.phone, lambda v, _: display_phone(v)),
    Column("E-mail", Patient.email),
    Column("Stage", Enquiry.stage, lambda v, _: label(v)),
    Column("Assigned to", Assignee.full_name),
    Column("Concerns", listed(EnquiryConcern.concern, EnquiryConcern.enquiry_id == Enquiry.id), _concerns),
    Column("Treatments asked about", listed(enquiry_treatments.c.treatment_id,
                                            enquiry_treatments.c.enquiry_id == Enquiry.id), _treatments),
    # Reception takes these down and every enquiry reader sees them on the enquiry page: not clinical.
    Column("In their own words", Enquiry.caller_words),
    Column("First contacted", Enquiry.first_contacted_at),
    Column("Lost from stage", Enquiry.lost_from_stage, lambda v, _: label(v)),
    Column("Lost reason", LostReason.label),
)
OWN_COLUMNS = tuple(replace(column, rank=10 * n) for n, column in enumerate(_OWN, start=1))

# () -> list[Column]. Columns that read a feature's own tables (the next follow-up, the latest assessment).
columns: Hook[list[Column]] = Hook("enquiry export columns")


def all_columns() -> tuple[Column, ...]:
    """The enquiry's own columns and every feature's, by rank."""
    return tuple(sorted([*OWN_COLUMNS, *(c for found in columns.ask() for c in found)], key=lambda c: c.rank))


def columns_for(can: Callable[[str], bool]) -> tuple[Column, ...]:
    """The columns a reader with these permissions gets: the clinical ones only with assessment.view."""
    clinical = can(CLINICAL_PERMISSION)
    return tuple(column for column in all_columns() if clinical or not column.clinical)


def statement(filters: queries.ListFilters, sort: str, columns: tuple[Column, ...]) -> Select:
    """Every enquiry the list's filters and stage tab match, in the list's order, as the columns' plain values."""
    stmt = (select(*(column.sql for column in columns)).select_from(Enquiry)
            .join(Patient, Enquiry.patient_id == Patient.id)
            .outerjoin(Source, Enquiry.source_id == Source.id)
            .outerjoin(Assignee, Enquiry.assigned_to_id == Assignee.id)
            .outerjoin(LostReason, Enquiry.lost_reason_id == LostReason.id))
    for join in dict.fromkeys(column.join for column in columns if column.join is not None):
        stmt = stmt.outerjoin(*join)
    stmt = queries.with_stage(stmt.where(*queries.filter_conditions(filters)), filters.stage)
    return stmt.order_by(*queries.SORTS.get(sort, queries.SORTS["newest"]))


def count(stmt: Select) -> int:
    """How many rows the statement would export (one COUNT over it, without its order)."""
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


@dataclass(frozen=True)
class Asked:
    """An export as asked for: the list's filters and order, the columns this reader gets, and the filters as
    given (those the form did not refuse), which its audit event records."""

    filters: queries.ListFilters
    sort: str
    columns: tuple[Column, ...]
    used: dict[str, str]

    @property
    def clinical(self) -> bool:
        """Whether any of its columns holds clinical detail."""
        return any(column.clinical for column in self.columns)

    def statement(self) -> Select:
        """Every row it asks for."""
        return statement(self.filters, self.sort, self.columns)


def _lookups() -> Lookups:
    """The catalogue's treatment names and positions (one small query)."""
    rows = db.session.execute(select(Treatment.id, Treatment.position, Treatment.name))
    return Lookups(treatments={id_: (position, name) for id_, position, name in rows})


def rows(stmt: Select, columns: tuple[Column, ...]) -> Iterator[tuple]:
    """The statement's rows as export values, read YIELD_PER at a time; closing the generator closes the cursor.

    Nothing is read until the first row is asked for, so a download that never starts runs no query.
    """
    lookups = _lookups()
    shows = [(n, column.show) for n, column in enumerate(columns) if column.show is not None]
    result = db.session.execute(stmt.execution_options(yield_per=YIELD_PER))
    try:
        for row in result:
            values = list(row)
            for n, show in shows:
                values[n] = show(values[n], lookups)
            yield tuple(values)
    finally:
        result.close()
