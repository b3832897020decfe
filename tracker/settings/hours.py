"""Opening-hours arithmetic: the instant N opening hours after another, and the working day before a date."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from tracker.clock import NonexistentLocalTime, local_to_utc, to_clinic
from tracker.extensions import db
from tracker.settings.models import OpeningHours


def _utc(wall_clock: datetime) -> datetime:
    """A clinic wall-clock time as UTC; a time skipped when the clocks go forward counts as the hour after."""
    try:
        return local_to_utc(wall_clock)
    except NonexistentLocalTime:
        return local_to_utc(wall_clock + timedelta(hours=1))


@dataclass(frozen=True)
class Week:
    """The clinic's week: weekday (0 Monday) → (opens, closes) for the days it opens."""

    days: dict[int, tuple[time, time]]

    @classmethod
    def load(cls) -> "Week":
        """The week as the settings say (one query)."""
        rows = db.session.scalars(select(OpeningHours).order_by(OpeningHours.weekday))
        return cls({row.weekday: (row.opens, row.closes) for row in rows if row.is_open})

    def is_working_day(self, day: date) -> bool:
        """Whether the clinic opens on this date."""
        return day.weekday() in self.days

    def is_open_between(self, start: datetime, end: datetime) -> bool:
        """Whether the clinic is open for the whole of start..end (UTC): one day, from opening to closing.

        With no opening hours set at all, every time counts as open (as add_opening_hours counts it).
        """
        if not self.days:
            return True
        local_start, local_end = to_clinic(start), to_clinic(end)
        hours = self.days.get(local_start.date().weekday())
        if hours is None or local_end.date() != local_start.date() or end < start:
            return False
        return hours[0] <= local_start.time() and local_end.time() <= hours[1]

    def hours_on(self, day: date) -> str:
        """The day's opening hours as reception reads them: "Monday 09:00–18:00" or "Sunday closed"."""
        name = day.strftime("%A")
        if day.weekday() not in self.days:
            return f"{name} closed"
        opens, closes = self.days[day.weekday()]
        return f"{name} {opens:%H:%M}–{closes:%H:%M}"

    def working_day_before(self, day: date) -> date:
        """The last day the clinic opens before this one (the day before, with no open day at all)."""
        for back in range(1, 8):
            if self.is_working_day(day - timedelta(days=back)):
                return day - timedelta(days=back)
        return day - timedelta(days=1)

    def next_working_day(self, day: date) -> date:
        """The first day the clinic opens after this one (the day after, with no open day at all)."""
        for ahead in range(1, 8):
            if self.is_working_day(day + timedelta(days=ahead)):
                return day + timedelta(days=ahead)
        return day + timedelta(days=1)

    def add_opening_hours(self, start: datetime, hours: float) -> datetime:
        """The UTC instant `hours` of opening time after `start` (UTC): time while closed does not count.

        Hours are real elapsed time, so a day the clocks change still counts each hour once; an instant
        outside opening hours starts counting at the next opening.
        """
        remaining = timedelta(hours=hours)
        if not self.days:
            return start + remaining
        cursor = to_clinic(start).replace(tzinfo=None)
        while True:  # each week holds some opening time, so this ends
            day = cursor.date()
            if day.weekday() in self.days:
                opens, closes = self.days[day.weekday()]
                begin = _utc(max(cursor, datetime.combine(day, opens)))
                end = _utc(datetime.combine(day, closes))
                if begin < end:
                    if remaining <= end - begin:
                        return begin + remaining
                    remaining -= end - begin
            cursor = datetime.combine(day + timedelta(days=1), time.min)

    def opening_time_between(self, start: datetime, end: datetime) -> timedelta:
        """The opening time that passed from `start` to `end` (UTC): real elapsed time, as add_opening_hours counts it.

        Zero when `end` is not after `start`; with no opening hours set, all the time counts.
        """
        if end <= start:
            return timedelta(0)
        if not self.days:
            return end - start
        total = timedelta(0)
        day = to_clinic(start).date()
        while day <= to_clinic(end).date():
            if day.weekday() in self.days:
                opens, closes = self.days[day.weekday()]
                begin = max(start, _utc(datetime.combine(day, opens)))
                finish = min(end, _utc(datetime.combine(day, closes)))
                if begin < finish:
                    total += finish - begin
            day += timedelta(days=1)
        return total
