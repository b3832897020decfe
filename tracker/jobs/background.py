"""Background jobs: asked for in a request, run by a worker with progress, finished or failed with a reason.

A handler does a job's work in the worker's transaction; the job is marked done in that same transaction, so a
worker that dies mid-way leaves neither the work nor "done", and the recovery sweep runs the job again.
"""

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import g
from huey.exceptions import RetryTask
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from tracker.auth.models import User
from tracker.db import utcnow
from tracker.extensions import db
from tracker.jobs.models import OPEN, Job, JobStatus
from tracker.jobs.queue import bound, hand_over, task

log = logging.getLogger("tracker.jobs")

MAX_ATTEMPTS = 3  # a job that fails (or loses its worker) this many times is marked failed
RETRY_DELAYS = (5.0, 30.0)  # seconds before the second and the third attempt after a failure
HEARTBEAT_SECONDS = 15  # a running job says it is alive this often...
STALE = timedelta(minutes=2)  # ...and is presumed lost with its worker after this long without a word
RESEND = timedelta(minutes=10)  # a waiting job's message is sent again after this long (a lost message)
WORKER = f"{socket.gethostname()}:{os.getpid()}"


class Gone(Exception):
    """The job's input went away (a record archived, an upload removed, the person deactivated) or cannot be used:
    it fails with this message and is not tried again; `back` is where its page sends the person to put it right."""

    def __init__(self, message: str, back: str | None = None):
        super().__init__(message)
        self.back = back




Handler = Callable[[Job, "Progress"], None]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Declare the function that does the work of jobs of a kind: it gets the job and its Progress, works in the
    session (not committing), and sets job.message (and result_url or the file) for the person who asked."""
    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn
    return register


# --- live progress, kept in the queue's storage (the job's own transaction commits only at the end) ----------

@dataclass
class Seen:
    """What the worker last said about a running job."""

    done: int
    total: int | None
    at: float  # time.time() of the last word (progress or heartbeat)


def _progress_key(job_id: int) -> str:
    return f"progress:{job_id}"


def _heard(job_id: int) -> Seen | None:
    """The worker's last word on a job, if any; the storage's error if it cannot be read."""
    value = bound().get(_progress_key(job_id), peek=True)
    return Seen(*value) if value else None


def seen(job_id: int) -> Seen | None:
    """The running job's last progress and heartbeat, if the worker has said anything (None if unreadable)."""
    try:
        return _heard(job_id)
    except Exception:
        return None


class Progress:
    """Counts a running job's rows and tells the queue's storage, at most a few times a second, and beats while
    the job runs so the recovery sweep knows its worker is alive."""

    def __init__(self, job: Job):
        self.job_id, self.done, self.total = job.id, 0, job.total
        self._told = 0.0
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._beating, daemon=True, name=f"job-{job.id}-heartbeat")

    def __enter__(self) -> "Progress":
        self.tell()
        self._beat.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._beat.join(timeout=5)

    def total_is(self, total: int) -> None:
        """The number of rows the job will do, once known."""
        self.total = total
        self.tell()

    def advance(self, rows: int = 1) -> None:
        """Some more rows done."""
        self.done += rows
        if time.monotonic() - self._told >= 0.25:
            self.tell()

    def tell(self) -> None:
        """Tell the queue's storage the count now."""
        self._told = time.monotonic()
        try:
            bound().put(_progress_key(self.job_id), (self.done, self.total, time.time()))
        except Exception:
            log.warning("progress of job %s not recorded", self.job_id, exc_info=True)

    def _beating(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            self.tell()


# --- asking for a job ---------------------------------------------------------------------------------------

def start(kind: str, key: str, title: str, *, by_id: int | None, params: dict | None = None,
          total: int | None = None) -> Job:
    """The job for `key`, made (and handed to the queue when the caller commits) if there is none yet, or if the
    one there failed (asking again after a failure tries again).

    QueueUnavailable, with nothing added, when the queue cannot be reached.
    """
    existing = db.session.scalar(select(Job).where(Job.key == key))
    if existing is not None and existing.status is not JobStatus.FAILED:
        return existing
    if existing is not None:
        existing.key = f"{key[:100]}#failed-{existing.id}"  # kept, under a key of its own
        db.session.flush()
    job = Job(kind=kind, key=key, title=title[:200], by_id=by_id, params=params or {}, total=total)
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:  # asked twice at once: the other request's job is this one
        return db.session.scalars(select(Job).where(Job.key == key)).one()
    hand_over(run_job, job.id)
    return job


def own(job_id: int, user_id: int) -> Job | None:
    """A job, only for the person who asked for it."""
    job = db.session.get(Job, job_id)
    return job if job is not None and job.by_id == user_id else None


# --- running one ------------------------------------------------------------------------------------------

def _claim(job_id: int) -> Job | None:
    """Mark a waiting job running for this worker (one worker wins); None when it is not waiting any more."""
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, attempts=Job.attempts + 1, started_at=utcnow()))
    db.session.commit()
    return db.session.get(Job, job_id) if claimed.rowcount else None


def _move(job_id: int, attempt: int, **values) -> bool:
    """Change a running job only if it is still the run numbered `attempt` (the sweep or another worker may have
    taken it meanwhile); whether it was."""
    moved = db.session.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.RUNNING,
                                                 Job.attempts == attempt).values(**values)
                               .execution_options(synchronize_session=False))
    return moved.rowcount == 1


def _end(job_id: int, attempt: int, status: JobStatus, message: str, back: str | None = None) -> None:
    """Record the end of a run whose work was rolled back (if the job is still this run's)."""
    db.session.rollback()
    ended = {"status": status, "message": message[:2000], "finished_at": utcnow()}
    _move(job_id, attempt, **ended, **({"result_url": back[:300]} if back else {}))
    db.session.commit()


def _still_mine(job_id: int, attempt: int) -> bool:
    """Just before the work commits: the job is still this run's, and stays so until the commit (its row locked;
    on SQLite the transaction already holds the write lock)."""
    now = db.session.execute(select(Job.status, Job.attempts).where(Job.id == job_id).with_for_update()).one()
    return tuple(now) == (JobStatus.RUNNING, attempt)


def _asker_gone(job: Job) -> str | None:
    if job.by_id is None:
        return None
    active = db.session.scalar(select(User.active).where(User.id == job.by_id))
    return None if active else "The person who asked for this no longer has an active account: it was not run."


@task("jobs.run")
def run_job(job_id: int) -> None:
    """Run a waiting job; a failure is retried after RETRY_DELAYS, a lost input fails it plainly."""
    job = _claim(job_id)
    if job is None:
        return  # done, failed, already running elsewhere, or its request never committed
    attempts = job.attempts
    if reason := _asker_gone(job):
        return _end(job_id, attempts, JobStatus.FAILED, reason)
    work = HANDLERS.get(job.kind)
    if work is None:
        return _end(job_id, attempts, JobStatus.FAILED, f"No worker knows how to do a job of kind {job.kind!r}.")
    g.audit_actor_id = job.by_id  # what the job writes is recorded as done by the person who asked
    g.audit_actor_label = "background job"
    progress = Progress(job)
    db.session.commit()  # nothing written: the handler's own transaction starts as it chooses (db.reading)
    try:
        with progress:
            work(job, progress)
            if not _still_mine(job_id, attempts):
                db.session.rollback()  # the sweep gave it to another run meanwhile: that run's outcome stands
                log.warning("job %s: attempt %s finished after the job was given to another run", job_id, attempts)
                return
            job.status, job.finished_at = JobStatus.DONE, utcnow()
            job.done, job.total = progress.done, progress.total
            db.session.commit()
    except Gone as reason:
        _end(job_id, attempts, JobStatus.FAILED, str(reason), reason.back)
    except Exception as error:
        log.exception("job %s failed on attempt %s", job_id, attempts)
        if attempts >= MAX_ATTEMPTS:
            _end(job_id, attempts, JobStatus.FAILED, f"It failed {attempts} times and was given up; nothing of it "
                                                     "was kept. Try again later, or tell your administrator (the log "
                                                     "has the error).")
            return
        _end(job_id, attempts, JobStatus.QUEUED, f"Attempt {attempts} failed; it will be tried again shortly.")
        raise RetryTask(delay=RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]) from error


# --- the recovery sweep ---------------------------------------------------------------------------------

def recover(now: datetime | None = None) -> int:
    """Send again the jobs whose worker went quiet or whose message was lost; fail those tried too often.
    Returns how many were sent again."""
    now = now or utcnow()
    wall = time.time() - (utcnow() - now).total_seconds()
    sent = 0
    for job in db.session.scalars(select(Job).where(Job.status.in_(OPEN)).order_by(Job.id)).all():
        try:
            last = _heard(job.id)
        except Exception:  # the queue's storage cannot say: presume the worker alive rather than run it twice
            log.warning("job %s: its worker's heartbeat cannot be read; left as it is", job.id)
            continue
        heard = last.at if last else (job.started_at or job.created_at).timestamp()
        if job.status is JobStatus.RUNNING and wall - heard > STALE.total_seconds():
            # Each change only if the job is still the run that went quiet (another sweep may have moved it).
            if job.attempts >= MAX_ATTEMPTS:
                _move(job.id, job.attempts, status=JobStatus.FAILED, finished_at=now,
                      message=f"The worker running it stopped {job.attempts} times; it was given up and nothing "
                              "of it was kept. Try again, or tell your administrator.")
            elif _move(job.id, job.attempts, status=JobStatus.QUEUED,
                       message="Its worker stopped; it will be run again."):
                sent += 1
                hand_over(run_job, job.id)
        elif job.status is JobStatus.QUEUED and now - job.created_at > RESEND and wall - heard > RESEND.total_seconds():
            bound().put(_progress_key(job.id), (0, job.total, wall))  # resent now: not again for RESEND
            sent += 1
            hand_over(run_job, job.id)
    db.session.commit()
    return sent


def oldest_waiting(now: datetime | None = None) -> float | None:
    """Seconds the longest-waiting job has waited, or None when none waits."""
    created = db.session.scalar(select(Job.created_at).where(Job.status == JobStatus.QUEUED)
                                .order_by(Job.created_at).limit(1))
    return None if created is None else max(0.0, ((now or utcnow()) - created).total_seconds())


def mine(user_id: int, limit: int = 50) -> list[Job]:
    """The person's own latest jobs, newest first."""
    return list(db.session.scalars(select(Job).where(Job.by_id == user_id).order_by(Job.id.desc()).limit(limit)))


def recent(limit: int = 30) -> list[Job]:
    """The latest jobs, newest first, with who asked."""
    return list(db.session.scalars(select(Job).options(joinedload(Job.by)).order_by(Job.id.desc()).limit(limit)))

