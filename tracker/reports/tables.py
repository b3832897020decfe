"""The dashboard as tables: the same rows on the page (numbers linked to the list) and in each export."""

from dataclasses import dataclass

from tracker.money import format_pence
from tracker.reports.pipeline import Count, Dashboard, DimensionRow


@dataclass(frozen=True)
class Cell:
    """A value for a spreadsheet, how the page shows it, and the list it links to (counts only)."""

    value: object
    text: str
    link: dict[str, str] | None = None


@dataclass(frozen=True)
class Table:
    """One report table: its key (for export addresses), title, column headings and rows."""

    key: str
    title: str
    header: list[str]
    rows: list[list[Cell]]


def count(c: Count) -> Cell:
    return Cell(c.n, f"{c.n:,}", c.args)


def share(value: float | None) -> Cell:
    return Cell(None if value is None else round(value * 100, 1), "—" if value is None else f"{value:.0%}")


def number(value: float | None, unit: str = "") -> Cell:
    return Cell(None if value is None else round(value, 1), "—" if value is None else f"{value:,.1f}{unit}")


def label(text: str) -> Cell:
    return Cell(text, text)


def _dimension(key: str, title: str, heading: str, rows: list[DimensionRow]) -> Table:
    return Table(key, title, [heading, "Received", "Consulted", "Treatment booked", "Conversion"],
                 [[label(r.label), count(r.received), count(r.consulted), count(r.treatment_booked), share(r.rate)]
                  for r in rows])


def build(d: Dashboard) -> dict[str, Table]:
    """Every table of the dashboard, by key, in page order."""
    s = d.speed
    target = f"{s.target_hours:g} opening hours"
    tables = [
        Table("funnel", "Funnel: enquiries received in the range and how far they got",
              ["Stage reached", "Enquiries", "From the step before", "Of all received"],
              [[label(step.label), count(step.count), share(step.step_rate), share(step.overall_rate)]
               for step in d.funnel]),
        Table("speed", "Speed of first contact", ["Measure", "Value"], [
            [label("Contacted"), count(s.contacted)],
            [label(f"Contacted within the target ({target})"), count(s.within_target)],
            [label("Contacted after the target"), count(s.late)],
            [label("Not contacted yet"), count(s.not_contacted)],
            [label("Share of received contacted within the target"), share(s.within_share)],
            [label("Median time to first contact, calendar hours"), number(s.median_hours, " h")],
            [label("90th percentile, calendar hours"), number(s.p90_hours, " h")],
            [label("Median time to first contact, opening hours"), number(s.median_open_hours, " h")],
            [label("90th percentile, opening hours"), number(s.p90_open_hours, " h")]]),
        Table("time-in-stage", "Time between steps (median days)", ["Step", "Enquiries measured", "Median days"],
              [[label(i.label), count(i.count), number(i.median_days)] for i in d.intervals]),
        Table("lost-reasons", "Lost, by reason", ["Reason", "Enquiries"],
              [[label(r.label), count(r.count)] for r in d.lost_by_reason]),
        Table("lost-stages", "Lost, by the stage they were lost from", ["Lost from", "Enquiries"],
              [[label(r.label), count(r.count)] for r in d.lost_by_stage]),
        _dimension("channels", "Conversion by channel", "Channel", d.by_channel),
        _dimension("sources", "Conversion by source", "Source", d.by_source),
        _dimension("specialists", "Conversion by specialist (consultations attended)", "Specialist", d.by_specialist),
        _dimension("treatments", "Conversion by treatment asked about", "Treatment", d.by_treatment),
        Table("trend", f"Trend by {d.trend.period}", [d.trend.period.capitalize(), "Enquiries received",
                                                       "Consultations booked", "Treatments booked"],
              [[label(r.label), count(r.received), count(r.consultations), count(r.treatments)]
               for r in d.trend.rows]),
        Table("overdue", "Enquiries with overdue follow-ups, by whose they are (now)", ["Assigned to", "Enquiries"],
              [[label(r.label), count(r.count)] for r in d.overdue_by_assignee]),
        Table("value", "Value of treatment plans in the range", ["Plans", "Enquiries", "Value"],
              [[label(v.label), count(v.enquiries), Cell(v.pence / 100, format_pence(v.pence))] for v in d.value]),
    ]
    return {table.key: table for table in tables}
