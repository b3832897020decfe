"""The rules that make follow-ups by themselves: one table (RULES), each rule named on what it makes.

A rule says which follow-ups an enquiry should have from its rule, given what is true of the enquiry now
(`wants`), each under a key (the appointment, plan or session it is about). `apply` adds the wanted ones
that were never made (a key made once, whatever became of it, is never made again, so a rule firing twice
adds nothing) and cancels the rule's open ones that are no longer wanted, saying why (`gone`).
It runs for every enquiry a transaction changed, just before it commits (tracker.followups.triggers).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from tracker.auth.models import User
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.clock import format_date, to_clinic
from tracker.db import utcnow
from tracker.enquiries.models import ContactAttempt, ContactOutcome, Enquiry
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.followups import services
from tracker.followups.models import FollowUp, FollowUpKind, FollowUpStatus, Priority
from tracker.plans import sessions
from tracker.plans.models import PlanItem, PlanStatus, TreatmentPlan
from tracker.settings.hours import Week
from tracker.settings.services import clinic_settings

UNANSWERED = (ContactOutcome.NO_ANSWER, ContactOutcome.VOICEMAIL)
ATTEMPTS_BEFORE_SUGGESTING_LOST = 3
DECISION_CHASES = (3, 10)  # days after the plan was proposed
POST_CONSULTATION_DAYS = 2
# A follow-up a rule would make more than this many days after it was due is history, not a next step (an
# old enquiry touched for the first time since the rules came in); its rule makes nothing rather than clutter
# My day with stale work. A rule with late_after_days None (first contact) always makes its follow-up.
LATE_AFTER_DAYS = 14


@dataclass
class Due:
    """A follow-up a rule wants: its key, kind and date, and a note saying what it is for."""

    key: str
    kind: FollowUpKind
    due_on: date
    due_time: time | None = None
    note: str | None = None
    priority: Priority = Priority.NORMAL
    last_useful_day: date | None = None  # after it, not worth making (default: due_on + the rule's late_after_days)


@dataclass
class Facts:
    """What the rules read about one enquiry, loaded once per run."""

    enquiry: Enquiry
    attempts: list[ContactAttempt]
    appointments: list[Appointment]
    plans: list[TreatmentPlan]
    follow_ups: list[FollowUp]
    week: Week
    first_contact_hours: int
    now: datetime = field(default_factory=utcnow)

    @property
    def today(self) -> date:
        return to_clinic(self.now).date()

    def appointment(self, appointment_id: int) -> Appointment | None:
        return next((a for a in self.appointments if a.id == appointment_id), None)

    def plan(self, plan_id: int) -> TreatmentPlan | None:
        return next((p for p in self.plans if p.id == plan_id), None)

    def made(self, rule: str, key: str) -> FollowUp | None:
        return next((f for f in self.follow_ups if f.rule == rule and f.rule_key == key), None)


@dataclass(frozen=True)
class Rule:
    """One automatic follow-up rule."""

    name: str  # stored on the follow-ups it makes
    label: str  # shown on them
    wants: Callable[[Facts], list[Due]]
    gone: Callable[[Facts, FollowUp], str]  # why an open one no longer applies
    outlives_the_enquiry: bool = False  # still wanted once the enquiry is lost or completed (patient safety)
    late_after_days: int | None = LATE_AFTER_DAYS


def _ref(follow_up: FollowUp) -> int:
    """The id at the end of a rule key ("appointment-12" → 12)."""
    return int(follow_up.rule_key.rsplit("-", 1)[-1])


def _moved_on(facts: Facts) -> str:
    return f"The enquiry moved on to {facts.enquiry.stage.label.lower()}"


# --- first contact ------------------------------------------------------------------------

def _first_contact(facts: Facts) -> list[Due]:
    enquiry = facts.enquiry
    if enquiry.stage is not Stage.NEW or enquiry.first_contacted_at is not None:
        return []
    due = to_clinic(facts.week.add_opening_hours(enquiry.received_at, facts.first_contact_hours))
    if due.second or due.microsecond:  # a due time in whole minutes, never before the target
        due = due.replace(second=0, microsecond=0) + timedelta(minutes=1)
    hours = facts.first_contact_hours
    return [Due("enquiry", FollowUpKind.CALL_BACK, due.date(), due.time(), priority=Priority.HIGH,
                note=f"First contact: call within {hours} opening hour{'s' if hours != 1 else ''} of the enquiry.")]


def _first_contact_gone(facts: Facts, _follow_up: FollowUp) -> str:
    return "The enquirer was contacted" if facts.enquiry.first_contacted_at else _moved_on(facts)


# --- three unanswered attempts ------------------------------------------------------------

def _unanswered_run(facts: Facts) -> list[ContactAttempt]:
    """The attempts since the enquirer last answered, if every one of them went unanswered."""
    run: list[ContactAttempt] = []
    for attempt in facts.attempts:  # oldest first
        run = [*run, attempt] if attempt.outcome in UNANSWERED else []
    return run


def _no_reply(facts: Facts) -> list[Due]:
    run = _unanswered_run(facts)
    if len(run) < ATTEMPTS_BEFORE_SUGGESTING_LOST:
        return []
    third = run[ATTEMPTS_BEFORE_SUGGESTING_LOST - 1]
    return [Due(f"attempt-{third.id}", FollowUpKind.OTHER, to_clinic(third.at).date(),
                note=f"{len(run)} attempts unanswered: consider marking the enquiry lost (no reply).")]


def _no_reply_gone(facts: Facts, _follow_up: FollowUp) -> str:
    return "The enquirer answered" if facts.enquiry.stage.is_open else _moved_on(facts)


# --- reminders the working day before an appointment --------------------------------------

def _reminders(kind: AppointmentKind, follow_up_kind: FollowUpKind, what: str) -> Callable[[Facts], list[Due]]:
    def wants(facts: Facts) -> list[Due]:
        wanted = []
        for appointment in facts.appointments:
            if (appointment.kind is kind and appointment.status is AppointmentStatus.BOOKED
                    and appointment.starts_at > facts.now):
                day = to_clinic(appointment.starts_at).date()
                due_on = facts.week.working_day_before(day)
                if due_on >= to_clinic(appointment.created_at or facts.now).date():  # booked in time to remind
                    wanted.append(Due(f"appointment-{appointment.id}", follow_up_kind, due_on,
                                      note=f"Remind the patient of their {what} on {format_date(day)} at "
                                           f"{to_clinic(appointment.starts_at):%H:%M}."))
        return wanted

    return wants


def _appointment_gone(facts: Facts, follow_up: FollowUp) -> str:
    appointment = facts.appointment(_ref(follow_up))
    if appointment is None or appointment.status is AppointmentStatus.BOOKED:
        return "The appointment has passed"
    if appointment.status is AppointmentStatus.REBOOKED:
        return f"The {appointment.kind.label.lower()} was moved; a reminder for the new time replaces this one"
    return f"The {appointment.kind.label.lower()} was {appointment.status.label.lower()}"


# --- after the consultation ---------------------------------------------------------------

def _post_consultation(facts: Facts) -> list[Due]:
    if facts.enquiry.stage is not Stage.CONSULTED:
        return []
    attended = [a for a in facts.appointments
                if a.kind is AppointmentKind.CONSULTATION and a.status is AppointmentStatus.ATTENDED]
    if not attended:
        return []
    last = max(attended, key=lambda a: a.starts_at)
    day = to_clinic(last.starts_at).date() + timedelta(days=POST_CONSULTATION_DAYS)
    return [Due(f"appointment-{last.id}", FollowUpKind.POST_CONSULTATION, day,
                note="Check in after the consultation: questions, and whether a plan is wanted.")]


# --- the plan's decision ------------------------------------------------------------------

def _decision_chase(facts: Facts) -> list[Due]:
    wanted = []
    for plan in facts.plans:
        if plan.status is not PlanStatus.PROPOSED or plan.proposed_at is None:
            continue
        proposed = to_clinic(plan.proposed_at).date()
        first, again = DECISION_CHASES
        wanted.append(Due(f"plan-{plan.id}-{first}", FollowUpKind.DECISION_CHASE, proposed + timedelta(days=first),
                          note=f"{plan.title} was proposed {first} days ago: ask for the patient's decision."))
        chased = facts.made("decision_chase", f"plan-{plan.id}-{first}")
        if chased is not None and chased.status is FollowUpStatus.DONE:  # the second chase follows the first
            due_on = max(proposed + timedelta(days=again), facts.today)
            wanted.append(Due(f"plan-{plan.id}-{again}", FollowUpKind.DECISION_CHASE, due_on,
                              note=f"{plan.title} was proposed {again} days ago: chase the decision again."))
    return wanted


def _plan_key_id(follow_up: FollowUp) -> int:
    return int(follow_up.rule_key.split("-")[1])


def _decision_gone(facts: Facts, follow_up: FollowUp) -> str:
    plan = facts.plan(_plan_key_id(follow_up))
    if plan is None:
        return _moved_on(facts)
    return f"{plan.title} was {plan.status.label.lower()}"


# --- before the first session -------------------------------------------------------------

def _plan_sessions(facts: Facts, plan: TreatmentPlan) -> list[Appointment]:
    items = {item.id for item in plan.items}
    return [a for a in facts.appointments if a.plan_item_id in items]


def _pre_treatment(facts: Facts) -> list[Due]:
    wanted = []
    for plan in facts.plans:
        if plan.status is not PlanStatus.ACCEPTED:
            continue
        own = _plan_sessions(facts, plan)
        if any(a.status is AppointmentStatus.ATTENDED for a in own):
            continue
        booked = sorted((a for a in own if a.status is AppointmentStatus.BOOKED), key=lambda a: a.starts_at)
        if booked:
            first = booked[0]
            day = to_clinic(first.starts_at).date()
            due_on = max(facts.week.working_day_before(day), to_clinic(first.created_at or facts.now).date())
            wanted.append(Due(f"plan-{plan.id}-before-{first.id}", FollowUpKind.PRE_TREATMENT, due_on,
                              note=f"Before the first session of {plan.title} on {format_date(day)}: consent, "
                                   "photographs, contraindications unchanged, aftercare explained."))
        else:
            decided = plan.decided_on or facts.today
            dropped = [a for a in own if a.status in (AppointmentStatus.CANCELLED, AppointmentStatus.DID_NOT_ATTEND)]
            # Keyed by the last session cancelled or missed, so each time the course is left unbooked asks again.
            after = f"-after-{max(a.id for a in dropped)}" if dropped else ""
            wanted.append(Due(f"plan-{plan.id}-unbooked{after}", FollowUpKind.PRE_TREATMENT,
                              max(decided + timedelta(days=1), facts.today),
                              note=f"{plan.title} was accepted: book the first session and its pre-treatment check."))
    return wanted


def _pre_treatment_gone(facts: Facts, follow_up: FollowUp) -> str:
    plan = facts.plan(_plan_key_id(follow_up))
    if plan is None or plan.status is not PlanStatus.ACCEPTED:
        return f"{plan.title} was {plan.status.label.lower()}" if plan else _moved_on(facts)
    if "-unbooked" in follow_up.rule_key:
        return "The first session was booked"
    if any(a.status is AppointmentStatus.ATTENDED for a in _plan_sessions(facts, plan)):
        return "The first session took place"
    return "The first session was moved or cancelled"


# --- aftercare and reviews ----------------------------------------------------------------

def _aftercare(facts: Facts) -> list[Due]:
    wanted = []
    for appointment in facts.appointments:
        done = (appointment.kind is AppointmentKind.TREATMENT_SESSION and appointment.plan_item is not None
                and appointment.status is AppointmentStatus.ATTENDED)
        window = sessions.aftercare_window(appointment) if done else None
        if window is not None:
            wanted.append(Due(f"session-{appointment.id}", FollowUpKind.AFTERCARE, window.from_date,
                              note=f"{window.label}, {format_date(window.from_date)} to {format_date(window.to_date)} "
                                   f"(after the session of {format_date(appointment.starts_at)}).",
                              last_useful_day=window.to_date))
    return wanted


def _reviews(facts: Facts) -> list[Due]:
    wanted = []
    for plan in facts.plans:
        if plan.status is PlanStatus.ACCEPTED:
            for number, day in enumerate(sessions.review_dates(plan), start=1):
                wanted.append(Due(f"plan-{plan.id}-review-{number}", FollowUpKind.REVIEW, day,
                                  note=f"Review after the course of {plan.title}: book the review appointment."))
    return wanted


def _never_gone(facts: Facts, _follow_up: FollowUp) -> str:
    return _moved_on(facts)


RULES: tuple[Rule, ...] = (
    Rule("first_contact", "New enquiry: first contact", _first_contact, _first_contact_gone, late_after_days=None),
    Rule("no_reply", "Three unanswered attempts", _no_reply, _no_reply_gone),
    Rule("consultation_reminder", "Consultation reminder",
         _reminders(AppointmentKind.CONSULTATION, FollowUpKind.CONSULTATION_REMINDER, "consultation"),
         _appointment_gone),
    Rule("post_consultation", "After the consultation", _post_consultation, _never_gone),
    Rule("decision_chase", "Plan decision chase", _decision_chase, _decision_gone),
    Rule("pre_treatment", "Pre-treatment check", _pre_treatment, _pre_treatment_gone),
    Rule("session_reminder", "Session reminder",
         _reminders(AppointmentKind.TREATMENT_SESSION, FollowUpKind.SESSION_REMINDER, "treatment session"),
         _appointment_gone),
    Rule("aftercare", "Aftercare check", _aftercare, _never_gone, outlives_the_enquiry=True),
    Rule("reviews", "Review after the course", _reviews, _never_gone, outlives_the_enquiry=True),
)
BY_NAME = {rule.name: rule for rule in RULES}


def label(rule_name: str | None) -> str | None:
    """The name shown on a follow-up a rule made (None for one added by hand)."""
    rule = BY_NAME.get(rule_name) if rule_name else None
    return rule.label if rule else rule_name


# --- running them -------------------------------------------------------------------------

# Everything is read afresh: the session's own changes are flushed by then, and another transaction may have
# committed changes to the enquiry while this one waited for its lock.
_FRESH = {"populate_existing": True}


def _facts(enquiry_id: int, week: Week, first_contact_hours: int) -> Facts | None:
    # Two transactions changing one enquiry at once must not both decide a follow-up is still to be made (the
    # unique index would refuse the second at commit), nor keep its next step from a stale copy: the rules take
    # the enquiry's row lock first and then read it and its rows as committed (PostgreSQL; SQLite's writers
    # already queue). FOR NO KEY UPDATE: rows that only point at the enquiry need not wait.
    enquiry = db.session.scalar(select(Enquiry).where(Enquiry.id == enquiry_id).with_for_update(key_share=True)
                                .execution_options(**_FRESH))
    if enquiry is None:
        return None
    attempts = list(db.session.scalars(select(ContactAttempt).where(ContactAttempt.enquiry_id == enquiry_id)
                                       .order_by(ContactAttempt.at, ContactAttempt.id).execution_options(**_FRESH)))
    appointments = list(db.session.scalars(
        select(Appointment).where(Appointment.enquiry_id == enquiry_id)
        .options(joinedload(Appointment.plan_item).joinedload(PlanItem.treatment)).execution_options(**_FRESH)))
    plans = list(db.session.scalars(
        select(TreatmentPlan).where(TreatmentPlan.enquiry_id == enquiry_id)
        .options(selectinload(TreatmentPlan.items).joinedload(PlanItem.treatment)).execution_options(**_FRESH)))
    follow_ups = list(db.session.scalars(select(FollowUp).where(FollowUp.enquiry_id == enquiry_id)
                                         .execution_options(**_FRESH)))
    return Facts(enquiry, attempts, appointments, plans, follow_ups, week, first_contact_hours)


def _owner(enquiry: Enquiry) -> int | None:
    """Who a rule's follow-up goes to: the enquiry's assignee while active, else the reception team."""
    assignee = db.session.get(User, enquiry.assigned_to_id) if enquiry.assigned_to_id else None
    return assignee.id if assignee is not None and assignee.active else None


ARCHIVED, LOST, COMPLETED = "The enquiry was archived", "The enquiry was lost", "The enquiry was completed"


def _closed_reason(enquiry: Enquiry) -> str | None:
    """Why nothing should stay open on this enquiry (archived, lost, completed), or None while it is open."""
    if enquiry.archived_at is not None:
        return ARCHIVED
    if enquiry.stage is Stage.LOST:
        return LOST
    if enquiry.stage is Stage.COMPLETED:
        return COMPLETED
    return None


def _cancelled_for_closing(follow_up: FollowUp) -> bool:
    """Cancelled by the rules only because its enquiry closed: it comes back if the enquiry reopens."""
    return (follow_up.status is FollowUpStatus.CANCELLED and follow_up.closed_by_id is None
            and follow_up.cancel_reason in (ARCHIVED, LOST, COMPLETED))


def _too_late(rule: Rule, due: Due, today: date) -> bool:
    if due.last_useful_day is not None:
        return due.last_useful_day < today
    return rule.late_after_days is not None and due.due_on + timedelta(days=rule.late_after_days) < today


def _apply_rule(rule: Rule, facts: Facts, closed: str | None) -> None:
    enquiry = facts.enquiry
    keep = rule.outlives_the_enquiry and enquiry.archived_at is None
    wanted = {} if closed and not keep else {due.key: due for due in rule.wants(facts)}
    for key, due in wanted.items():
        made = facts.made(rule.name, key)
        if made is not None and not _cancelled_for_closing(made):
            continue  # made once: whatever became of it, never made twice
        if _too_late(rule, due, facts.today):
            continue
        details = services.Details(due.kind, due.due_on, due.due_time, _owner(enquiry), due.priority, due.note)
        if made is None:
            facts.follow_ups.append(services.add_from_rule(enquiry.id, details, rule=rule.name, rule_key=key))
        else:
            services.reopen_by_rule(made, details, "The enquiry is open again")
    for follow_up in facts.follow_ups:
        if (follow_up.rule == rule.name and follow_up.rule_key is not None and follow_up.is_open
                and follow_up.rule_key not in wanted):
            services.cancel_by_rule(follow_up, (closed if closed and not keep else None) or rule.gone(facts, follow_up))


def _follow_the_owner(facts: Facts, previous_owner: int | None) -> None:
    """The enquiry changed hands: its open rule-made follow-ups that were with the previous owner go to the new one."""
    owner = _owner(facts.enquiry)
    previous = db.session.get(User, previous_owner) if previous_owner else None
    previous_owner = previous.id if previous is not None and previous.active else None  # else: the team's
    for follow_up in facts.follow_ups:
        if follow_up.rule and follow_up.is_open and follow_up.assigned_to_id == previous_owner != owner:
            services.hand_over_by_rule(follow_up, owner, "The enquiry was reassigned")


def apply(enquiry_ids: set[int], reassigned: dict[int, int | None] | None = None) -> None:
    """Bring the rule-made follow-ups of these enquiries up to date, and cancel the open hand-made ones of an
    enquiry that was archived, lost or completed. reassigned: enquiry id → its owner before this transaction."""
    if not enquiry_ids:
        return
    week, hours = Week.load(), clinic_settings().first_contact_hours
    for enquiry_id in sorted(enquiry_ids):
        facts = _facts(enquiry_id, week, hours)
        if facts is None:
            continue
        if reassigned and enquiry_id in reassigned:
            _follow_the_owner(facts, reassigned[enquiry_id])
        closed = _closed_reason(facts.enquiry)
        for rule in RULES:
            _apply_rule(rule, facts, closed)
        if closed:
            for follow_up in facts.follow_ups:
                if follow_up.rule is None and follow_up.is_open:
                    services.cancel_by_rule(follow_up, closed)
        _keep_next_step(facts.enquiry, facts.follow_ups)


def _keep_next_step(enquiry: Enquiry, follow_ups: list[FollowUp]) -> None:
    """Note on the enquiry when its soonest open follow-up falls overdue (None: it has no next step), which the
    enquiry list's "no open follow-up" filter reads through an index of its own."""
    soonest = min((f.overdue_at for f in follow_ups if f.is_open), default=None)
    if enquiry.next_follow_up_at != soonest:
        enquiry.next_follow_up_at = soonest
        enquiry.by_rules = True  # not mapped: the triggers need not run the rules again for this


def run_for(enquiry_ids: set[int], reassigned: dict[int, int | None] | None = None) -> None:
    """apply(), then flush, so what the rules made is written with the change that caused it."""
    apply(enquiry_ids, reassigned)
    db.session.flush()
