"""What a report covers: a range of clinic days, its presets, and the optional filters on the enquiries."""

from dataclasses import dataclass
from datetime import date, timedelta

from tracker.enquiries.drilldown import DrillDown
from tracker.enquiries.models import Channel, Concern
from tracker.enquiries.queries import ListFilters

PRESETS = {
    "week": "This week",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "quarter": "This quarter",
    "year": "This year",
    "custom": "Custom",
}
DEFAULT_PRESET = "90d"


def preset_range(preset: str, today: date) -> tuple[date, date]:
    """The clinic days a preset covers, today included."""
    if preset == "week":
        return today - timedelta(days=today.weekday()), today
    if preset == "30d":
        return today - timedelta(days=29), today
    if preset == "quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    if preset == "year":
        return date(today.year, 1, 1), today
    return today - timedelta(days=89), today


@dataclass(frozen=True)
class ReportFilters:
    """The range (clinic days, both included) and the dimension filters; None or "" leaves one out."""

    start: date
    end: date
    channel: Channel | None = None
    source_id: int | None = None
    assignee: str = ""  # "", "none", or a user id as text, as the enquiry list takes it
    specialist_id: int | None = None  # had an attended consultation with this practitioner
    treatment_id: int | None = None
    concern: Concern | None = None

    def dimensions(self, **drill) -> ListFilters:
        """The list's filters for the enquiries these dimensions allow, any stage, any date, plus `drill`."""
        return ListFilters(stage="all", channel=self.channel, source_id=self.source_id, assignee=self.assignee,
                           concern=self.concern, treatment_id=self.treatment_id,
                           drill=DrillDown(specialist_id=self.specialist_id, **drill))

    def cohort(self, **drill) -> ListFilters:
        """The list's filters for the enquiries received in the range, plus `drill`."""
        dims = self.dimensions(**drill)
        return ListFilters(**{**dims.__dict__, "received_from": self.start, "received_to": self.end})

    def dimension_args(self) -> dict[str, str]:
        """The dimension filters as the enquiry list's query arguments."""
        args = {"report": "pipeline", "stage": "all", "channel": self.channel and self.channel.value,
                "source": self.source_id, "assignee": self.assignee, "specialist": self.specialist_id,
                "treatment": self.treatment_id, "concern": self.concern and self.concern.value}
        return {key: str(value) for key, value in args.items() if value}

    def cohort_args(self) -> dict[str, str]:
        """The query arguments that list the cohort: the dimensions and the received range."""
        return {**self.dimension_args(), "received_from": self.start.isoformat(), "received_to": self.end.isoformat()}
