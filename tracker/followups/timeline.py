"""An enquiry's follow-ups on its timeline: each one done or cancelled, each reschedule, and what the rules made."""

from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload

from tracker.auth.models import User
from tracker.clock import format_date
from tracker.enquiries.hooks import AUTOMATICALLY, LIMIT, Entry
from tracker.extensions import db
from tracker.followups import rules
from tracker.followups.models import FollowUp, FollowUpStatus, Reschedule


def _when(due_on, due_time) -> str:
    return format_date(due_on) + (f" {due_time:%H:%M}" if due_time else "")


def _closed_entry(follow_up: FollowUp) -> Entry | None:
    kind = follow_up.kind.label
    by = follow_up.closed_by.full_name if follow_up.closed_by else AUTOMATICALLY
    if follow_up.status is FollowUpStatus.DONE:
        return Entry(follow_up.closed_at, "followup", f"{kind} done: {follow_up.outcome}", by)
    if follow_up.status is FollowUpStatus.CANCELLED:
        return Entry(follow_up.closed_at, "followup", f"{kind} cancelled: {follow_up.cancel_reason}", by)
    return None


def _made_by_rule(follow_up: FollowUp) -> Entry:
    """A rule-made follow-up's creation: why it is there, since nobody added it by hand."""
    title = f"{follow_up.kind.label} scheduled by rule: {rules.label(follow_up.rule)}"
    return Entry(follow_up.created_at, "followup", title, AUTOMATICALLY,
                 f"Due {_when(follow_up.due_on, follow_up.due_time)}")


def _reschedule_entries(enquiry_id: int, kinds: dict[int, str]) -> list[Entry]:
    """Each move of a follow-up's date or owner, with the names of the people it moved between (one statement)."""
    before, after = aliased(User), aliased(User)
    stmt = (select(Reschedule, before.full_name, after.full_name)
            .join(FollowUp, FollowUp.id == Reschedule.follow_up_id)
            .outerjoin(before, before.id == Reschedule.from_assigned_to_id)
            .outerjoin(after, after.id == Reschedule.to_assigned_to_id)
            .where(FollowUp.enquiry_id == enquiry_id).options(joinedload(Reschedule.by))
            .order_by(Reschedule.at.desc(), Reschedule.id.desc()).limit(LIMIT))
    entries = []
    for move, from_name, to_name in db.session.execute(stmt):
        kind = kinds.get(move.follow_up_id, "Follow-up")
        moves = []
        if (move.from_due_on, move.from_due_time) != (move.to_due_on, move.to_due_time):
            moves.append(f"moved from {_when(move.from_due_on, move.from_due_time)} "
                         f"to {_when(move.to_due_on, move.to_due_time)}")
        if move.from_assigned_to_id != move.to_assigned_to_id:
            moves.append(f"handed from {from_name or 'the reception team'} to {to_name or 'the reception team'}")
        by = move.by.full_name if move.by else AUTOMATICALLY
        entries.append(Entry(move.at, "followup", f"{kind} " + (" and ".join(moves) or "rescheduled"), by, move.note))
    return entries


def timeline_entries(enquiry_id: int, follow_ups: list[FollowUp]) -> list[Entry]:
    """The follow-up entries of an enquiry's timeline; `follow_ups`: its follow-ups with closed_by loaded."""
    entries = [entry for entry in map(_closed_entry, follow_ups) if entry is not None]
    entries += [_made_by_rule(f) for f in follow_ups if f.rule is not None]
    kinds = {f.id: f.kind.label for f in follow_ups}
    return entries + _reschedule_entries(enquiry_id, kinds)
