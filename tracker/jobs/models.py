"""Background jobs (who asked, what for, how far it got) and each scheduled job's runs."""

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import UTCDateTime, utcnow
from tracker.extensions import db


def _values(enum_class: type[enum.Enum]) -> Enum:
    """An enum kept as its values in a plain string column (a new value needs no migration)."""
    return Enum(enum_class, native_enum=False, create_constraint=False, length=10,
                values_callable=lambda e: [m.value for m in e])


class JobStatus(enum.StrEnum):
    """Where a background job stands."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # it went wrong, or its input went away: `message` says which

    @property
    def label(self) -> str:
        return {"queued": "Waiting", "running": "Running", "done": "Finished", "failed": "Failed"}[self.value]


OPEN = (JobStatus.QUEUED, JobStatus.RUNNING)


class Job(db.Model):
    """One piece of long work handed to a worker for someone (an import, a large export).

    The database row is the record that the work exists: a queue message only says "run job N", so a message lost
    with a worker (kill -9, a restart) is found again by the recovery sweep and the job is run again. `key` says what
    the job is about (the staged upload, the export's request), so asking twice makes one job.
    """

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))  # for people: "Import of enquiries.csv"
    by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(_values(JobStatus), default=JobStatus.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[Optional[int]] = mapped_column(Integer)  # rows to do, when known
    done: Mapped[int] = mapped_column(Integer, default=0)  # rows done when it finished (live progress: the queue)
    message: Mapped[Optional[str]] = mapped_column(Text)  # the outcome in a sentence, or why it failed
    result_url: Mapped[Optional[str]] = mapped_column(String(300))  # where the outcome is shown (an import's result)
    file_name: Mapped[Optional[str]] = mapped_column(String(255))  # the download's name
    file_path: Mapped[Optional[str]] = mapped_column(String(500))  # under JOB_FILES_DIR; None once removed
    file_expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    by = relationship("User", lazy="raise")


class RunOutcome(enum.StrEnum):
    """How one run of a scheduled job ended."""

    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    MISSED = "missed"  # no worker ran it in time (it runs again at its next time)

    @property
    def label(self) -> str:
        return {"running": "Running", "ok": "Done", "failed": "Failed", "missed": "Missed"}[self.value]


class ScheduledRun(db.Model):
    """One run of a scheduled job, claimed by its time: (job, due_at) is unique, so however many workers see the
    time come, one of them runs it."""

    __tablename__ = "scheduled_runs"
    __table_args__ = (UniqueConstraint("job", "due_at", name="uq_scheduled_runs_job_due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    outcome: Mapped[RunOutcome] = mapped_column(_values(RunOutcome), default=RunOutcome.RUNNING)
    detail: Mapped[Optional[str]] = mapped_column(Text)  # what it did ("sent 4, failed 0"), or the error
    worker: Mapped[Optional[str]] = mapped_column(String(120))  # host:pid
