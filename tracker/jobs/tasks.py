"""The jobs feature's own queue work: the minute tick (scheduled jobs, then the recovery sweep) and the purge of
old job files."""

import logging
from datetime import datetime, timedelta

from huey import crontab

from tracker.extensions import db
from tracker.jobs import background, files, schedule
from tracker.jobs.queue import periodic

log = logging.getLogger("tracker.jobs")


@periodic("jobs.tick", crontab())
def every_minute() -> None:
    """Each minute, on every worker: the scheduled jobs whose time has come, then the sweep for lost jobs."""
    try:
        schedule.tick()
    finally:
        db.session.rollback()
        background.recover()


@schedule.scheduled("jobs.files", "Remove old export files", every=timedelta(hours=1))
def purge_files(_due_at: datetime) -> str:
    """Files made by background jobs, removed once their time is up."""
    return files.purge()
