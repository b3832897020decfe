"""The demo's clock and the clinic's hours: times are local seconds since the window's first midnight.

Plain integers keep the generator fast; each becomes UTC text once, when its row is built.
"""

import bisect
import random
from calendar import monthrange
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from tracker.demo.chance import between

DAY = 86_400
HOUR = 3_600
# Monday=0 … Saturday=5: (opens, closes) in seconds after local midnight; closed on Sundays.
OPENING = {0: (9 * HOUR, 18 * HOUR), 1: (9 * HOUR, 18 * HOUR), 2: (9 * HOUR, 18 * HOUR),
           3: (9 * HOUR, 18 * HOUR), 4: (9 * HOUR, 18 * HOUR), 5: (9 * HOUR, 13 * HOUR)}
WEEKDAY_WEIGHT = {0: 1.25, 1: 1.1, 2: 1.0, 3: 1.0, 4: 0.9, 5: 0.55}  # Monday busiest; Saturday is half a day
SLOT = 15 * 60  # appointments start on the quarter hour
SEARCH_DAYS = 60  # how far ahead the diary looks for a free slot before giving up
STRIDE = 1 << 16  # diary keys: day * STRIDE + practitioner index
# Past today: consultations up to ~3 months on; a course of treatment booked today runs up to ~14 months.
LOOK_AHEAD_DAYS = 450


# How each database is given a UTC datetime as text: SQLite as SQLAlchemy stores it, PostgreSQL with its zone.
STAMP_SUFFIX = {"sqlite": ".000000", "postgresql": "+00"}


@cache
def _times_of_day(suffix: str) -> list[str]:
    """ "HH:MM:SS" and the suffix, for every second of a day."""
    return [f"{s // HOUR:02d}:{s // 60 % 60:02d}:{s % 60:02d}{suffix}" for s in range(DAY)]


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (that month's last day if it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


class Calendar:
    """Opening hours over the demo window (the last `months` months up to yesterday) and some days beyond."""

    def __init__(self, zone: ZoneInfo, today: date, dialect: str, *, months: int = 18):
        self.first_day = months_before(today, months)
        self.dialect = dialect
        self.past_days = (today - self.first_day).days
        self.now = self.past_days * DAY  # local midnight starting today: every past event is before it
        weekday = self.first_day.weekday()
        total = self.past_days + LOOK_AHEAD_DAYS
        self.hours = [OPENING.get((weekday + d) % 7) for d in range(total)]
        self.offsets = [int(datetime.combine(self.first_day + timedelta(d), time(12), tzinfo=zone)
                            .utcoffset().total_seconds()) for d in range(total)]
        # Millions of stamps: each is a day's text and a second's text, made once.
        self._day_texts = [f"{self.first_day + timedelta(d):%Y-%m-%d} " for d in range(-1, total)]
        self._times = _times_of_day(STAMP_SUFFIX[dialect])
        self._received_weights = self._weights()
        self._day_index: dict[str, int] | None = None  # made on first use by moment()

    def _weights(self) -> list[float]:
        """Cumulative weights of the past days for receiving enquiries: busier lately, none on Sundays."""
        weekday = self.first_day.weekday()
        total, cumulative = 0.0, []
        for d in range(self.past_days):
            trend = 0.75 + 0.5 * d / max(1, self.past_days - 1)  # a growing clinic
            total += WEEKDAY_WEIGHT.get((weekday + d) % 7, 0.0) * trend
            cumulative.append(total)
        return cumulative

    def stored(self, moment: int) -> str:
        """A local moment as UTC text the database reads into a datetime column.

        The day's midday offset is used: the clinic's events never fall in the small hours when the clocks change.
        """
        day, second = divmod(moment - self.offsets[moment // DAY], DAY)
        return self._day_texts[day + 1] + self._times[second]

    def moment(self, stamp: str) -> int:
        """The local moment of a stamp made by `stored` (its inverse, for the clinic's daytime events)."""
        if self._day_index is None:
            self._day_index = {text: d for d, text in enumerate(self._day_texts, start=-1)}
        d = self._day_index[stamp[:11]]
        second = int(stamp[11:13]) * HOUR + int(stamp[14:16]) * 60 + int(stamp[17:19])
        return d * DAY + second + self.offsets[d]

    def day_end(self, d: int) -> str:
        """The UTC stamp of the midnight ending local day `d`: its offset is the day's own, as the clocks
        change in the small hours."""
        day, second = divmod((d + 1) * DAY - self.offsets[d], DAY)
        return self._day_texts[day + 1] + self._times[second]

    @staticmethod
    def stored_day(day: date) -> str:
        """A date as text the database reads into a date column."""
        return day.isoformat()

    def day(self, moment: int) -> date:
        """The local calendar day of a moment."""
        return self.first_day + timedelta(days=moment // DAY)

    def received(self, rng: random.Random) -> int:
        """A moment within opening hours on a past day of the window."""
        weights = self._received_weights
        d = bisect.bisect_right(weights, rng.random() * weights[-1])
        opens, closes = self.hours[d]
        return d * DAY + opens + int(rng.random() * (closes - opens))

    def snap(self, moment: int, rng: random.Random) -> int:
        """The moment itself if the clinic is open then, else a little after the next opening."""
        d, second = divmod(moment, DAY)
        hours = self.hours[d]
        if hours is not None and second < hours[1]:
            if second >= hours[0]:
                return moment
        else:
            d += 1
            while self.hours[d] is None:
                d += 1
            hours = self.hours[d]
        return d * DAY + hours[0] + int(rng.random() * min(90 * 60, hours[1] - hours[0]))

    def later(self, moment: int, rng: random.Random, low: float, high: float) -> int:
        """A moment between low and high seconds later, moved into opening hours."""
        moment += int(low + rng.random() * (high - low))
        hours = self.hours[moment // DAY]
        if hours is not None and hours[0] <= moment % DAY < hours[1]:
            return moment  # the usual case, without the call
        return self.snap(moment, rng)


def _fit(booked: int, starts: int, pick: int, slots: int) -> int | None:
    """The first quarter hour from `pick` on (else the earliest) where `slots` free ones begin, or None."""
    clash = 0
    for i in range(slots):
        clash |= booked >> i  # starting here would overlap quarter hour i on
    free = starts & ~clash
    if not free:
        return None
    free = (free >> pick << pick) or free
    return (free & -free).bit_length() - 1


class Diary:
    """Which quarter hours each practitioner is booked for, so demo appointments never double-book."""

    def __init__(self, calendar: Calendar, practitioners: int, rng: random.Random):
        self.calendar = calendar
        self.practitioners = practitioners
        self.rng = rng
        self.busy: dict[int, int] = {}  # day * STRIDE + practitioner → bit n set: quarter hour n of the day is booked

    def _days(self, earliest: int, slots: int, days: int):
        """(day, bit mask of the quarter hours a booking may start in, first, last) of open days from `earliest`."""
        hours_by_day = self.calendar.hours
        first_day, second = divmod(earliest, DAY)
        for d in range(first_day, min(first_day + days, len(hours_by_day))):
            hours = hours_by_day[d]
            if hours is None:
                continue
            low = hours[0] // SLOT if d != first_day else max(hours[0], -(-second // SLOT) * SLOT) // SLOT
            high = hours[1] // SLOT - slots  # the last quarter hour it can start in
            if low <= high:
                yield d, ((1 << (high - low + 1)) - 1) << low, low, high

    def _take(self, key: int, booked: int, slot: int, slots: int) -> None:
        self.busy[key] = booked | (((1 << slots) - 1) << slot)

    def book(self, earliest: int, seconds: int, prefer: int | None = None) -> tuple[int, int]:
        """(practitioner index, start) of a free slot on or after `earliest`'s day, from a random hour of it on."""
        slots = -(-seconds // SLOT)
        rng, busy = self.rng, self.busy
        count = self.practitioners
        first = int(rng.random() * count)
        for d, starts, low, high in self._days(earliest, slots, SEARCH_DAYS):
            pick = between(rng, low, high)
            for turn in range(-1 if prefer is not None else 0, count):  # the preferred one first, then all in turn
                practitioner = prefer if turn < 0 else (first + turn) % count
                booked = busy.get(d * STRIDE + practitioner, 0)
                slot = _fit(booked, starts, pick, slots)
                if slot is not None:
                    self._take(d * STRIDE + practitioner, booked, slot, slots)
                    return practitioner, d * DAY + slot * SLOT
        # Over capacity for two months: double-book rather than push the story further out.
        return (first if prefer is None else prefer), self.calendar.snap(earliest, rng) // SLOT * SLOT

    def book_with(self, practitioner: int, earliest: int, seconds: int) -> int | None:
        """The start of a free slot with this practitioner on or after `earliest`'s day; None past the calendar."""
        slots = -(-seconds // SLOT)
        for d, starts, low, high in self._days(earliest, slots, len(self.calendar.hours)):
            booked = self.busy.get(d * STRIDE + practitioner, 0)
            slot = _fit(booked, starts, between(self.rng, low, high), slots)
            if slot is not None:
                self._take(d * STRIDE + practitioner, booked, slot, slots)
                return d * DAY + slot * SLOT
        return None

    def release(self, practitioner: int, start: int, seconds: int) -> None:
        """Free a slot again (the appointment was cancelled or moved)."""
        d, second = divmod(start, DAY)
        key = d * STRIDE + practitioner
        self.busy[key] = self.busy.get(key, 0) & ~(((1 << -(-seconds // SLOT)) - 1) << (second // SLOT))
