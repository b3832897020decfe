"""Free slots: the next times a specialist (or any) is free for a length, within opening hours (one busy read)."""

import contextlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from tracker.auth.models import User
from tracker.bookings.models import HOLDS_TIME, Appointment
from tracker.clock import NonexistentLocalTime, local_to_utc, to_clinic
from tracker.extensions import db
from tracker.settings.hours import Week

STEP = timedelta(minutes=15)  # offered starts fall on the quarter hours
HORIZON_DAYS = 28  # how far ahead the finder looks
MAX_SLOTS = 20
BUSY_CAP = 5000  # the busy times read at most (a month of a large clinic's diary)


@dataclass(frozen=True)
class FreeSlot:
    """A free time: when (UTC), for how long, with whom."""

    starts_at: datetime
    minutes: int
    practitioner: User

    @property
    def local(self) -> datetime:
        return to_clinic(self.starts_at)

    def form_args(self) -> dict:
        """The booking form's fields for this slot, as query arguments."""
        return {"date": self.local.date().isoformat(), "time": f"{self.local:%H:%M}", "minutes": self.minutes,
                "specialist": self.practitioner.id}


def _busy(practitioner_ids: list[int], start: datetime, end: datetime) -> dict[int, list[tuple]]:
    """Each practitioner's held times overlapping start..end (UTC), soonest first (one capped query)."""
    stmt = (select(Appointment.practitioner_id, Appointment.starts_at, Appointment.ends_at)
            .where(Appointment.practitioner_id.in_(practitioner_ids), Appointment.status.in_(HOLDS_TIME),
                   Appointment.starts_at < end, Appointment.ends_at > start)
            .order_by(Appointment.starts_at).limit(BUSY_CAP))
    busy: dict[int, list[tuple]] = {pid: [] for pid in practitioner_ids}
    for pid, begins, ends in db.session.execute(stmt):
        busy[pid].append((begins, ends))
    return busy


def _starts(day: date, opens: time, closes: time, length: timedelta):
    """The day's candidate starts (UTC) on the quarter hours, ending by closing; skipped wall-clock times left out."""
    cursor, last = datetime.combine(day, opens), datetime.combine(day, closes) - length
    while cursor <= last:
        with contextlib.suppress(NonexistentLocalTime):  # the hour the clocks skip in spring
            yield local_to_utc(cursor)
        cursor += STEP


def _free(busy: list[tuple], start: datetime, end: datetime) -> bool:
    return not any(b_start < end and b_end > start for b_start, b_end in busy)


def _round_up(moment: datetime) -> datetime:
    """The first quarter hour at or after a moment."""
    rounded = moment.replace(second=0, microsecond=0)
    rounded += timedelta(minutes=-rounded.minute % 15)
    return rounded if rounded >= moment else rounded + STEP


def next_free(practitioners: list[User], minutes: int, after: datetime, *, count: int = 6,
              days: int = HORIZON_DAYS) -> list[FreeSlot]:
    """The first `count` free slots of `minutes` after a UTC instant, within opening hours, in time order
    (at one time, each free practitioner in the order given); at most MAX_SLOTS, looking `days` ahead."""
    count, length = max(1, min(count, MAX_SLOTS)), timedelta(minutes=minutes)
    if not practitioners or minutes <= 0:
        return []
    week, first_day = Week.load(), to_clinic(after).date()
    horizon_end = local_to_utc(datetime.combine(first_day + timedelta(days=days), time.min))
    busy = _busy([p.id for p in practitioners], after, horizon_end)
    earliest, found = _round_up(after), []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if day.weekday() not in week.days:
            continue
        for start in _starts(day, *week.days[day.weekday()], length):
            if start < earliest:
                continue
            found += [FreeSlot(start, minutes, p) for p in practitioners if _free(busy[p.id], start, start + length)]
            if len(found) >= count:
                return found[:count]
    return found
