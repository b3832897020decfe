"""`flask apply-follow-up-rules`: run the rules over every live enquiry once, after upgrading to follow-ups."""

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
    last = 0
    while True:
        ids = list(db.session.scalars(select(Enquiry.id).where(Enquiry.id > last, Enquiry.archived_at.is_(None))
                                      .order_by(Enquiry.id).limit(batch)))
        if not ids:
            break
        rules.apply(set(ids))
        db.session.commit()
        last = ids[-1]
    return db.session.scalar(select(func.count()).select_from(FollowUp))


@click.command("apply-follow-up-rules")
@with_appcontext
def apply_rules_command() -> None:
    """Give every live enquiry the follow-ups its rules call for (safe to run again: nothing is made twice)."""
    before = db.session.scalar(select(func.count()).select_from(FollowUp))
    after = apply_to_all()
    click.echo(f"Follow-ups made: {after - before} ({after} in all).")
