"""What happened in the range week by week, the work outstanding now, and the value of plans."""

from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import String, and_, cast, func, literal, select, union_all

from tracker.auth.models import User
from tracker.clock import format_date, local_day_end, local_day_start
from tracker.enquiries.drilldown import plan_condition
from tracker.enquiries.models import Enquiry, StageChange
from tracker.enquiries.queries import _conditions
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.followups.models import FollowUp, FollowUpStatus
from tracker.plans.models import PlanItem, TreatmentPlan
from tracker.reports.pipeline import Count, Row, Trend, TrendRow, ValueRow
from tracker.reports.sql import period_of

WEEKS_UP_TO_DAYS = 93  # a range up to a quarter is shown week by week, a longer one month by month


def periods(start: date, end: date) -> tuple[str, list[tuple[str, date, date]]]:
    """The weeks (Monday to Sunday) or calendar months covering start..end, the first and last clipped to it."""
    weekly = (end - start).days + 1 <= WEEKS_UP_TO_DAYS
    out, day = [], start
    while day <= end:
        if weekly:
            monday = day - timedelta(days=day.weekday())
            last, label = monday + timedelta(days=6), f"w/c {format_date(monday)}"
        else:
            following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
            last, label = following - timedelta(days=1), day.strftime("%b %Y")
        out.append((label, day, min(last, end)))
        day = min(last, end) + timedelta(days=1)
    return ("week" if weekly else "month"), out


def _entered(stage: Stage, filters, bounds: list[datetime]):
    period = period_of(StageChange.at, bounds)
    return (select(literal(stage.value).label("series"), period.label("period"),
                   func.count(StageChange.enquiry_id.distinct()))
            .join(Enquiry, Enquiry.id == StageChange.enquiry_id)
            .where(StageChange.to_stage == stage, StageChange.at >= bounds[0], StageChange.at < bounds[-1],
                   *_conditions(filters.dimensions()))
            .group_by(period))


def trend(filters) -> Trend:
    """Per week or month: enquiries received (the cohort), and consultations and treatments booked then."""
    kind, spans = periods(filters.start, filters.end)
    bounds = [local_day_start(first) for _label, first, _last in spans] + [local_day_end(spans[-1][2])]
    received = period_of(Enquiry.received_at, bounds)
    statement = union_all(
        select(literal("received"), received, func.count()).where(*_conditions(filters.cohort())).group_by(received),
        _entered(Stage.CONSULTATION_BOOKED, filters, bounds), _entered(Stage.TREATMENT_BOOKED, filters, bounds))
    counts = {(series, period): n for series, period, n in db.session.execute(statement) if period is not None}
    dims = filters.dimension_args()
    rows = []
    for index, (label, first, last) in enumerate(spans):
        days = {"received_from": first.isoformat(), "received_to": last.isoformat()}
        moved = {"entered_from": first.isoformat(), "entered_to": last.isoformat()}
        rows.append(TrendRow(label, first, last, Count(counts.get(("received", index), 0), {**dims, **days}),
                             Count(counts.get((Stage.CONSULTATION_BOOKED.value, index), 0),
                                   {**dims, "entered": Stage.CONSULTATION_BOOKED.value, **moved}),
                             Count(counts.get((Stage.TREATMENT_BOOKED.value, index), 0),
                                   {**dims, "entered": Stage.TREATMENT_BOOKED.value, **moved})))
    return Trend(kind, rows)


def work(filters, now: datetime) -> tuple[list[Row], Count]:
    """Now, whatever the range: enquiries with overdue follow-ups by whose they are, and open ones with no next step."""
    overdue = (select(literal("overdue").label("kind"), cast(FollowUp.assigned_to_id, String).label("key"),
                      User.full_name.label("label"), func.count(FollowUp.enquiry_id.distinct()).label("n"))
               .select_from(FollowUp).join(Enquiry, Enquiry.id == FollowUp.enquiry_id)
               .outerjoin(User, User.id == FollowUp.assigned_to_id)
               .where(FollowUp.status == FollowUpStatus.OPEN, FollowUp.overdue_at < now,
                      *_conditions(filters.dimensions()))
               .group_by(FollowUp.assigned_to_id, User.full_name))
    no_step = select(literal("none"), literal(None, String), literal(None, String), func.count()).where(
        *_conditions(replace(filters.dimensions(), no_followup=True)))
    dims = filters.dimension_args()
    rows, without = [], 0
    for kind, key, label, n in db.session.execute(union_all(overdue, no_step)):
        if kind == "none":
            without = n
        else:
            rows.append(Row(label or "Reception team", Count(n, {**dims, "overdue": key or "team"})))
    rows.sort(key=lambda row: (-row.count.n, row.label))
    return rows, Count(without, {**dims, "no_followup": "y"})


VALUE_ROWS = (("proposed", "Proposed"), ("accepted", "Accepted"), ("declined", "Declined"))


def value(filters) -> list[ValueRow]:
    """The value of plans proposed, accepted and declined in the range, and how many enquiries they are for."""
    items = and_(PlanItem.plan_id == TreatmentPlan.id, PlanItem.archived_at.is_(None))
    parts = [select(literal(status), func.count(TreatmentPlan.enquiry_id.distinct()),
                    func.coalesce(func.sum(PlanItem.sessions * PlanItem.price_pence), 0))
             .select_from(TreatmentPlan).join(Enquiry, Enquiry.id == TreatmentPlan.enquiry_id)
             .outerjoin(PlanItem, items)
             .where(plan_condition(TreatmentPlan, status, filters.start, filters.end),
                    *_conditions(filters.dimensions()))
             for status, _label in VALUE_ROWS]
    found = {status: (n, pence) for status, n, pence in db.session.execute(union_all(*parts))}
    dims = filters.dimension_args()
    span = {"plan_from": filters.start.isoformat(), "plan_to": filters.end.isoformat()}
    return [ValueRow(label, Count(found[status][0], {**dims, "plan": status, **span}), int(found[status][1]))
            for status, label in VALUE_ROWS]
