"""What happened in the range week by week, the work outstanding now, and the value of plans: parts of the
dashboard's statement (see cohort.py), and their readers."""

from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, select

from tracker.auth.models import User
from tracker.clock import format_date, local_day_end, local_day_start
from tracker.enquiries.models import Enquiry, StageChange
from tracker.enquiries.queries import ListFilters, filter_conditions
from tracker.enquiries.stages import Stage
from tracker.followups.models import FollowUp, FollowUpStatus
from tracker.plans.models import PlanItem, TreatmentPlan
from tracker.plans.provides import plan_condition
from tracker.reports.pipeline import Count, Row, Trend, TrendRow, ValueRow
from tracker.reports.sql import part, period_of

WEEKS_UP_TO_DAYS = 93  # a range up to a quarter is shown week by week, a longer one month by month
BOOKED = {"consultations": Stage.CONSULTATION_BOOKED, "treatments": Stage.TREATMENT_BOOKED}


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


def bounds(spans) -> list[datetime]:
    """The UTC instants the periods start at, and the last one's end."""
    return [local_day_start(first) for _label, first, _last in spans] + [local_day_end(spans[-1][2])]


def _allowed(enquiry_id, filters):
    """`enquiry_id` belongs to a live enquiry the dimension filters allow.

    With no filter but "live" that is "not one of the few archived" (their partial index), so the rows are not
    joined to every enquiry; with filters, the enquiries they allow.
    """
    dims = filters.dimensions()
    if dims == ListFilters(stage="all"):
        return enquiry_id.not_in(select(Enquiry.id).where(Enquiry.archived_at.is_not(None)))
    return enquiry_id.in_(select(Enquiry.id).where(*filter_conditions(dims)))


def trend_parts(cte, filters, edges: list[datetime]) -> list:
    """Cohort enquiries received per period; enquiries moved into consultation or treatment booked per period."""
    received = period_of(cte.c.received_at, edges)
    out = [select(*part("received", received, a=func.count())).group_by(received)]
    for series, stage in BOOKED.items():
        period = period_of(StageChange.at, edges)
        out.append(select(*part(series, period, a=func.count(StageChange.enquiry_id.distinct())))
                   .where(StageChange.to_stage == stage, StageChange.at >= edges[0], StageChange.at < edges[-1],
                          _allowed(StageChange.enquiry_id, filters))
                   .group_by(period))
    return out


def trend(rows: dict, filters, kind: str, spans) -> Trend:
    """The trend table's rows, with the links that list each count."""
    counts = {(series, int(row.key)): row.a for series in ("received", *BOOKED) for row in rows.get(series, [])
              if row.key is not None}
    dims = filters.dimension_args()
    out = []
    for index, (label, first, last) in enumerate(spans):
        days = {"received_from": first.isoformat(), "received_to": last.isoformat()}
        booked = {series: Count(counts.get((series, index), 0), {
            **dims, "entered": stage.value, "entered_from": first.isoformat(), "entered_to": last.isoformat()})
            for series, stage in BOOKED.items()}
        out.append(TrendRow(label, first, last, Count(counts.get(("received", index), 0), {**dims, **days}),
                            booked["consultations"], booked["treatments"]))
    return Trend(kind, out)


def work_parts(filters, now: datetime) -> list:
    """Now, whatever the range: enquiries with overdue follow-ups per owner, and open ones with no next step."""
    enquiries = func.count(FollowUp.enquiry_id.distinct())
    return [select(*part("overdue", FollowUp.assigned_to_id, User.full_name, enquiries))
            .select_from(FollowUp).outerjoin(User, User.id == FollowUp.assigned_to_id)
            .where(FollowUp.status == FollowUpStatus.OPEN, FollowUp.overdue_at < now,
                   _allowed(FollowUp.enquiry_id, filters))
            .group_by(FollowUp.assigned_to_id, User.full_name),
            select(*part("no_next_step", a=func.count()))
            .where(*filter_conditions(replace(filters.dimensions(), no_followup=True)))]


def work(rows: dict, filters) -> tuple[list[Row], Count]:
    """Overdue by owner (most first; the reception team's unassigned ones as one row) and no next step."""
    dims = filters.dimension_args()
    overdue = sorted((Row(row.label or "Reception team", Count(row.a, {**dims, "overdue": row.key or "team"}))
                      for row in rows.get("overdue", [])), key=lambda r: (-r.count.n, r.label))
    without = rows["no_next_step"][0].a if rows.get("no_next_step") else 0
    return overdue, Count(without, {**dims, "no_followup": "y"})


VALUE_ROWS = (("proposed", "Proposed"), ("accepted", "Accepted"), ("declined", "Declined"))


def value_parts(filters) -> list:
    """Per status: enquiries with plans proposed, accepted or declined in the range, and those plans' value."""
    items = and_(PlanItem.plan_id == TreatmentPlan.id, PlanItem.archived_at.is_(None))
    return [select(*part("value", status, a=func.count(TreatmentPlan.enquiry_id.distinct()),
                         value=func.coalesce(func.sum(PlanItem.sessions * PlanItem.price_pence), 0)))
            .select_from(TreatmentPlan).outerjoin(PlanItem, items)
            .where(plan_condition(TreatmentPlan, status, filters.start, filters.end),
                   _allowed(TreatmentPlan.enquiry_id, filters))
            for status, _label in VALUE_ROWS]


def value(rows: dict, filters) -> list[ValueRow]:
    """The value rows, with links to the enquiries the plans belong to."""
    found = {row.key: row for row in rows.get("value", [])}
    dims = filters.dimension_args()
    span = {"plan_from": filters.start.isoformat(), "plan_to": filters.end.isoformat()}
    return [ValueRow(label, Count(found[status].a if status in found else 0, {**dims, "plan": status, **span}),
                     int(found[status].value or 0) if status in found else 0) for status, label in VALUE_ROWS]
