"""Files made by background jobs: written beside their final name and renamed once complete, kept for the person
who asked for JOB_FILES_HOURS, then removed."""

import contextlib
import logging
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from tracker.db import utcnow
from tracker.extensions import db
from tracker.jobs.models import Job

log = logging.getLogger("tracker.jobs")


def directory() -> Path:
    """JOB_FILES_DIR, made if missing (readable by this account only)."""
    path = Path(current_app.config["JOB_FILES_DIR"])
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def new_path(job: Job, extension: str) -> Path:
    """An unguessable file name for a job's result."""
    return directory() / f"job-{job.id}-{secrets.token_urlsafe(12)}.{extension}"


def keep(job: Job, path: Path, download_name: str) -> None:
    """Attach a finished file to its job, to be removed after JOB_FILES_HOURS."""
    job.file_path, job.file_name = path.name, download_name
    job.file_expires_at = utcnow() + timedelta(hours=current_app.config["JOB_FILES_HOURS"])


def path_of(job: Job) -> Path | None:
    """The job's file while it is kept."""
    if not job.file_path or job.file_expires_at is None or job.file_expires_at <= utcnow():
        return None
    path = directory() / job.file_path
    return path if path.is_file() else None


def purge(now: datetime | None = None) -> str:
    """Remove files past their time, and files no job owns (a worker that stopped mid-write)."""
    now = now or utcnow()
    removed = 0
    for job in db.session.scalars(select(Job).where(Job.file_path.is_not(None), Job.file_expires_at <= now)):
        (directory() / job.file_path).unlink(missing_ok=True)
        job.file_path = None
        removed += 1
    owned = set(db.session.scalars(select(Job.file_path).where(Job.file_path.is_not(None))))
    strays = 0
    for path in directory().glob("job-*"):
        # A file being written is younger than an hour; one older that no job owns was left by a stopped worker.
        if path.name not in owned and now.timestamp() - path.stat().st_mtime > 3600:
            path.unlink(missing_ok=True)
            strays += 1
    return f"Removed {removed} expired file(s) and {strays} left by stopped workers."


def remove_partial(path: Path) -> None:
    """Remove a file whose writing failed."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
