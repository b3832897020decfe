"""The pipeline dashboard: what it shows (tracker.reports.dashboard gathers it in a handful of aggregate statements).

Every number is a Count: its value and the enquiry list's query arguments that list exactly the enquiries
it counts (tracker/enquiries/drilldown.py holds the definitions the list applies; the tests hold the two
together number by number).
"""

from dataclasses import dataclass, field
from datetime import date

from tracker.enquiries.stages import Stage


@dataclass(frozen=True)
class Count:
    """A number of enquiries and the list arguments that show them."""

    n: int
    args: dict[str, str] = field(default_factory=dict)


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return part / whole if whole else None


@dataclass(frozen=True)
class FunnelStep:
    """How many of the cohort reached a stage; rates from the step before and from all received."""

    stage: Stage | None  # None: received
    label: str
    count: Count
    step_rate: float | None
    overall_rate: float | None


@dataclass(frozen=True)
class Speed:
    """Time from received to first contact, in calendar and in opening hours, against the clinic's target."""

    target_hours: float
    contacted: Count
    not_contacted: Count
    within_target: Count
    late: Count
    within_share: float | None
    median_hours: float | None
    p90_hours: float | None
    median_open_hours: float | None
    p90_open_hours: float | None


@dataclass(frozen=True)
class Interval:
    """The median days between two steps, over the enquiries that took both."""

    label: str
    count: Count
    median_days: float | None


@dataclass(frozen=True)
class Row:
    """A labelled count."""

    label: str
    count: Count


@dataclass(frozen=True)
class DimensionRow:
    """Conversion for one channel, source, specialist or treatment."""

    label: str
    received: Count
    consulted: Count
    treatment_booked: Count
    rate: float | None  # treatment booked / received


@dataclass(frozen=True)
class TrendRow:
    """One week or month: enquiries received, consultations booked, treatments booked."""

    label: str
    start: date
    end: date
    received: Count
    consultations: Count
    treatments: Count


@dataclass(frozen=True)
class Trend:
    """The range in weeks or months."""

    period: str  # "week" or "month"
    rows: list[TrendRow]


@dataclass(frozen=True)
class ValueRow:
    """The value of plans proposed, accepted or declined in the range, and the enquiries they belong to."""

    label: str
    enquiries: Count
    pence: int


@dataclass(frozen=True)
class Dashboard:
    """Everything /reports/pipeline shows for one range and set of filters."""

    received: Count
    funnel: list[FunnelStep]
    speed: Speed
    intervals: list[Interval]
    lost_by_reason: list[Row]
    lost_by_stage: list[Row]
    by_channel: list[DimensionRow]
    by_source: list[DimensionRow]
    by_specialist: list[DimensionRow]
    by_treatment: list[DimensionRow]
    trend: Trend
    overdue_by_assignee: list[Row]
    no_next_step: Count
    value: list[ValueRow]

    @property
    def empty(self) -> bool:
        return self.received.n == 0
