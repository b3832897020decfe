"""Runs the follow-up rules for every enquiry a transaction changed, just before it commits.

Whatever changed an enquiry, its contact attempts, appointments, plans or follow-ups (a view, a command, a
test), the rules see it: each flush notes the enquiries touched, and before the commit tracker.followups.rules
brings their follow-ups up to date, in the same transaction, so the trail records both together.
"""

from flask import has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from tracker.bookings.models import Appointment
from tracker.enquiries.models import ContactAttempt, Enquiry
from tracker.extensions import db
from tracker.followups import rules
from tracker.followups.models import FollowUp
from tracker.plans.models import TreatmentPlan

_PENDING = "followup_rules_pending"
_REASSIGNED = "followup_rules_reassigned"  # enquiry id → its owner before the transaction
WATCHED = (Enquiry, ContactAttempt, Appointment, TreatmentPlan)


def _by_rules(obj) -> bool:
    """Changed by the rules themselves (they keep their own books): read once, then forgotten."""
    flagged = getattr(obj, "by_rules", False)
    if flagged:
        obj.by_rules = False
    return flagged


def _enquiry_id(obj) -> int | None:
    """The enquiry a changed object belongs to, if the rules should look at it again."""
    if isinstance(obj, Enquiry):
        return obj.id
    if isinstance(obj, (*WATCHED, FollowUp)):  # a follow-up added, closed or moved by hand changes the next step
        return obj.enquiry_id
    return None


def _note_touched(session: Session, _flush_context) -> None:
    touched = {_enquiry_id(obj) for obj in session.new | session.dirty if not _by_rules(obj)}
    touched.discard(None)
    if touched:
        session.info.setdefault(_PENDING, set()).update(touched)
    for obj in session.dirty:
        history = inspect(obj).attrs.assigned_to_id.history if isinstance(obj, Enquiry) else None
        if history is not None and history.has_changes():
            before = history.deleted[0] if history.deleted else None
            session.info.setdefault(_REASSIGNED, {}).setdefault(obj.id, before)


def _run_rules(session: Session) -> None:
    if not has_app_context() or session is not db.session():
        return
    for _ in range(3):  # the rules' own changes are noted too; a second pass finds nothing more to do
        session.flush()
        pending = session.info.pop(_PENDING, set())
        if not pending:
            return
        rules.run_for(pending, session.info.pop(_REASSIGNED, None))


def _forget(session: Session, transaction) -> None:
    """The transaction is over (committed or rolled back): nothing is pending, and no change is the rules' own."""
    if transaction.parent is not None:  # a savepoint: the changes before it still count
        return
    session.info.pop(_PENDING, None)
    session.info.pop(_REASSIGNED, None)
    for obj in [*session.identity_map.values(), *session.new]:
        if getattr(obj, "by_rules", False):
            obj.by_rules = False


def install() -> None:
    """Attach the triggers to every ORM session (once per process)."""
    if not event.contains(Session, "after_flush", _note_touched):
        event.listen(Session, "after_flush", _note_touched)
        event.listen(Session, "before_commit", _run_rules)
        event.listen(Session, "after_transaction_end", _forget)
