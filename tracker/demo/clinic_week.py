"""The clinic's week as its settings say, on the demo's calendar of days: working days, and opening-hours arithmetic."""

from tracker.demo.hours import DAY, Calendar


class ClinicWeek:
    """Days numbered as the demo numbers them (0: the window's first), opening as the settings' opening hours."""

    def __init__(self, calendar: Calendar, opening: dict[int, tuple[int, int]]):
        """`opening`: weekday (0 Monday) → (opens, closes) in seconds after midnight, for the days the clinic opens."""
        self.calendar, self.opening = calendar, opening
        self.first_weekday = calendar.first_day.weekday()
        self.days: list[str] = []

    def iso(self, day: int) -> str:
        """A demo day as the date column reads it."""
        while len(self.days) <= day:
            self.days.append(self.calendar.stored_day(self.calendar.day(len(self.days) * DAY)))
        return self.days[day]

    def open_hours(self, day: int) -> tuple[int, int] | None:
        """The clinic's (opens, closes) on a day of the demo window, as the settings say; None if closed."""
        return self.opening.get((self.first_weekday + day) % 7)

    def working_day_before(self, day: int) -> int:
        """The last day before `day` the clinic opens (the day before, if it never opens)."""
        for back in range(1, 8):
            if self.open_hours(day - back):
                return day - back
        return day - 1

    def working_day_after(self, day: int) -> int:
        """The first day after `day` the clinic opens (the day after, if it never opens)."""
        for ahead in range(1, 8):
            if self.open_hours(day + ahead):
                return day + ahead
        return day + 1

    def after_opening_hours(self, moment: int, seconds: int) -> int:
        """The moment `seconds` of opening time after `moment` (time while closed does not count)."""
        if not self.opening:
            return moment + seconds
        day, second = divmod(moment, DAY)
        while True:  # each week holds some opening time, so this ends
            hours = self.open_hours(day)
            if hours is not None and second < hours[1]:
                begin = max(second, hours[0])
                if seconds <= hours[1] - begin:
                    return day * DAY + begin + seconds
                seconds -= hours[1] - begin
            day, second = day + 1, 0

    def open_seconds_between(self, start: int, end: int) -> int:
        """The opening time from `start` to `end` (0 when `end` is not after `start`)."""
        if end <= start:
            return 0
        if not self.opening:
            return end - start
        total = 0
        for day in range(start // DAY, end // DAY + 1):
            hours = self.open_hours(day)
            if hours is not None:
                total += max(0, min(end, day * DAY + hours[1]) - max(start, day * DAY + hours[0]))
        return total
