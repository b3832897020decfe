"""The cohort broken down: lost by reason and by stage, and conversion by channel, source, specialist, treatment.

Each is a part of the cohort's one statement (see cohort.py), read back here into rows with their links.
"""

from sqlalchemy import and_, case, func, select

from tracker.auth.models import User
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.catalogue.models import Treatment
from tracker.enquiries.models import Channel, enquiry_treatments
from tracker.enquiries.stages import PIPELINE, Stage
from tracker.reports.cohort import RANK
from tracker.reports.pipeline import Count, DimensionRow, Row, rate
from tracker.reports.sql import part
from tracker.settings.models import Option


def lost_parts(cte) -> list:
    """The cohort's lost enquiries counted by reason and by the stage they were lost from."""
    c, lost = cte.c, cte.c.stage == Stage.LOST
    return [select(*part("lost_reason", c.lost_reason_id, Option.label, func.count()))
            .select_from(cte).outerjoin(Option, Option.id == c.lost_reason_id).where(lost)
            .group_by(c.lost_reason_id, Option.label),
            select(*part("lost_from", c.lost_from_stage, None, func.count())).where(lost).group_by(c.lost_from_stage)]


def lost(rows: dict, filters) -> tuple[list[Row], list[Row]]:
    """Lost by reason (most first) and by the stage lost from (pipeline order), from the parts' rows."""
    base = filters.cohort_args()
    reasons = sorted((Row(row.label or "No reason given", Count(row.a, {**base, "lost_reason": row.key or "none"}))
                      for row in rows.get("lost_reason", [])), key=lambda r: (-r.count.n, r.label))
    stages = {Stage(row.key): row.a for row in rows.get("lost_from", []) if row.key}
    return reasons, [Row(stage.label, Count(stages[stage], {**base, "lost_from": stage.value}))
                     for stage in PIPELINE if stages.get(stage)]


def _measures(c):
    """Received, consulted and treatment booked among the grouped enquiries."""
    return (func.count(), func.sum(_reached(c, Stage.CONSULTED)), func.sum(_reached(c, Stage.TREATMENT_BOOKED)))


def _reached(c, stage: Stage):
    return case((c.furthest >= RANK[stage], 1), else_=0)


def dimension_parts(cte, filters) -> list:
    """Received, consulted and treatment booked per channel, source, specialist and treatment asked about.

    An enquiry counts once per specialist it attended a consultation with and once per treatment it asked
    about. Under a specialist or treatment filter only that one's row shows: each row's link replaces the
    filter, so another row's link would lose it.
    """
    c = cte.c
    # The cohort's (enquiry, specialist) pairs of attended consultations, each once however many there were, with
    # how far the enquiry went: a join, not IN, so PostgreSQL knows how many enquiries there are and reads the
    # attended consultations' own index in one pass instead of probing it once per enquiry.
    cohort = cte.alias("cohort_ids")
    consulted = (select(Appointment.enquiry_id, Appointment.practitioner_id, cohort.c.furthest).distinct()
                 .join(cohort, cohort.c.id == Appointment.enquiry_id)
                 .where(Appointment.kind == AppointmentKind.CONSULTATION,
                        Appointment.status == AppointmentStatus.ATTENDED,
                        *([Appointment.practitioner_id == filters.specialist_id] if filters.specialist_id else []))
                 .subquery())
    # The link rows are read in the cohort's id span only (ids follow arrival, so the span is the range's rows);
    # the join keeps exactly the cohort's.
    first, last = select(func.min(c.id)).scalar_subquery(), select(func.max(c.id)).scalar_subquery()
    asked = and_(enquiry_treatments.c.enquiry_id == c.id, enquiry_treatments.c.enquiry_id.between(first, last),
                 *([enquiry_treatments.c.treatment_id == filters.treatment_id] if filters.treatment_id else []))
    return [
        select(*part("channel", c.channel, None, *_measures(c))).group_by(c.channel),
        select(*part("source", c.source_id, Option.label, *_measures(c)))
        .select_from(cte).join(Option, Option.id == c.source_id).group_by(c.source_id, Option.label),
        select(*part("specialist", consulted.c.practitioner_id, User.full_name, *_measures(consulted.c)))
        .select_from(consulted)
        .join(User, User.id == consulted.c.practitioner_id).group_by(consulted.c.practitioner_id, User.full_name),
        select(*part("treatment", enquiry_treatments.c.treatment_id, Treatment.name, *_measures(c)))
        .select_from(cte).join(enquiry_treatments, asked)
        .join(Treatment, Treatment.id == enquiry_treatments.c.treatment_id)
        .group_by(enquiry_treatments.c.treatment_id, Treatment.name),
    ]


DIMENSIONS = ("channel", "source", "specialist", "treatment")  # each also names the list's filter argument


def dimensions(rows: dict, filters) -> dict[str, list[DimensionRow]]:
    """The conversion rows of each dimension, most received first, from the parts' rows."""
    base = filters.cohort_args()
    out: dict[str, list[DimensionRow]] = {}
    for dimension in DIMENSIONS:
        found = []
        for row in rows.get(dimension, []):
            args = {**base, dimension: row.key}
            label = Channel(row.key).label if dimension == "channel" else row.label
            found.append(DimensionRow(
                label, Count(row.a, args), Count(row.b, {**args, "reached": Stage.CONSULTED.value}),
                Count(row.c, {**args, "reached": Stage.TREATMENT_BOOKED.value}), rate(row.c, row.a)))
        out[dimension] = sorted(found, key=lambda r: (-r.received.n, r.label))
    return out
