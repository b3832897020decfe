"""A job's progress as its page shows it: rows done of total, elapsed, and an estimate of the time left."""

from dataclasses import asdict, dataclass
from datetime import datetime

from tracker.jobs.background import seen
from tracker.jobs.models import OPEN, Job, JobStatus

WAIT_NOTICE = 60  # seconds a job waits before its page says no worker has taken it


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


@dataclass
class State:
    """The figures the progress page shows and its script reads."""

    status: str
    label: str
    done: int
    total: int | None
    percent: int | None
    elapsed: str
    left: str
    message: str
    finished: bool

    def as_dict(self) -> dict:
        return asdict(self)


def status_of(job: Job, now: datetime) -> State:
    """Where a job stands: its record, with the worker's live count while it runs."""
    done, total = job.done, job.total
    if job.status in OPEN and (live := seen(job.id)):
        done, total = live.done, live.total or total
    elapsed = (((job.finished_at or now) - job.started_at).total_seconds() if job.started_at else None)
    percent = min(100, int(done * 100 / total)) if total else None
    if job.status is JobStatus.DONE:
        percent = 100
    left = None
    if job.status is JobStatus.RUNNING and total and done and elapsed:
        left = elapsed * (total - done) / done
    message = job.message or ""
    if job.status is JobStatus.QUEUED and not message and (now - job.created_at).total_seconds() > WAIT_NOTICE:
        message = ("No worker has taken it yet. If it waits more than a few minutes, tell your administrator: the "
                   "worker may not be running.")
    return State(job.status.value, job.status.label, done, total, percent, _duration(elapsed),
                 _duration(left) if left is not None else "", message, job.status not in OPEN)
