"""The cohort broken down: lost by reason and by stage, and conversion by channel, source, specialist, treatment."""

from sqlalchemy import String, and_, cast, func, literal, null, select, union_all

from tracker.auth.models import User
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.catalogue.models import Treatment
from tracker.enquiries.models import Channel, Enquiry, enquiry_treatments
from tracker.enquiries.queries import _conditions
from tracker.enquiries.stages import PIPELINE, Stage
from tracker.extensions import db
from tracker.reports.cohort import facts
from tracker.reports.pipeline import Count, DimensionRow, Row, rate
from tracker.settings.models import Option


def lost(filters) -> tuple[list[Row], list[Row]]:
    """The cohort's lost enquiries by reason (most first) and by the stage they were lost from (pipeline order)."""
    lost_rows = (select(Enquiry.lost_reason_id, Enquiry.lost_from_stage)
                 .where(*_conditions(filters.cohort()), Enquiry.stage == Stage.LOST).subquery())
    by_reason = (select(literal("reason").label("kind"), lost_rows.c.lost_reason_id.label("key"),
                        Option.label.label("label"), func.count().label("n"))
                 .select_from(lost_rows).outerjoin(Option, Option.id == lost_rows.c.lost_reason_id)
                 .group_by(lost_rows.c.lost_reason_id, Option.label))
    by_stage = (select(literal("stage"), null(), cast(lost_rows.c.lost_from_stage, String), func.count())
                .select_from(lost_rows).group_by(lost_rows.c.lost_from_stage))
    base = filters.cohort_args()
    reasons, stages = [], {}
    for kind, key, label, n in db.session.execute(union_all(by_reason, by_stage)):
        if kind == "reason":
            reason = str(key) if key is not None else "none"
            reasons.append(Row(label or "No reason given", Count(n, {**base, "lost_reason": reason})))
        elif label is not None:
            stages[Stage(label)] = n
    reasons.sort(key=lambda row: (-row.count.n, row.label))
    by_stage_rows = [Row(stage.label, Count(stages[stage], {**base, "lost_from": stage.value}))
                     for stage in PIPELINE if stages.get(stage)]
    return reasons, by_stage_rows


def dimensions(filters) -> dict[str, list[DimensionRow]]:
    """Received, consulted and treatment booked per channel, source, specialist and treatment (one statement).

    An enquiry counts once per specialist it attended a consultation with and once per treatment it asked
    about. Under a specialist or treatment filter only that one's row shows: each row's link replaces the
    filter, so another row's link would lose it.
    """
    cte = facts(filters).cte("facts").prefix_with("MATERIALIZED")
    c = cte.c
    measures = (func.count(), func.count(c[Stage.CONSULTED.value]), func.count(c[Stage.TREATMENT_BOOKED.value]))
    text = cast(Enquiry.channel, String)  # each part's key and label as text, so the union's columns agree
    channel = (select(literal("channel").label("dimension"), text.label("key"), text.label("label"), *measures)
               .select_from(cte).join(Enquiry, Enquiry.id == c.id).group_by(Enquiry.channel))
    source = (select(literal("source"), cast(Enquiry.source_id, String), Option.label, *measures)
              .select_from(cte).join(Enquiry, Enquiry.id == c.id).join(Option, Option.id == Enquiry.source_id)
              .group_by(Enquiry.source_id, Option.label))
    consulted = (select(Appointment.enquiry_id, Appointment.practitioner_id).distinct()
                 .where(Appointment.kind == AppointmentKind.CONSULTATION,
                        Appointment.status == AppointmentStatus.ATTENDED,
                        *([Appointment.practitioner_id == filters.specialist_id] if filters.specialist_id else []))
                 .subquery())
    specialist = (select(literal("specialist"), cast(consulted.c.practitioner_id, String), User.full_name, *measures)
                  .select_from(cte).join(consulted, consulted.c.enquiry_id == c.id)
                  .join(User, User.id == consulted.c.practitioner_id)
                  .group_by(consulted.c.practitioner_id, User.full_name))
    asked = and_(enquiry_treatments.c.enquiry_id == c.id,
                 *([enquiry_treatments.c.treatment_id == filters.treatment_id] if filters.treatment_id else []))
    treatment = (select(literal("treatment"), cast(enquiry_treatments.c.treatment_id, String), Treatment.name,
                        *measures)
                 .select_from(cte).join(enquiry_treatments, asked)
                 .join(Treatment, Treatment.id == enquiry_treatments.c.treatment_id)
                 .group_by(enquiry_treatments.c.treatment_id, Treatment.name))
    base = filters.cohort_args()
    arg = {"channel": "channel", "source": "source", "specialist": "specialist", "treatment": "treatment"}
    out: dict[str, list[DimensionRow]] = {name: [] for name in arg}
    for dimension, key, label, received, n_consulted, n_booked in db.session.execute(
            union_all(channel, source, specialist, treatment)):
        args = {**base, arg[dimension]: str(key)}
        if dimension == "channel":
            label = Channel(key).label
        out[dimension].append(DimensionRow(
            label, Count(received, args), Count(n_consulted, {**args, "reached": Stage.CONSULTED.value}),
            Count(n_booked, {**args, "reached": Stage.TREATMENT_BOOKED.value}), rate(n_booked, received)))
    for rows in out.values():
        rows.sort(key=lambda row: (-row.received.n, row.label))
    return out
