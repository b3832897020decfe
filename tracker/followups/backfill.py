"""Run the rules over every live enquiry: `flask apply-follow-up-rules` after upgrading to follow-ups, and the
nightly sweep (tracker/followups/tasks.py) that catches what the day's triggers did not."""

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.followups import rules
from tracker.followups.models import FollowUp

BATCH = 500


def apply_to_all(batch: int = BATCH) -> int:
    """Run the rules over every live enquiry, a batch per transaction; returns how many follow-ups exist after."""
    return sweep(batch)[2]


def _follow_ups() -> int:
    return db.session.scalar(select(func.count()).select_from(FollowUp))


def sweep(batch: int = BATCH) -> tuple[int, int, int]:
    """Run the rules over every live enquiry, a batch per transaction: (live enquiries gone through, follow-ups
    made, follow-ups that exist after)."""
    before, last, seen = _follow_ups(), 0, 0
    while True:
        ids = list(db.session.scalars(select(Enquiry.id).where(Enquiry.id > last, Enquiry.archived_at.is_(None))
                                      .order_by(Enquiry.id).limit(batch)))
        if not ids:
            break
        rules.apply(set(ids))
        db.session.commit()
        last, seen = ids[-1], seen + len(ids)
    after = _follow_ups()
    return seen, after - before, after


@click.command("apply-follow-up-rules")
@with_appcontext
def apply_rules_command() -> None:
    """Give every live enquiry the follow-ups its rules call for (safe to run again: nothing is made twice)."""
    _seen, made, after = sweep()
    click.echo(f"Follow-ups made: {made} ({after} in all).")
