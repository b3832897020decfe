"""How one demo enquiry moves through the pipeline: its stage changes, contact attempts, consultations, the
assessment, the treatment plan and its sessions.

Each step happens with the chance in PROGRESS, at a plausible delay after the last. An enquiry
stops at the first step it fails (then it is usually lost, with a reason fitting that stage) or
at the first step that would fall after today's start (then it is still open there), so recent
enquiries are more often new. Moves that the app makes itself (a booking, an attended, missed or
cancelled consultation, a plan proposed, sessions booked, the first and the last session done) are
written as the services write them, notes included.
"""

import random

from tracker.bookings.models import AppointmentKind, AppointmentStatus
from tracker.demo.chance import Weighted, between, choice
from tracker.demo.clinic_week import ClinicWeek
from tracker.demo.clinical import Assessor
from tracker.demo.course import Courses, Plan, Session
from tracker.demo.hours import DAY, HOUR, SLOT, Calendar, Diary
from tracker.demo.refs import Refs, by_label
from tracker.enquiries import milestones
from tracker.enquiries.models import Concern, ContactOutcome
from tracker.enquiries.stages import Stage

# The chance of moving on from each stage (from treatment booked: of coming to the first session; in
# treatment: of finishing the course). With the stops at today's start and the re-bookings after a
# missed consultation these give roughly 85% contacted, 45% consultation booked, 35% consulted,
# 25% plan proposed, 15% treatment booked, 12% in treatment and 8% completed.
PROGRESS = {Stage.NEW: 0.87, Stage.CONTACTED: 0.54, Stage.CONSULTATION_BOOKED: 0.72, Stage.CONSULTED: 0.74,
            Stage.PLAN_PROPOSED: 0.62, Stage.TREATMENT_BOOKED: 0.82, Stage.IN_TREATMENT: 0.8}
GIVE_UP = 0.9  # an enquiry that stops moving is marked lost this often; the rest are left open, stalled
LOST_AFTER_DAYS = {Stage.NEW: (3, 21), Stage.CONTACTED: (3, 30), Stage.CONSULTED: (1, 21),
                   Stage.PLAN_PROPOSED: (7, 45)}  # once sessions are booked: before the next one
LOST_REASONS = {
    Stage.NEW: {"No reply": 70, "Not ready / timing": 10, "Chose another clinic": 8, "Price": 7, "Other": 5},
    Stage.CONTACTED: {"Price": 35, "Not ready / timing": 25, "Chose another clinic": 15, "No reply": 10,
                      "Downtime": 5, "Other": 10},
    Stage.CONSULTED: {"Not a suitable candidate": 30, "Price": 30, "Downtime": 15, "Not ready / timing": 15,
                      "Chose another clinic": 10},
    Stage.PLAN_PROPOSED: {"Price": 45, "Not ready / timing": 25, "Downtime": 15, "Chose another clinic": 15},
    Stage.TREATMENT_BOOKED: {"Not ready / timing": 40, "Price": 20, "Downtime": 20, "Other": 20},
    Stage.IN_TREATMENT: {"Other": 40, "Not ready / timing": 30, "Downtime": 30},
}
MISSED_REASONS = {"Missed consultation": 70, "No reply": 30}
CANCELLED_REASONS = {"Not ready / timing": 40, "Price": 25, "Chose another clinic": 20, "Other": 15}
CANCEL_NOTES = ("work commitments", "unwell", "childcare", "changed their mind", "going away")
FAILED_CALLS = Weighted({0: 55, 1: 25, 2: 15, 3: 5})  # unanswered attempts before the one that reaches them
MOVED = 0.1  # consultations the patient moves to another day before they happen
BOOK_AGAIN = 0.35  # after a missed or cancelled consultation, the chance another is booked
BOOKINGS = 3  # at most, per enquiry
SAME_VISIT = 0.5  # plans proposed at the consultation itself; the rest 1 to 7 days later


class Funnel:
    """Writes one enquiry's history rows into `rows`, with ids from `ids`."""

    def __init__(self, rng: random.Random, calendar: Calendar, diary: Diary, refs: Refs, rows, ids):
        self.rng, self.cal, self.diary, self.refs, self.ids = rng, calendar, diary, refs, ids
        self.assessor = Assessor(rng, calendar, rows, ids)
        self.courses = Courses(rng, calendar, diary, refs, rows, ids)
        self.rows = rows
        self.week = ClinicWeek(calendar, refs.opening)
        self.reasons = {stage: by_label(weights, refs.lost_reasons) for stage, weights in LOST_REASONS.items()}
        self.missed_reasons = by_label(MISSED_REASONS, refs.lost_reasons)
        self.cancelled_reasons = by_label(CANCELLED_REASONS, refs.lost_reasons)
        self.reason_labels = {id_: label for label, id_ in refs.lost_reasons.items()}
        self.enquiry: dict = {}
        self.concerns: list[Concern] = []
        self.last = 0

    @property
    def rows(self):
        return self._rows

    @rows.setter
    def rows(self, rows) -> None:
        """The batch every writer adds to."""
        self._rows = self.assessor.rows = self.courses.rows = rows

    def follow(self, enquiry: dict, received: int, email_only: bool, concerns: list[Concern]) -> int:
        """Take the enquiry from new as far as chance and the calendar allow; returns its last event's moment."""
        self.enquiry, self.concerns, self.last = enquiry, concerns, received
        self._change(None, Stage.NEW, received, enquiry["logged_by_id"])
        moment = self._contact(received, email_only)
        if moment is not None:
            moment = self._book(moment)
        if moment is not None:
            self._after_booking(moment)
        return self.last

    def _contact(self, received: int, email_only: bool) -> int | None:
        """Call-backs (or e-mails) until one reaches them; the moment they were reached."""
        rng, cal = self.rng, self.cal
        reached = rng.random() < PROGRESS[Stage.NEW]
        misses = FAILED_CALLS.pick(rng) if reached else between(rng, 2, 4)
        speed = rng.random()  # minutes to days after the enquiry arrived
        low, high = (5 * 60, 2 * HOUR) if speed < 0.4 else (2 * HOUR, DAY) if speed < 0.75 else (DAY, 4 * DAY)
        moment = cal.later(received, rng, low, high)
        by = self._desk()
        for _ in range(misses):
            if moment >= cal.now:
                return None
            outcome = ContactOutcome.MESSAGE_SENT if email_only else choice(
                rng, (ContactOutcome.NO_ANSWER, ContactOutcome.NO_ANSWER, ContactOutcome.VOICEMAIL))
            self._attempt(outcome, moment, by)
            moment = cal.later(moment, rng, 2 * HOUR, 2 * DAY)
        if not reached:
            self._stop(Stage.NEW, moment)
            return None
        if moment >= cal.now:
            return None
        self._attempt(ContactOutcome.REACHED, moment, by)
        self.enquiry["first_contacted_at"] = cal.stored(moment)
        self.enquiry["first_contact_open_seconds"] = self.week.open_seconds_between(received, moment)
        self._change(Stage.NEW, Stage.CONTACTED, moment, by)
        return moment

    def _book(self, reached: int) -> int | None:
        """The moment a consultation was booked: usually on the same call, else days later."""
        rng, cal = self.rng, self.cal
        if rng.random() >= PROGRESS[Stage.CONTACTED]:
            self._stop(Stage.CONTACTED, reached)
            return None
        if rng.random() < 0.6:
            moment = cal.later(reached, rng, 2 * 60, 10 * 60)
        else:
            moment = cal.later(reached, rng, DAY, 10 * DAY)
        if moment >= cal.now:
            return None
        self._change(Stage.CONTACTED, Stage.CONSULTATION_BOOKED, moment, self._desk(), "Consultation booked")
        return moment

    def _after_booking(self, booked: int) -> None:
        """Consultations until one is attended (or the enquiry stops), then the rest of the pipeline."""
        rng, cal = self.rng, self.cal
        for attempt in range(BOOKINGS):
            outcome = self._consultation(booked)
            if outcome is None:
                return  # still to come
            moment, appointment, status = outcome
            if status is AppointmentStatus.ATTENDED:
                break
            if attempt == BOOKINGS - 1 or rng.random() >= BOOK_AGAIN:
                if status is AppointmentStatus.DID_NOT_ATTEND:
                    self._stop(Stage.CONTACTED, moment, self.missed_reasons, (1, 10))
                else:
                    self._stop(Stage.CONTACTED, moment, self.cancelled_reasons, (0, 2))
                return
            booked = cal.later(moment, rng, HOUR, 7 * DAY)
            if booked >= cal.now:
                return
            self._change(Stage.CONTACTED, Stage.CONSULTATION_BOOKED, booked, self._desk(), "Consultation booked")
        self._after_consultation(moment, appointment)

    def _after_consultation(self, ended: int, appointment: dict) -> None:
        """The assessment; then a plan proposed, accepted and its course booked, each step until one is not taken."""
        rng, now, courses = self.rng, self.cal.now, self.courses
        specialist = appointment["practitioner_id"]
        seen = self.assessor.assess(self.enquiry["id"], appointment["id"], specialist, ended, self.concerns)
        if not self.refs.offered or rng.random() >= PROGRESS[Stage.CONSULTED]:
            self._stop(Stage.CONSULTED, ended)  # with no treatment offered, there is nothing to propose
            return
        if rng.random() < SAME_VISIT:
            proposed = self.cal.later(ended, rng, 5 * 60, 30 * 60)
        else:
            proposed = self.cal.later(ended, rng, DAY, 7 * DAY)
        if proposed >= now:
            return
        plan = courses.propose(self.enquiry["id"], specialist, ended, proposed, seen)
        self._change(Stage.CONSULTED, Stage.PLAN_PROPOSED, proposed, specialist, "Plan 1 proposed")
        if rng.random() >= PROGRESS[Stage.PLAN_PROPOSED]:
            lost = self._stop(Stage.PLAN_PROPOSED, proposed, note="Plan 1 declined")
            if lost is not None:
                courses.decline(plan, *lost)
            return
        booked = self.cal.later(proposed, rng, 2 * DAY, 30 * DAY)
        if booked >= now:
            return
        desk = self._desk()
        courses.accept(plan, proposed, booked)
        sessions = courses.book(plan, booked, desk)
        self._change(Stage.PLAN_PROPOSED, Stage.TREATMENT_BOOKED, booked, desk,
                     f"{len(sessions)} treatment session(s) booked")
        self._treatment(plan, sessions, booked)

    def _treatment(self, plan: Plan, sessions: list[Session], booked: int) -> None:
        """Sessions done while they are past, the first moving the enquiry to in treatment and the last of the
        course to completed; unless the patient drops out first (before the first, or part-way), and is lost."""
        rng, now = self.rng, self.cal.now
        specialist = plan.row["practitioner_id"]
        drop = None
        if rng.random() >= PROGRESS[Stage.TREATMENT_BOOKED]:
            drop = 0
        elif rng.random() >= PROGRESS[Stage.IN_TREATMENT] and len(sessions) > 1:
            drop = between(rng, 1, len(sessions) - 1)
        previous = booked
        for index, session in enumerate(sessions):
            if session.start >= now:
                return  # this one and the rest are still to come
            if index == drop:
                self._drop_out(Stage.IN_TREATMENT if index else Stage.TREATMENT_BOOKED, previous, sessions[index:])
                return
            previous = session.start + session.seconds
            self.courses.done(session, previous)
            self.last = max(self.last, previous)
            if index == 0:
                self._change(Stage.TREATMENT_BOOKED, Stage.IN_TREATMENT, previous, specialist,
                             "First treatment session done")
        if sessions and len(sessions) == plan.sessions:
            self._change(Stage.IN_TREATMENT, Stage.COMPLETED, previous, specialist,
                         "Plan 1: course of treatment completed")

    def _drop_out(self, stage: Stage, previous: int, remaining: list[Session]) -> None:
        """Lost before the next session: reception marks the enquiry lost, which cancels what is still booked."""
        rng, cal = self.rng, self.cal
        start = remaining[0].start
        moment = cal.snap(previous + int((start - previous) * (0.2 + 0.7 * rng.random())), rng)
        moment = max(min(moment, start - SLOT), previous + SLOT)
        desk = self._desk()
        reason = self.reasons[stage].pick(rng)
        self._change(stage, Stage.LOST, moment, desk, lost_reason_id=reason)
        self.enquiry.update(lost_from_stage=stage, lost_reason_id=reason)
        self.courses.cancel(remaining, moment, desk, f"Enquiry lost: {self.reason_labels.get(reason, 'Other')}")

    def _consultation(self, booked: int) -> tuple[int, dict, AppointmentStatus] | None:
        """One booking one to three weeks on: (when it ended or was called off, its row, its status).

        None while it is still to come. A missed or cancelled consultation takes the enquiry back
        to contacted, as the booking services do.
        """
        rng, cal, diary = self.rng, self.cal, self.diary
        seconds = self.refs.consultation_seconds
        desk = self._desk()
        index, start = diary.book(booked + between(rng, 7, 21) * DAY, seconds)
        appointment = self._appointment(index, start, booked, desk)
        moved = cal.snap(booked + int((start - booked) * (0.2 + 0.6 * rng.random())), rng)
        if rng.random() < MOVED and moved < min(start, cal.now):
            diary.release(index, start, seconds)
            index, start = diary.book(start + between(rng, 2, 10) * DAY, seconds, prefer=index)
            replacement = self._appointment(index, start, moved, desk)
            self._set_status(appointment, AppointmentStatus.REBOOKED, moved, desk, rebooked_to_id=replacement["id"])
            self.rows.appointments.append(replacement)  # first: the moved one points at it
            self.rows.appointments.append(appointment)
            appointment, booked = replacement, moved
        else:
            self.rows.appointments.append(appointment)
        end = start + seconds
        if start >= cal.now:
            return None
        practitioner = appointment["practitioner_id"]
        if rng.random() < PROGRESS[Stage.CONSULTATION_BOOKED]:
            self._set_status(appointment, AppointmentStatus.ATTENDED, end, practitioner)
            self._change(Stage.CONSULTATION_BOOKED, Stage.CONSULTED, end, practitioner, "Attended the consultation")
            return end, appointment, AppointmentStatus.ATTENDED
        if rng.random() < 0.5:
            self._set_status(appointment, AppointmentStatus.DID_NOT_ATTEND, end, desk)
            self._change(Stage.CONSULTATION_BOOKED, Stage.CONTACTED, end, desk, "Did not attend the consultation")
            return end, appointment, AppointmentStatus.DID_NOT_ATTEND
        cancelled = cal.snap(start - between(rng, 1, 3) * DAY + between(rng, 0, 4) * HOUR, rng)
        cancelled = max(min(cancelled, start - SLOT), booked + SLOT)
        diary.release(index, start, seconds)
        reason = f"Patient cancelled: {choice(rng, CANCEL_NOTES)}"
        self._set_status(appointment, AppointmentStatus.CANCELLED, cancelled, desk, cancel_reason=reason)
        self._change(Stage.CONSULTATION_BOOKED, Stage.CONTACTED, cancelled, desk, f"Consultation cancelled: {reason}")
        return cancelled, appointment, AppointmentStatus.CANCELLED

    def _appointment(self, index: int, start: int, booked: int, desk: int) -> dict:
        """A booked consultation row, booked at `booked` by reception."""
        created = self.cal.stored(booked)
        self.last = max(self.last, booked)
        return {"id": self.ids.take("appointments"), "enquiry_id": self.enquiry["id"],
                "kind": AppointmentKind.CONSULTATION, "practitioner_id": self.refs.specialists[index],
                "starts_at": self.cal.stored(start),
                "ends_at": self.cal.stored(start + self.refs.consultation_seconds), "status": AppointmentStatus.BOOKED,
                "booked_by_id": desk, "status_changed_at": None, "status_changed_by_id": None,
                "cancel_reason": None, "rebooked_to_id": None, "plan_item_id": None, "session_number": None,
                "performed_by_id": None, "session_notes": None, "created_at": created, "updated_at": created,
                "version": 1}

    def _set_status(self, appointment: dict, status: AppointmentStatus, moment: int, by: int, **extra) -> None:
        """What became of an appointment, when and by whom."""
        at = self.cal.stored(moment)
        appointment.update(status=status, status_changed_at=at, status_changed_by_id=by, updated_at=at, **extra)
        self.last = max(self.last, moment)

    def _stop(self, stage: Stage, moment: int, reasons: Weighted | None = None,
              days: tuple[int, int] | None = None, note: str | None = None) -> tuple[int, int] | None:
        """The enquiry goes no further: usually lost some days on, else left open where it is.

        A decision that would fall after today's start has not been made yet: the enquiry stays open.
        Returns (when, lost reason) if it was lost.
        """
        rng = self.rng
        low, high = days or LOST_AFTER_DAYS[stage]
        lost_at = self.cal.later(moment, rng, low * DAY, high * DAY)
        if rng.random() >= GIVE_UP or lost_at >= self.cal.now:
            return None
        reason = (reasons or self.reasons[stage]).pick(rng)
        self._change(stage, Stage.LOST, lost_at, self._desk(), note, lost_reason_id=reason)
        self.enquiry.update(lost_from_stage=stage, lost_reason_id=reason, lost_note=note)
        return lost_at, reason

    def _change(self, from_stage: Stage | None, to_stage: Stage, moment: int, by: int | None,
                note: str | None = None, lost_reason_id: int | None = None) -> None:
        """A stage change row; the enquiry takes the new stage."""
        self.rows.stage_changes.append({
            "id": self.ids.take("stage_changes"), "enquiry_id": self.enquiry["id"], "from_stage": from_stage,
            "to_stage": to_stage, "at": self.cal.stored(moment), "by_id": by, "lost_reason_id": lost_reason_id,
            "note": note,
        })
        self.enquiry["stage"] = to_stage
        milestones.advance(self.enquiry, to_stage, from_stage, self.cal.stored(moment))
        self.last = max(self.last, moment)

    def _attempt(self, outcome: ContactOutcome, moment: int, by: int) -> None:
        """A contact attempt row."""
        self.rows.contact_attempts.append({
            "id": self.ids.take("contact_attempts"), "enquiry_id": self.enquiry["id"], "outcome": outcome,
            "at": self.cal.stored(moment), "by_id": by,
        })
        self.last = max(self.last, moment)

    def _desk(self) -> int:
        """Whoever at reception deals with it: the assignee, else anyone on the desk."""
        return self.enquiry["assigned_to_id"] or choice(self.rng, self.refs.reception)
