"""The enquiry list's export: its columns, chosen by what the reader may see, and one statement streaming every row.

The export has every enquiry the list's filters and stage tab match, in the list's order: not the
list's first LIST_DEPTH. The rows are read in batches of YIELD_PER (a server-side cursor on
PostgreSQL), each turned into a tuple of plain values as it is written, so the whole result is never in
memory. Lists (concerns, treatments, scar types) come as comma-joined codes from one aggregate each,
in the same statement, and are named here.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, func, select
from sqlalchemy.orm import aliased

from tracker.auth.models import User
from tracker.catalogue.models import Treatment
from tracker.consultations.models import Assessment, ScarFinding, ScarType, SkinType
from tracker.enquiries import queries
from tracker.enquiries.models import Concern, Enquiry, EnquiryConcern, enquiry_treatments
from tracker.extensions import db
from tracker.followups.models import FollowUp, FollowUpStatus
from tracker.patients.models import Patient
from tracker.patients.phones import display_phone
from tracker.settings.models import Option

YIELD_PER = 1000  # rows fetched from the database at a time
CLINICAL_PERMISSION = "assessment.view"

Source, LostReason, Assignee = aliased(Option, name="source"), aliased(Option, name="lost_reason"), \
    aliased(User, name="assignee")
Latest = aliased(Assessment, name="latest_assessment")  # the enquiry's most recent assessment, if any


@dataclass(frozen=True)
class Lookups:
    """Small tables read once before the rows stream, to name the codes in them."""

    treatments: dict[int, tuple[int, str]]  # id -> (catalogue position, name)


@dataclass(frozen=True)
class Column:
    """One column of the export: its heading, what it reads, and how that value is written (None: as read)."""

    header: str
    sql: ColumnElement
    show: Callable[[Any, Lookups], Any] | None = None
    clinical: bool = False  # read from the assessment: only for users who may see clinical detail


def _listed(column: ColumnElement, *where: ColumnElement[bool]) -> ColumnElement:
    """The column's values in the rows matching `where`, comma-joined (string_agg / group_concat by dialect)."""
    return select(func.aggregate_strings(cast(column, String), ",")).where(*where).scalar_subquery()


def _label(value) -> str | None:
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


def _scar_types(codes: str | None, _lookups: Lookups) -> str:
    """Scar type codes named, in the assessment form's order."""
    found = set((codes or "").split(","))
    return ", ".join(t.label for t in ScarType if t.value in found)


_next_follow_up_due = (select(FollowUp.due_on)
                       .where(FollowUp.enquiry_id == Enquiry.id, FollowUp.status == FollowUpStatus.OPEN)
                       .order_by(FollowUp.overdue_at, FollowUp.id).limit(1).scalar_subquery())
_latest_assessment_id = (select(Assessment.id).where(Assessment.enquiry_id == Enquiry.id)
                         .order_by(Assessment.assessed_at.desc(), Assessment.id.desc()).limit(1)
                         .correlate(Enquiry).scalar_subquery())

COLUMNS: tuple[Column, ...] = (
    Column("Enquiry", Enquiry.id),
    Column("Received", Enquiry.received_at),
    Column("Channel", Enquiry.channel, lambda v, _: _label(v)),
    Column("How they heard of us", Source.label),
    Column("First name", Patient.first_name),
    Column("Last name", Patient.last_name),
    Column("Phone", Patient.phone, lambda v, _: display_phone(v)),
    Column("E-mail", Patient.email),
    Column("Stage", Enquiry.stage, lambda v, _: _label(v)),
    Column("Assigned to", Assignee.full_name),
    Column("Concerns", _listed(EnquiryConcern.concern, EnquiryConcern.enquiry_id == Enquiry.id), _concerns),
    Column("Treatments asked about", _listed(enquiry_treatments.c.treatment_id,
                                             enquiry_treatments.c.enquiry_id == Enquiry.id), _treatments),
    # Reception takes these down and every enquiry reader sees them on the enquiry page: not clinical.
    Column("In their own words", Enquiry.caller_words),
    Column("First contacted", Enquiry.first_contacted_at),
    Column("Next follow-up due", _next_follow_up_due),
    Column("Lost from stage", Enquiry.lost_from_stage, lambda v, _: _label(v)),
    Column("Lost reason", LostReason.label),
    Column("Skin type (Fitzpatrick)", Latest.skin_type, lambda v, _: v.value if isinstance(v, SkinType) else None,
           clinical=True),
    Column("Scar types seen", _listed(ScarFinding.scar_type, ScarFinding.assessment_id == Latest.id,
                                      ScarFinding.present.is_(True)), _scar_types, clinical=True),
    Column("Severity grade (Goodman & Baron)", Latest.gb_grade, clinical=True),
)


def columns_for(can: Callable[[str], bool]) -> tuple[Column, ...]:
    """The columns a reader with these permissions gets: the clinical ones only with assessment.view."""
    clinical = can(CLINICAL_PERMISSION)
    return tuple(column for column in COLUMNS if clinical or not column.clinical)


def statement(filters: queries.ListFilters, sort: str, columns: tuple[Column, ...]) -> Select:
    """Every enquiry the list's filters and stage tab match, in the list's order, as the columns' plain values."""
    stmt = (select(*(column.sql for column in columns)).select_from(Enquiry)
            .join(Patient, Enquiry.patient_id == Patient.id)
            .outerjoin(Source, Enquiry.source_id == Source.id)
            .outerjoin(Assignee, Enquiry.assigned_to_id == Assignee.id)
            .outerjoin(LostReason, Enquiry.lost_reason_id == LostReason.id))
    if any(column.clinical for column in columns):
        stmt = stmt.outerjoin(Latest, Latest.id == _latest_assessment_id)
    stmt = queries.with_stage(stmt.where(*queries.filter_conditions(filters)), filters.stage)
    return stmt.order_by(*queries.SORTS.get(sort, queries.SORTS["newest"]))


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
