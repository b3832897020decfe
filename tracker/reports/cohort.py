"""The cohort of enquiries received in the range, as one row each ("facts"), and what the dashboard counts of it.

facts is the cohort's enquiries with their milestones (tracker/enquiries/milestones.py: the furthest stage each
reached and when it first reached the steps the intervals time), read from the received_at index and the rows
alone, no history to aggregate. It is a materialised CTE, so one statement reads it once and aggregates it every
way the dashboard needs (funnel, contact, percentiles, lost, conversion by dimension, received per period):
each aggregate is a part of one union (sql.part).
"""

from sqlalchemy import case, func, select

from tracker.enquiries.drilldown import target_seconds
from tracker.enquiries.models import Enquiry
from tracker.enquiries.queries import filter_conditions
from tracker.enquiries.stages import PIPELINE, Stage
from tracker.reports.pipeline import Count, FunnelStep, Interval, Speed, rate
from tracker.reports.sql import epoch, part, percentile_parts, read_percentiles

FUNNEL = PIPELINE[1:]  # after new: every enquiry is received new
RANK = {stage: PIPELINE.index(stage) for stage in PIPELINE}  # new 0 ... completed 7


def facts(filters):
    """The cohort's enquiries: the columns the parts group by, the furthest stage as its RANK (0 with no
    history), and received, first contact and the milestones as epoch seconds."""
    furthest = case({stage.value: rank for stage, rank in RANK.items()}, value=Enquiry.furthest_stage, else_=0)
    times = {"received": Enquiry.received_at, "contacted": Enquiry.first_contacted_at,
             "consulted": Enquiry.consulted_at, "proposed": Enquiry.plan_proposed_at,
             "booked": Enquiry.treatment_booked_at, "started": Enquiry.treatment_started_at,
             "decided": Enquiry.plan_decided_at}
    return (select(Enquiry.id, Enquiry.received_at, Enquiry.first_contacted_at, Enquiry.first_contact_open_seconds,
                   Enquiry.channel, Enquiry.source_id, Enquiry.stage, Enquiry.lost_reason_id, Enquiry.lost_from_stage,
                   furthest.label("furthest"), *(epoch(column).label(name) for name, column in times.items()))
            .where(*filter_conditions(filters.cohort())).cte("facts").prefix_with("MATERIALIZED"))


def _not_negative(seconds):
    return case((seconds < 0, 0.0), else_=seconds)


INTERVALS = (  # label, from, to (facts columns), and the drill-down naming the enquiries measured
    ("Enquiry to consultation", "received", "consulted", {"reached": Stage.CONSULTED.value}),
    ("Consultation to plan", "consulted", "proposed", {"reached": Stage.PLAN_PROPOSED.value}),
    ("Plan to decision", "proposed", "decided", {"decided": "y"}),
    ("Treatment booked to first session", "booked", "started", {"reached": Stage.IN_TREATMENT.value}),
)


def _metrics(c) -> dict:
    contacted = c.first_contacted_at.is_not(None)
    metrics = {"hours": _not_negative(c.contacted - c.received),
               "open": case((contacted, c.first_contact_open_seconds), else_=None)}
    return metrics | {label: _not_negative(c[end] - c[start]) for label, start, end, _ in INTERVALS}


def parts(cte) -> list:
    """The funnel (enquiries by furthest stage), first contact (by within/late/none) and percentile parts."""
    c = cte.c
    contact = case((c.first_contacted_at.is_(None), "none"),
                   (c.first_contact_open_seconds.is_(None) | (c.first_contact_open_seconds <= target_seconds()),
                    "within"), else_="late")
    return [select(*part("furthest", c.furthest, a=func.count())).group_by(c.furthest),
            select(*part("contact", contact, a=func.count())).group_by(contact),
            *percentile_parts(_metrics(c), cte)]


def summary(rows: dict, filters) -> tuple[list[FunnelStep], Speed, list[Interval]]:
    """The funnel, the speed of first contact and the median time between steps, from the parts' rows."""
    by_rank = {int(row.key): row.a for row in rows.get("furthest", [])}
    contact = {row.key: row.a for row in rows.get("contact", [])}
    spread = read_percentiles(rows, _metrics_names())
    base = filters.cohort_args()
    received = sum(by_rank.values())
    steps = [FunnelStep(None, "Received", Count(received, base), None, rate(received, received))]
    for stage in FUNNEL:
        n = sum(count for rank, count in by_rank.items() if rank >= RANK[stage])
        steps.append(FunnelStep(stage, stage.label, Count(n, {**base, "reached": stage.value}),
                                rate(n, steps[-1].count.n), rate(n, received)))
    within, late, never = contact.get("within", 0), contact.get("late", 0), contact.get("none", 0)
    hours, open_hours = spread["hours"], spread["open"]
    speed = Speed(
        target_hours=target_seconds() / 3600, contacted=Count(within + late, {**base, "contact": "contacted"}),
        not_contacted=Count(never, {**base, "contact": "none"}),
        within_target=Count(within, {**base, "contact": "within"}),
        late=Count(late, {**base, "contact": "late"}), within_share=rate(within, received),
        median_hours=_scaled(hours.median, 3600), p90_hours=_scaled(hours.p90, 3600),
        median_open_hours=_scaled(open_hours.median, 3600), p90_open_hours=_scaled(open_hours.p90, 3600))
    intervals = [Interval(label, Count(spread[label].n, {**base, **drill}), _scaled(spread[label].median, 86400))
                 for label, _start, _end, drill in INTERVALS]
    return steps, speed, intervals


def _metrics_names() -> list[str]:
    return ["hours", "open", *(label for label, *_ in INTERVALS)]


def _scaled(seconds: float | None, unit: int) -> float | None:
    return None if seconds is None else seconds / unit
