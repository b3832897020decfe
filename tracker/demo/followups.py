"""Follow-ups for the demo data: each enquiry's next steps, as the follow-up rules and reception would have made them.

Read from the history the funnel has just written for the enquiry: the first-contact rule's call-back (due
within the target in opening hours), then reception's after each unanswered attempt (or the same one moved
to the next try, the move kept as a reschedule); the reminder the working day before each consultation, a
check-in two days after one attended, decision chases 3 and 10 days after a plan is proposed, a
pre-treatment check before the first session, aftercare checks after sessions, a reminder of the next
session, and reviews months after the course, under the rules' own names and keys. Each is done (with an
outcome) or cancelled (with the rules' reason) when the story moved past it; a lost or completed enquiry
cancels what was pending, except aftercare and reviews. Each open enquiry ends with exactly one open
follow-up, most due within a few days of today, some a fortnight overdue, some up to three weeks ahead.
Drawn from a random stream of their own, so the other demo rows are the same as without them.
"""

import random
from dataclasses import dataclass

from tracker.bookings.models import AppointmentKind, AppointmentStatus
from tracker.demo.chance import Weighted, between, choice
from tracker.demo.followup_rows import RowWriter
from tracker.demo.followup_texts import (
    AFTERCARE,
    CALL,
    CHASED,
    CHECKED_IN,
    MISSED,
    PREPARED,
    REACHED,
    REMINDED,
    REVIEWED,
)
from tracker.demo.hours import DAY, HOUR, Calendar
from tracker.demo.refs import Refs
from tracker.enquiries.models import ContactOutcome
from tracker.enquiries.stages import Stage
from tracker.followups.models import FollowUpKind, FollowUpStatus, Priority
from tracker.followups.rules import DECISION_CHASES, POST_CONSULTATION_DAYS, RULES
from tracker.plans.sessions import add_months

# The rules' own (tracker.followups.rules): their names and keys, so a rule that runs later on a demo enquiry
# finds what it would have made. Aftercare checks and reviews outlive a lost or completed enquiry.
# The rules' own figures (tracker.followups.rules), so the demo looks like what they would have made.
ASKS = ("ask for the patient's decision", "chase the decision again")
OUTLIVING = tuple(rule.name for rule in RULES if rule.outlives_the_enquiry)
TIMED = 0.3  # manual follow-ups given a time of day as well as a date
RESCHEDULE = 0.8  # after an unanswered call the call-back is moved to the next try; else done, and a new one made
# Where an open follow-up falls due: mostly today give or take a few days, some a fortnight overdue, some ahead.
DUE = Weighted({(-3, 3): 60, (-14, -4): 20, (4, 21): 20})
STALE_DAYS = 14  # an open follow-up due longer ago than this has been moved on to a date from DUE
# Stages an open enquiry can stop at, and the kind of follow-up it waits on there when nothing else is pending.
WAITING = {Stage.NEW: FollowUpKind.CALL_BACK, Stage.CONTACTED: FollowUpKind.CALL_BACK,
           Stage.CONSULTATION_BOOKED: FollowUpKind.CONSULTATION_REMINDER,
           Stage.CONSULTED: FollowUpKind.POST_CONSULTATION, Stage.PLAN_PROPOSED: FollowUpKind.DECISION_CHASE,
           Stage.TREATMENT_BOOKED: FollowUpKind.PRE_TREATMENT, Stage.IN_TREATMENT: FollowUpKind.SESSION_REMINDER}


@dataclass(frozen=True)
class Marks:
    """Where one enquiry's rows start in each of the batch's lists, taken before the funnel writes them."""

    stage_changes: int
    contact_attempts: int
    appointments: int
    treatment_plans: int
    plan_items: int

    @classmethod
    def of(cls, rows) -> "Marks":
        """The current ends of the batch's lists."""
        return cls(len(rows.stage_changes), len(rows.contact_attempts), len(rows.appointments),
                   len(rows.treatment_plans), len(rows.plan_items))


class FollowUps(RowWriter):
    """Writes each enquiry's follow-up rows into the batch, with ids from `ids`."""

    def __init__(self, seed: int, calendar: Calendar, refs: Refs, ids):
        """A writer drawing from its own stream of the seed, on the demo's calendar and the clinic's rows."""
        super().__init__(random.Random(f"follow-ups {seed}"), calendar, refs, ids)  # noqa: S311 (made-up data)
        self.today = calendar.now // DAY

    # --- the enquiry's story ------------------------------------------------------------------------

    def write(self, rows, enquiry: dict, received: int, marks: Marks) -> None:
        """One enquiry's follow-ups, from the history the funnel just wrote for it."""
        self.rows, self.moves, self.enquiry = rows.follow_ups, rows.follow_up_reschedules, enquiry
        start = len(self.rows)
        moment = self.cal.moment
        changes = [(c["to_stage"], moment(c["at"]), c) for c in rows.stage_changes[marks.stage_changes:]]
        appointments = rows.appointments[marks.appointments:]
        self._contact(received, rows.contact_attempts[marks.contact_attempts:])
        self._consultations([a for a in appointments if a["kind"] is AppointmentKind.CONSULTATION], changes)
        for plan in rows.treatment_plans[marks.treatment_plans:]:
            self._plan(plan, changes)
        sessions = sorted((a for a in appointments if a["plan_item_id"] is not None), key=lambda a: a["starts_at"])
        if sessions:
            items = {item["id"]: (item["plan_id"], item["treatment_id"]) for item in rows.plan_items[marks.plan_items:]}
            self._course(sessions, items, changes)
        self._settle(self.rows[start:], changes)

    def _contact(self, received: int, attempts: list[dict]) -> None:
        """The first-contact rule's call-back, then reception's: after an unanswered attempt the call-back is moved
        to the next try (a reschedule) or done and a new one made; one is left pending while unreached."""
        row, previous = None, None
        for index, attempt in enumerate(attempts):
            at, by, outcome = self.cal.moment(attempt["at"]), attempt["by_id"], attempt["outcome"]
            if row is None:
                row = (self._first_contact(received) if previous is None
                       else self._add(FollowUpKind.CALL_BACK, self._day(at), self._time(), previous, by))
            said = choice(self.rng, REACHED if outcome is ContactOutcome.REACHED else CALL[outcome])
            if outcome is ContactOutcome.REACHED:
                self._done(row, at, by, (said,))
                return
            following = attempts[index + 1] if index + 1 < len(attempts) else None
            if self.rng.random() < RESCHEDULE:
                day = (self._day(self.cal.moment(following["at"])) if following is not None
                       else self.week.working_day_after(self._day(at)))
                self._reschedule(row, at, by, day, self._time(), said)
            else:
                self._done(row, at, by, (said,))
                row = None
            previous = at
        if previous is None:
            self._first_contact(received)
        elif row is None:
            self._add(FollowUpKind.CALL_BACK, self.week.working_day_after(self._day(previous)), self._time(), previous,
                      attempts[-1]["by_id"])

    def _first_contact(self, received: int) -> dict:
        """The first-contact rule's call-back, due the target's opening hours after the enquiry came in (to the
        minute, never before the target)."""
        hours = self.refs.first_contact_hours
        due = -(-self.week.after_opening_hours(received, hours * HOUR) // 60) * 60
        return self._add(FollowUpKind.CALL_BACK, due // DAY, due % DAY, received, None, "first_contact", "enquiry",
                         priority=Priority.HIGH, note=f"First contact: call within {hours} opening "
                                                      f"hour{'s' if hours != 1 else ''} of the enquiry.")

    def _consultations(self, consultations: list[dict], changes: list) -> None:
        """A reminder the working day before each (if booked in time), a check-in two days after one attended,
        and reception's call-back after one missed, done once it was booked again."""
        for appointment in sorted(consultations, key=lambda a: a["created_at"]):
            booked, start = self.cal.moment(appointment["created_at"]), self.cal.moment(appointment["starts_at"])
            status = appointment["status"]
            changed = self.cal.moment(appointment["status_changed_at"] or appointment["created_at"])
            self._reminder(appointment, booked, start, changed, "consultation_reminder", "consultation")
            if status is AppointmentStatus.ATTENDED:
                self._check_in(appointment, start, changed, changes)
            elif status is AppointmentStatus.DID_NOT_ATTEND:
                call = self._add(FollowUpKind.CALL_BACK, self.week.working_day_after(self._day(changed)), self._time(),
                                 changed, appointment["status_changed_by_id"])
                rebooked = self._next(changes, changed, Stage.CONSULTATION_BOOKED)
                if rebooked is not None:
                    self._done(call, rebooked, None, MISSED)

    def _reminder(self, appointment: dict, booked: int, start: int, changed: int, rule: str, what: str) -> None:
        """The rule's reminder the working day before an appointment: done, cancelled or still to come."""
        due = self.week.working_day_before(self._day(start))
        if due < self._day(booked):
            return  # booked too late for a reminder
        kind = FollowUpKind.CONSULTATION_REMINDER if rule == "consultation_reminder" else FollowUpKind.SESSION_REMINDER
        row = self._add(kind, due, None, booked, None, rule, f"appointment-{appointment['id']}",
                        note=f"Remind the patient of their {what} on {self._date(self._day(start))} at "
                             f"{start // HOUR % 24:02d}:{start // 60 % 60:02d}.")
        status = appointment["status"]
        if status is AppointmentStatus.REBOOKED:
            self._cancel(row, changed, f"The {what} was moved; a reminder for the new time replaces this one")
        elif status is AppointmentStatus.CANCELLED and changed < due * DAY + 9 * HOUR:
            self._cancel(row, changed, f"The {what} was cancelled")
        elif status is not AppointmentStatus.BOOKED:
            self._done(row, self._during(due, min(start, changed)), None, REMINDED)

    def _check_in(self, appointment: dict, start: int, ended: int, changes: list) -> None:
        """The post-consultation rule's check-in, while the enquiry stays consulted; cancelled when it moves on."""
        due = self._day(start) + POST_CONSULTATION_DAYS
        row = self._add(FollowUpKind.POST_CONSULTATION, due, None, ended, None, "post_consultation",
                        f"appointment-{appointment['id']}",
                        note="Check in after the consultation: questions, and whether a plan is wanted.")
        moved = next(((to, at) for to, at, _ in changes if at > ended), None)
        if moved is None or moved[0] is Stage.LOST:
            return  # pending: open while consulted; losing the enquiry cancels it
        if moved[1] < due * DAY + 9 * HOUR:
            self._cancel(row, moved[1], f"The enquiry moved on to {moved[0].label.lower()}")
        else:
            self._done(row, self._during(due, moved[1]), None, CHECKED_IN)

    def _plan(self, plan: dict, changes: list) -> None:
        """The decision chases 3 days after the plan was proposed and, once that one is done, 10 days after."""
        proposed = self.cal.moment(plan["proposed_at"])
        accepted = plan["consent_recorded_at"] and self.cal.moment(plan["consent_recorded_at"])
        title = f"Plan {plan['number']}"
        created = proposed
        for days, ask in zip(DECISION_CHASES, ASKS, strict=True):
            due = self._day(proposed) + days
            row = self._add(FollowUpKind.DECISION_CHASE, due, None, created, None, "decision_chase",
                            f"plan-{plan['id']}-{days}", note=f"{title} was proposed {days} days ago: {ask}.")
            if accepted and accepted < due * DAY + 9 * HOUR:
                self._cancel(row, accepted, f"{title} was accepted")
                return
            if due >= self.today:
                return  # still to come: pending (declining loses the enquiry, which cancels it)
            created = self._during(due, accepted or None)
            self._done(row, created, None, CHASED)

    def _course(self, sessions: list[dict], items: dict[int, tuple[int, int]], changes: list) -> None:
        """A pre-treatment check before the first session, aftercare checks after the sessions that need one, the
        reminder of the next session, and the reviews after a completed course."""
        first = sessions[0]
        plan_id = items[first["plan_item_id"]][0]
        booked, start = self.cal.moment(first["created_at"]), self.cal.moment(first["starts_at"])
        due = max(self.week.working_day_before(self._day(start)), self._day(booked))
        row = self._add(FollowUpKind.PRE_TREATMENT, due, None, booked, None, "pre_treatment",
                        f"plan-{plan_id}-before-{first['id']}",
                        note=f"Before the first session of Plan 1 on {self._date(self._day(start))}: consent, "
                             "photographs, contraindications unchanged, aftercare explained.")
        status = first["status"]
        if status is AppointmentStatus.BOOKED or (
                status is AppointmentStatus.CANCELLED and self.cal.moment(first["status_changed_at"]) < due * DAY):
            return  # pending: the session is to come, or the patient dropped out first (losing it cancels it)
        self._done(row, self._during(due, start), None, PREPARED)
        last, aftercare = start, None
        for session in sessions:
            if session["status"] is AppointmentStatus.ATTENDED:
                last = self.cal.moment(session["starts_at"])
                aftercare = self._aftercare(session, last, items[session["plan_item_id"]][1]) or aftercare
        following = next((s for s in sessions if s["status"] is AppointmentStatus.BOOKED), None)
        if following is not None and (aftercare is None or aftercare["status"] is not FollowUpStatus.OPEN):
            self._reminder(following, self.cal.moment(following["created_at"]), self.cal.moment(following["starts_at"]),
                           0, "session_reminder", "treatment session")
        if self._next(changes, start, Stage.COMPLETED) is not None:
            months = sorted({m for s in sessions for m in self.refs.review_months.get(items[s["plan_item_id"]][1], ())})
            for number, month in enumerate(months, start=1):
                day = (add_months(self.cal.day(last), month) - self.cal.first_day).days
                review = self._add(FollowUpKind.REVIEW, day, None, self.cal.moment(sessions[-1]["ends_at"]), None,
                                   "reviews", f"plan-{plan_id}-review-{number}",
                                   note="Review after the course of Plan 1: book the review appointment.")
                if day < self.today:
                    self._done(review, self._during(day, None), None, REVIEWED)

    def _aftercare(self, session: dict, start: int, treatment_id: int) -> dict | None:
        """The aftercare rule's check after a session, if its treatment has one: done if past, else open."""
        check = self.refs.aftercare.get(treatment_id)
        if check is None:
            return None
        label, low, high = check
        day = self._day(start)
        row = self._add(FollowUpKind.AFTERCARE, day + low, None, self.cal.moment(session["ends_at"]), None,
                        "aftercare", f"session-{session['id']}",
                        note=f"{label}, {self._date(day + low)} to {self._date(day + high)} "
                             f"(after the session of {self._date(day)}).")
        if day + low < self.today:
            self._done(row, self._during(day + between(self.rng, low, high), None), None, AFTERCARE)
        return row

    def _settle(self, mine: list[dict], changes: list) -> None:
        """Lost or completed: cancel what was pending, as the rules do. Still open: keep one, due near today."""
        stage = changes[-1][0]
        pending = [row for row in mine if row["status"] is FollowUpStatus.OPEN]
        if not stage.is_open:
            for row in pending:
                if row["rule"] not in OUTLIVING:
                    self._cancel(row, changes[-1][1], f"The enquiry was {stage.label.lower()}")
            return
        keep = pending[-1] if pending else None
        for row in pending[:-1]:  # superseded by the later step
            self._done(row, min(keep["created"], self.cal.now - HOUR), None, ("Done",))
        if keep is None:
            latest = max([changes[-1][1], *(row["created"] for row in mine)])
            created = max(latest, self.cal.now - between(self.rng, 1, 30) * DAY)
            keep = self._add(WAITING[stage], self._drawn_due(created), self._time(), created, None)
        elif keep["due_day"] < self.today - STALE_DAYS:  # moved on since, to a day around today
            moved = max(keep["created"], self.cal.now - between(self.rng, 1, STALE_DAYS) * DAY)
            by = keep["assigned_to_id"] or self.enquiry["assigned_to_id"] or choice(self.rng, self.refs.reception)
            self._reschedule(keep, moved, by, self._drawn_due(moved), keep["due_second"], "Moved on")

    def _drawn_due(self, created: int) -> int:
        """A due day for an open follow-up: around today, as DUE says, not before the day it was made."""
        low, high = DUE.pick(self.rng)
        return max(self.today + between(self.rng, low, high), self._day(created))

    # --- the clinic's days and hours -----------------------------------------------------------------------

    def _date(self, day: int) -> str:
        """A demo day as the app shows dates: 23/11/2026."""
        return f"{self.cal.day(day * DAY):%d/%m/%Y}"

    @staticmethod
    def _day(moment: int) -> int:
        """The demo day (0: the window's first) of a moment."""
        return moment // DAY

    def _time(self) -> int | None:
        """Now and then a time of day on the quarter hour, within usual hours; else None."""
        if self.rng.random() >= TIMED:
            return None
        return between(self.rng, 9 * 4, 17 * 4) * 15 * 60

    def _during(self, day: int, before: int | None) -> int:
        """A moment in the clinic's hours of `day`, before `before` and today if given."""
        moment = day * DAY + between(self.rng, 9 * 60, 16 * 60) * 60
        return min(moment, (before or self.cal.now) - 60, self.cal.now - 60)

    @staticmethod
    def _next(changes: list, after: int, stage: Stage) -> int | None:
        """The moment of the first move to `stage` after `after`, or None."""
        return next((at for to, at, _ in changes if to is stage and at > after), None)

