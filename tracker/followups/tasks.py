"""followups: its scheduled jobs, the morning digest and the nightly rules sweep."""

from datetime import datetime, time, timedelta

from tracker.clock import to_clinic
from tracker.db import utcnow
from tracker.followups import backfill, digest
from tracker.jobs.schedule import scheduled


class DigestsNotSent(RuntimeError):
    """Some digests could not be sent (the others were): the run shows as failed, with its counts."""


@scheduled("followups.digest", "Morning digest e-mails", at_setting="DIGEST_TIME", days_setting="DIGEST_DAYS",
           grace=timedelta(hours=4))
def send_digests(due_at: datetime) -> str:
    """Each active user's digest for the clinic day of the due time, once (DigestSent); a failed send is retried by
    `flask send-reminders` or not at all (the next run is the next day's)."""
    outcomes = digest.send_all(to_clinic(due_at).date(), utcnow())
    if outcomes["failed"]:
        raise DigestsNotSent(digest.summary(outcomes))
    return digest.summary(outcomes)


@scheduled("followups.sweep", "Follow-up rules sweep", at=time(2, 30))
def sweep_rules(_due_at: datetime) -> str:
    """Every live enquiry's follow-ups brought up to date with its rules (nothing is made twice)."""
    enquiries, made, _after = backfill.sweep()
    return f"Went through {enquiries} live enquiries; {made} follow-ups made."
