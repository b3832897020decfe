"""The rows of the demo's follow-ups and their reschedules, as the tables take them, built one enquiry at a time."""

import random

from tracker.demo.chance import Weighted, choice
from tracker.demo.clinic_week import ClinicWeek
from tracker.demo.hours import DAY, HOUR, Calendar
from tracker.demo.refs import Refs
from tracker.followups.models import FollowUpKind, FollowUpStatus, Priority

TEAM = 0.15  # follow-ups left to the reception team (no assignee)
PRIORITY = Weighted({Priority.NORMAL: 82, Priority.HIGH: 10, Priority.LOW: 8})


class RowWriter:
    """Adds, moves and closes follow-up rows of the current enquiry; times are demo moments (see demo.hours)."""

    def __init__(self, rng: random.Random, calendar: Calendar, refs: Refs, ids):
        """Rows drawn from `rng`, with ids from `ids`, on the demo's calendar and the clinic's week."""
        self.rng, self.cal, self.refs, self.ids = rng, calendar, refs, ids
        self.week = ClinicWeek(calendar, refs.opening)
        self.time_suffix = ".000000" if calendar.dialect == "sqlite" else ""  # as each database stores a time
        self.rows: list[dict] = []
        self.moves: list[dict] = []
        self.enquiry: dict = {}

    def _add(self, kind: FollowUpKind, due_day: int, due_second: int | None, created: int, by: int | None,
             rule: str | None = None, key: str | None = None, *, note: str | None = None,
             priority: Priority | None = None) -> dict:
        """An open follow-up made at `created` by a rule, or by `by` (else reception), for the assignee or the team."""
        rng, enquiry = self.rng, self.enquiry
        if rule is None and by is None:
            by = enquiry["assigned_to_id"] or choice(rng, self.refs.reception)
        stamp = self.cal.stored(created)
        row = {"id": self.ids.take("follow_ups"), "enquiry_id": enquiry["id"], "kind": kind,
               "assigned_to_id": None if rng.random() < TEAM else enquiry["assigned_to_id"],
               "priority": priority or (Priority.NORMAL if rule else PRIORITY.pick(rng)), "note": note,
               "status": FollowUpStatus.OPEN, "rule": rule,
               "rule_key": key, "created_by_id": by, "closed_at": None, "closed_by_id": None, "outcome": None,
               "cancel_reason": None, "created_at": stamp, "updated_at": stamp, "version": 1,
               "created": created}
        self._set_due(row, due_day, due_second)
        self.rows.append(row)
        return row

    def _set_due(self, row: dict, due_day: int, due_second: int | None) -> None:
        """The due date and time, and the UTC instant it falls overdue (as followups.services.overdue_instant)."""
        due_day = min(due_day, len(self.cal.offsets) - 2)
        if due_second is not None:
            due_second -= due_second % 60  # a time of day is kept to the minute
        row.update(due_day=due_day, due_second=due_second, due_on=self.week.iso(due_day))
        if due_second is None:
            row.update(due_time=None, overdue_at=self.cal.day_end(due_day))
        else:
            row.update(due_time=f"{due_second // HOUR:02d}:{due_second // 60 % 60:02d}:00{self.time_suffix}",
                       overdue_at=self.cal.stored(due_day * DAY + due_second))

    def _reschedule(self, row: dict, moment: int, by: int, day: int, second: int | None, note: str) -> None:
        """Moved to another day at `moment` by `by`, the move kept in the follow-up's history."""
        before = row["due_on"], row["due_time"]
        self._set_due(row, day, second)
        stamp = self.cal.stored(moment)
        self.moves.append({"id": self.ids.take("follow_up_reschedules"), "follow_up_id": row["id"],
                           "from_due_on": before[0], "from_due_time": before[1], "to_due_on": row["due_on"],
                           "to_due_time": row["due_time"], "from_assigned_to_id": row["assigned_to_id"],
                           "to_assigned_to_id": row["assigned_to_id"], "note": note, "at": stamp, "by_id": by})
        row.update(updated_at=stamp, version=row["version"] + 1)

    def _done(self, row: dict, moment: int, by: int | None, outcomes: tuple[str, ...]) -> None:
        """Done at `moment` by `by` (else its assignee, the enquiry's, or anyone at reception), with an outcome."""
        by = by or row["assigned_to_id"] or self.enquiry["assigned_to_id"] or choice(self.rng, self.refs.reception)
        self._close(row, FollowUpStatus.DONE, moment, by, outcome=choice(self.rng, outcomes))

    def _cancel(self, row: dict, moment: int, reason: str, by: int | None = None) -> None:
        """Cancelled at `moment` with a reason, by `by` (None: a rule, as the enquiry moved on)."""
        self._close(row, FollowUpStatus.CANCELLED, moment, by, cancel_reason=reason)

    def _close(self, row: dict, status: FollowUpStatus, moment: int, by: int | None, **what) -> None:
        """Closed, never before it was made; the ORM would have counted the change in its version."""
        stamp = self.cal.stored(max(moment, row["created"]))
        row.update(status=status, closed_at=stamp, closed_by_id=by, updated_at=stamp, version=row["version"] + 1,
                   **what)


def strip_working_keys(rows: list[dict]) -> list[dict]:
    """The rows as the table takes them: without the generator's own bookkeeping."""
    for row in rows:
        del row["created"], row["due_day"], row["due_second"]
    return rows
