"""dashboard(): the pipeline dashboard for a range and filters, gathered in one statement of aggregate parts."""

from datetime import datetime

from tracker.reports import activity, breakdowns, cohort, sql
from tracker.reports.pipeline import Dashboard


def dashboard(filters, now: datetime) -> Dashboard:
    """The dashboard for `filters` (a ReportFilters) as of `now` (UTC): one statement, then its rows are read."""
    cte = cohort.facts(filters)
    kind, spans = activity.periods(filters.start, filters.end)
    rows = sql.run([*cohort.parts(cte), *breakdowns.lost_parts(cte), *breakdowns.dimension_parts(cte, filters),
                    *activity.trend_parts(cte, filters, activity.bounds(spans)), *activity.work_parts(filters, now),
                    *activity.value_parts(filters)])
    funnel, speed, intervals = cohort.summary(rows, filters)
    lost_by_reason, lost_by_stage = breakdowns.lost(rows, filters)
    dimensions = breakdowns.dimensions(rows, filters)
    overdue, no_next_step = activity.work(rows, filters)
    return Dashboard(received=funnel[0].count, funnel=funnel, speed=speed, intervals=intervals,
                     lost_by_reason=lost_by_reason, lost_by_stage=lost_by_stage, by_channel=dimensions["channel"],
                     by_source=dimensions["source"], by_specialist=dimensions["specialist"],
                     by_treatment=dimensions["treatment"], trend=activity.trend(rows, filters, kind, spans),
                     overdue_by_assignee=overdue, no_next_step=no_next_step, value=activity.value(rows, filters))
