"""The cohort of enquiries received in the range: the funnel, the speed of first contact and the time in stage.

One row per enquiry ("facts", a materialised CTE) holds when it first reached each stage, read from the stage
history through the (enquiry, at, to_stage, from_stage) index; two statements aggregate it.
"""

from sqlalchemy import Select, case, func, select

from tracker.enquiries.drilldown import reached_stages, target_seconds
from tracker.enquiries.models import Enquiry, StageChange
from tracker.enquiries.queries import _conditions
from tracker.enquiries.stages import PIPELINE, Stage
from tracker.extensions import db
from tracker.reports.pipeline import Count, FunnelStep, Interval, Speed, rate
from tracker.reports.sql import percentiles, seconds_between

FUNNEL = PIPELINE[1:]  # after new: every enquiry is received new


def _first(stage: Stage):
    """When the enquiry first reached `stage` or a later one."""
    return func.min(case((StageChange.to_stage.in_(reached_stages(stage)), StageChange.at))).label(stage.value)


def facts(filters) -> Select:
    """Per cohort enquiry: its received and first-contact times, and when it first reached each stage."""
    decided = func.min(case((StageChange.from_stage == Stage.PLAN_PROPOSED, StageChange.at))).label("decided")
    return (select(Enquiry.id, Enquiry.received_at, Enquiry.first_contacted_at, Enquiry.first_contact_open_seconds,
                   *(_first(stage) for stage in FUNNEL), decided)
            .outerjoin(StageChange, StageChange.enquiry_id == Enquiry.id)
            .where(*_conditions(filters.cohort())).group_by(Enquiry.id))


def _not_negative(seconds):
    return case((seconds < 0, 0.0), else_=seconds)


INTERVALS = (  # label, from, to (facts columns), and the drill-down naming the enquiries measured
    ("Enquiry to consultation", "received_at", Stage.CONSULTED.value, {"reached": Stage.CONSULTED.value}),
    ("Consultation to plan", Stage.CONSULTED.value, Stage.PLAN_PROPOSED.value,
     {"reached": Stage.PLAN_PROPOSED.value}),
    ("Plan to decision", Stage.PLAN_PROPOSED.value, "decided", {"decided": "y"}),
    ("Decision to first session", Stage.TREATMENT_BOOKED.value, Stage.IN_TREATMENT.value,
     {"reached": Stage.IN_TREATMENT.value}),
)


def summary(filters) -> tuple[list[FunnelStep], Speed, list[Interval]]:
    """The funnel, the speed of first contact and the median time between steps, for the cohort."""
    cte = facts(filters).cte("facts").prefix_with("MATERIALIZED")
    c = cte.c
    target = target_seconds()
    contacted = c.first_contacted_at.is_not(None)
    within = contacted & (c.first_contact_open_seconds.is_(None) | (c.first_contact_open_seconds <= target))
    counted = db.session.execute(select(
        func.count(), *(func.count(c[stage.value]) for stage in FUNNEL), func.count(c.first_contacted_at),
        func.coalesce(func.sum(case((within, 1), else_=0)), 0))).one()
    received, reached, n_contacted, n_within = counted[0], counted[1:1 + len(FUNNEL)], counted[-2], counted[-1]
    metrics = {"hours": _not_negative(seconds_between(c.received_at, c.first_contacted_at)),
               "open": case((contacted, c.first_contact_open_seconds), else_=None)}
    metrics |= {label: _not_negative(seconds_between(c[start], c[end])) for label, start, end, _ in INTERVALS}
    spread = percentiles(metrics, cte)
    base = filters.cohort_args()

    steps = [FunnelStep(None, "Received", Count(received, base), None, rate(received, received))]
    for stage, n in zip(FUNNEL, reached, strict=True):
        steps.append(FunnelStep(stage, stage.label, Count(n, {**base, "reached": stage.value}),
                                rate(n, steps[-1].count.n), rate(n, received)))
    hours = spread["hours"]
    open_hours = spread["open"]
    speed = Speed(
        target_hours=target / 3600, contacted=Count(n_contacted, {**base, "contact": "contacted"}),
        not_contacted=Count(received - n_contacted, {**base, "contact": "none"}),
        within_target=Count(n_within, {**base, "contact": "within"}),
        late=Count(n_contacted - n_within, {**base, "contact": "late"}), within_share=rate(n_within, received),
        median_hours=_scaled(hours.median, 3600), p90_hours=_scaled(hours.p90, 3600),
        median_open_hours=_scaled(open_hours.median, 3600), p90_open_hours=_scaled(open_hours.p90, 3600))
    intervals = [Interval(label, Count(spread[label].n, {**base, **drill}), _scaled(spread[label].median, 86400))
                 for label, _start, _end, drill in INTERVALS]
    return steps, speed, intervals


def _scaled(seconds: float | None, unit: int) -> float | None:
    return None if seconds is None else seconds / unit
