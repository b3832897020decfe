"""Runs the follow-up rules for every enquiry a transaction changed, just before it commits.

Whatever changed an enquiry, its contact attempts, appointments, plans or follow-ups (a view, a command, a
test), the rules see it: each flush notes the enquiries touched, and before the commit tracker.followups.rules
brings their follow-ups up to date, in the same transaction, so the trail records both together.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from tracker.bookings.models import Appointment
from tracker.enquiries.models import ContactAttempt, Enquiry
from tracker.extensions import db
from tracker.followups.models import FollowUp
from tracker.plans.models import TreatmentPlan

_PENDING = "followup_rules_pending"
_paused: ContextVar[bool] = ContextVar("followup_rules_paused", default=False)
WATCHED = (Enquiry, ContactAttempt, Appointment, TreatmentPlan)


@contextmanager
def paused() -> Iterator[None]:
    """Run the block without the rules (loaders of many rows that make their own follow-ups)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def _enquiry_id(obj) -> int | None:
    if isinstance(obj, Enquiry):
        return obj.id
    return obj.enquiry_id if isinstance(obj, WATCHED) else None


def _closed_by_hand(obj) -> bool:
    """A follow-up someone closed, which can call for the next one (the second decision chase)."""
    return (isinstance(obj, FollowUp) and not getattr(obj, "closed_by_rule", False)
            and inspect(obj).attrs.status.history.has_changes())


def _note_touched(session: Session, _flush_context) -> None:
    touched = {_enquiry_id(obj) for obj in session.new | session.dirty}
    touched |= {obj.enquiry_id for obj in session.dirty if _closed_by_hand(obj)}
    touched.discard(None)
    if touched:
        session.info.setdefault(_PENDING, set()).update(touched)


def _run_rules(session: Session) -> None:
    if _paused.get() or not has_app_context() or session is not db.session():
        return
    from tracker.followups import rules

    for _ in range(3):  # the rules' own changes are noted too; a second pass finds nothing more to do
        session.flush()
        pending = session.info.pop(_PENDING, set())
        if not pending:
            return
        rules.run_for(pending)


def _forget(session: Session, *_args) -> None:
    session.info.pop(_PENDING, None)


def install() -> None:
    """Attach the triggers to every ORM session (once per process)."""
    if not event.contains(Session, "after_flush", _note_touched):
        event.listen(Session, "after_flush", _note_touched)
        event.listen(Session, "before_commit", _run_rules)
        event.listen(Session, "after_rollback", _forget)
        event.listen(Session, "after_commit", _forget)
