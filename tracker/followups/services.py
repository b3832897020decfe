"""Follow-up rules: adding, completing, cancelling and rescheduling; when one falls overdue."""

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.audit import services as audit
from tracker.auth.models import User
from tracker.clock import format_date, local_day_end, local_to_utc, to_clinic
from tracker.db import utcnow
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import ContactOutcome, Enquiry
from tracker.enquiries.stages import Stage
from tracker.errors import ServiceError
from tracker.extensions import db
from tracker.followups.models import FollowUp, FollowUpKind, FollowUpStatus, Priority, Reschedule
from tracker.settings.models import Option

TEAM = "team"  # the assignee choice meaning "the reception team", stored as no assignee
TEAM_LABEL = "Reception team"


class FollowUpError(ServiceError):
    """A follow-up the rules refuse; `field` names the form field the message belongs beside."""


@dataclass
class Details:
    """What a form says about a follow-up, already parsed."""

    kind: FollowUpKind
    due_on: date
    due_time: time | None = None
    assigned_to_id: int | None = None  # None: the reception team
    priority: Priority = Priority.NORMAL
    note: str | None = None


def overdue_instant(due_on: date, due_time: time | None) -> datetime:
    """The UTC instant a follow-up falls overdue: its due time, or the end of its due day when it has none."""
    if due_time is None:
        return local_day_end(due_on)
    return local_to_utc(datetime.combine(due_on, due_time))


def check_enquiry(enquiry: Enquiry | None) -> Enquiry:
    """Refuse a follow-up on an enquiry that is archived, completed or lost."""
    if enquiry is None or enquiry.archived_at is not None:
        raise FollowUpError("This enquiry is archived; restore it before adding a follow-up.")
    if enquiry.stage is Stage.COMPLETED:
        raise FollowUpError("This enquiry is completed; its reviews are booked by the course's rules.")
    if enquiry.stage is Stage.LOST:
        raise FollowUpError("This enquiry is lost; reopen it before adding a follow-up.")
    return enquiry


def check_assignee(user_id: int | None) -> User | None:
    """The active user to assign to (None: the reception team); a deactivated or unknown one is refused."""
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None:
        raise FollowUpError("Choose someone from the list, or the reception team.", "assigned_to")
    if not user.active:
        raise FollowUpError(f"{user.full_name} is deactivated; choose someone else or the reception team.",
                            "assigned_to")
    return user


def check_due(enquiry: Enquiry, due_on: date, due_time: time | None) -> None:
    """Refuse a due date before the enquiry was received, or a time the clocks skip."""
    received = to_clinic(enquiry.received_at).date()
    if due_on < received:
        raise FollowUpError(f"This is before the enquiry was received ({format_date(received)}).", "due_on")
    if due_time is not None:
        try:
            local_to_utc(datetime.combine(due_on, due_time))
        except ValueError as error:
            raise FollowUpError(str(error), "due_time") from error


def add(enquiry: Enquiry, details: Details, *, by_id: int | None) -> FollowUp:
    """A follow-up added by hand on an open enquiry."""
    check_enquiry(enquiry)
    check_due(enquiry, details.due_on, details.due_time)
    check_assignee(details.assigned_to_id)
    return _new(enquiry.id, details, by_id=by_id)


def _new(enquiry_id: int, details: Details, *, by_id: int | None, rule: str | None = None,
         rule_key: str | None = None) -> FollowUp:
    follow_up = FollowUp(enquiry_id=enquiry_id, kind=details.kind, due_on=details.due_on, due_time=details.due_time,
                         overdue_at=overdue_instant(details.due_on, details.due_time),
                         assigned_to_id=details.assigned_to_id, priority=details.priority,
                         note=(details.note or "").strip() or None, status=FollowUpStatus.OPEN, rule=rule,
                         rule_key=rule_key, created_by_id=by_id)
    db.session.add(follow_up)
    return follow_up


def add_from_rule(enquiry_id: int, details: Details, *, rule: str, rule_key: str) -> FollowUp:
    """A follow-up a rule made (tracker.followups.rules); the rules check it applies and is not a duplicate."""
    follow_up = _new(enquiry_id, details, by_id=None, rule=rule, rule_key=rule_key)
    follow_up.by_rules = True  # not mapped: tells the triggers this needs no second look
    return follow_up


def _check_open(follow_up: FollowUp, version: int) -> None:
    audit.check_version(follow_up, version)
    if not follow_up.is_open:
        raise FollowUpError(f"This follow-up is already {follow_up.status.label.lower()}.")


def _close(follow_up: FollowUp, status: FollowUpStatus, *, by_id: int | None) -> None:
    follow_up.status = status
    follow_up.closed_at = utcnow()
    follow_up.closed_by_id = by_id


def complete(follow_up: FollowUp, *, outcome: str, version: int, by_id: int | None, then: Details | None = None,
             move_to: Stage | None = None, lost_reason: Option | None = None,
             contact: ContactOutcome | None = None) -> FollowUp | None:
    """Mark a follow-up done with what came of it; in the same step, optionally log the call it was (`contact`:
    reaching the enquirer counts as contact, unanswered ones count towards the no-reply rule), schedule the next
    one and move the enquiry's stage (as its page's stage buttons would). Returns the next follow-up, if any."""
    _check_open(follow_up, version)
    outcome = (outcome or "").strip()
    if not outcome:
        raise FollowUpError("Say what came of it.", "outcome")
    _close(follow_up, FollowUpStatus.DONE, by_id=by_id)
    follow_up.outcome = outcome
    enquiry = db.session.get(Enquiry, follow_up.enquiry_id)
    if contact is not None:
        enquiries.record_contact(enquiry, contact, by_id=by_id, note=outcome)
    if move_to is not None:
        try:
            enquiries.change_stage(enquiry, move_to, version=enquiry.version, by_id=by_id, note=outcome,
                                   lost_reason=lost_reason)
        except enquiries.StageError as error:
            raise FollowUpError(str(error), "move_to") from error
    if then is None:
        return None
    try:
        return add(enquiry, then, by_id=by_id)
    except FollowUpError as error:
        raise FollowUpError(str(error), f"next_{error.field}" if error.field else None) from error


def cancel(follow_up: FollowUp, *, reason: str, version: int, by_id: int | None) -> None:
    """Cancel an open follow-up, saying why."""
    _check_open(follow_up, version)
    reason = (reason or "").strip()
    if not reason:
        raise FollowUpError("Say why it is cancelled.", "reason")
    _close(follow_up, FollowUpStatus.CANCELLED, by_id=by_id)
    follow_up.cancel_reason = reason


def cancel_by_rule(follow_up: FollowUp, reason: str) -> None:
    """Cancel a follow-up that no longer applies (the rules say why); nobody did it by hand."""
    _close(follow_up, FollowUpStatus.CANCELLED, by_id=None)
    follow_up.cancel_reason = reason
    follow_up.by_rules = True  # not mapped: tells the triggers this needs no second look


def _move(follow_up: FollowUp, *, due_on: date, due_time: time | None, assigned_to_id: int | None,
          note: str | None, by_id: int | None) -> Reschedule:
    """Give a follow-up another date, time or owner, keeping the move in its history (the one place moves are made)."""
    move = Reschedule(follow_up_id=follow_up.id, from_due_on=follow_up.due_on, from_due_time=follow_up.due_time,
                      to_due_on=due_on, to_due_time=due_time, from_assigned_to_id=follow_up.assigned_to_id,
                      to_assigned_to_id=assigned_to_id, note=note, at=utcnow(), by_id=by_id)
    db.session.add(move)
    follow_up.due_on, follow_up.due_time = due_on, due_time
    follow_up.overdue_at = overdue_instant(due_on, due_time)
    follow_up.assigned_to_id = assigned_to_id
    return move


def reopen_by_rule(follow_up: FollowUp, details: Details, why: str) -> None:
    """Open again a follow-up the rules cancelled when its enquiry closed, now that it is open again; its new date
    and owner are kept in its history (the cancellation stays in the audit trail)."""
    _move(follow_up, due_on=details.due_on, due_time=details.due_time, assigned_to_id=details.assigned_to_id,
          note=why, by_id=None)
    follow_up.status = FollowUpStatus.OPEN
    follow_up.closed_at = follow_up.closed_by_id = follow_up.cancel_reason = None
    follow_up.by_rules = True


def _hand_over(follow_up: FollowUp, to_id: int | None, why: str, *, by_id: int | None) -> Reschedule:
    return _move(follow_up, due_on=follow_up.due_on, due_time=follow_up.due_time, assigned_to_id=to_id, note=why,
                 by_id=by_id)


def hand_over_by_rule(follow_up: FollowUp, to_id: int | None, why: str) -> Reschedule:
    """Give an open follow-up to someone else (None: the team) without a person doing it; kept in its history."""
    follow_up.by_rules = True
    return _hand_over(follow_up, to_id, why, by_id=None)


def reschedule(follow_up: FollowUp, *, due_on: date, due_time: time | None, assigned_to_id: int | None,
               note: str | None, version: int, by_id: int | None) -> Reschedule | None:
    """Move an open follow-up to another date, time or owner; the move is kept in its history."""
    _check_open(follow_up, version)
    enquiry = db.session.get(Enquiry, follow_up.enquiry_id)
    check_due(enquiry, due_on, due_time)
    if assigned_to_id != follow_up.assigned_to_id:
        check_assignee(assigned_to_id)
    if (due_on, due_time, assigned_to_id) == (follow_up.due_on, follow_up.due_time, follow_up.assigned_to_id):
        raise FollowUpError("Choose a different date, time or person.", "due_on")
    return _move(follow_up, due_on=due_on, due_time=due_time, assigned_to_id=assigned_to_id,
                 note=(note or "").strip() or None, by_id=by_id)


def get(follow_up_id: int) -> FollowUp | None:
    """A follow-up with its enquiry, patient and people loaded."""
    if not 0 < follow_up_id < 2**31:
        return None
    stmt = (select(FollowUp).where(FollowUp.id == follow_up_id)
            .options(joinedload(FollowUp.enquiry).joinedload(Enquiry.patient), joinedload(FollowUp.assigned_to),
                     joinedload(FollowUp.created_by), joinedload(FollowUp.closed_by)))
    return db.session.scalar(stmt)


def for_enquiry(enquiry_id: int, *, limit: int = 200) -> list[FollowUp]:
    """An enquiry's follow-ups: open ones soonest first, then closed ones newest first (bounded)."""
    stmt = (select(FollowUp).where(FollowUp.enquiry_id == enquiry_id)
            .options(joinedload(FollowUp.assigned_to), joinedload(FollowUp.closed_by))
            .order_by((FollowUp.status != FollowUpStatus.OPEN), FollowUp.overdue_at, FollowUp.id.desc())
            .limit(limit))
    follow_ups = list(db.session.scalars(stmt))
    open_ones = [f for f in follow_ups if f.is_open]
    closed = sorted((f for f in follow_ups if not f.is_open), key=lambda f: f.closed_at or f.created_at, reverse=True)
    return open_ones + closed


def hand_to_team(user: User, *, by_id: int | None) -> int:
    """Give a deactivated user's open follow-ups to the reception team, each move kept in its history."""
    mine = (FollowUp.assigned_to_id == user.id, FollowUp.status == FollowUpStatus.OPEN)
    # Their enquiries first, in id order, as the rules lock them: a colleague completing one of these follow-ups
    # (enquiry, then follow-up) then waits here rather than deadlocking against this request.
    db.session.execute(select(Enquiry.id).where(Enquiry.id.in_(select(FollowUp.enquiry_id).where(*mine)))
                       .order_by(Enquiry.id).with_for_update(key_share=True))
    stmt = select(FollowUp).where(*mine).order_by(FollowUp.id)
    moved = 0
    for follow_up in db.session.scalars(stmt):
        _hand_over(follow_up, None, f"{user.full_name} was deactivated", by_id=by_id)
        moved += 1
    return moved
