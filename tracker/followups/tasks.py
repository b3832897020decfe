"""followups: its scheduled jobs, the morning digest and the nightly rules sweep."""

import time as clock
from datetime import datetime, time, timedelta

from tracker.clock import to_clinic
from tracker.db import utcnow
from tracker.followups import backfill, digest
from tracker.jobs.schedule import JobFailed, scheduled

RETRY_DELAYS = (30.0, 120.0)  # a failed delivery is tried again after these pauses, within the same run
pause = clock.sleep


class DigestsNotSent(JobFailed):
    """Some digests could not be sent (the others were): the run shows as failed, with its counts."""


@scheduled("followups.digest", "Morning digest e-mails", at_setting="DIGEST_TIME", days_setting="DIGEST_DAYS",
           grace=timedelta(hours=4))
def send_digests(due_at: datetime) -> str:
    """Each active user's digest for the clinic day of the due time, once (DigestSent). A failed delivery (the mail
    server away) is tried again after each of RETRY_DELAYS; one still failing after them fails the run, and
    `flask send-reminders` can send it by hand that day."""
    day = to_clinic(due_at).date()
    outcomes = digest.send_all(day, utcnow())
    for delay in RETRY_DELAYS:
        if not outcomes["failed"]:
            break
        pause(delay)
        again = digest.send_all(day, utcnow())  # those sent meanwhile count as "already" in this pass
        outcomes["sent"] += again["sent"]
        outcomes["failed"] = again["failed"]
    if outcomes["failed"]:
        raise DigestsNotSent(digest.summary(outcomes))
    return digest.summary(outcomes)


@scheduled("followups.sweep", "Follow-up rules sweep", at=time(2, 30))
def sweep_rules(_due_at: datetime) -> str:
    """Every live enquiry's follow-ups brought up to date with its rules (nothing is made twice)."""
    enquiries, made, _after = backfill.sweep()
    return f"Went through {enquiries} live enquiries; {made} follow-ups made."
