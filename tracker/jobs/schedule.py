"""Scheduled jobs, declared in code by the features that own them, and the tick that runs each once per due time
however many workers see that time come."""

import logging
import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tracker.clock import clinic_zone
from tracker.db import utcnow
from tracker.extensions import db
from tracker.jobs.background import WORKER
from tracker.jobs.models import RunOutcome, ScheduledRun

log = logging.getLogger("tracker.jobs")

class JobFailed(RuntimeError):
    """A scheduled job's own failure, with a sentence safe to show administrators (counts, never names)."""


DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LOST_AFTER = timedelta(hours=6)  # a run with no end after this long lost its worker


def _read_days(text: str) -> frozenset[int]:
    """ISO weekdays from "1-6", "1,3,5" or "1-5,7"."""
    days: set[int] = set()
    for part in text.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        days.update(range(int(first), int(last or first) + 1))
    if not days or not days <= set(range(1, 8)):
        raise ValueError(f"days must be ISO weekdays 1 to 7, not {text!r}")
    return frozenset(days)


def _days_text(days: frozenset[int]) -> str:
    if len(days) == 7:
        return "every day"
    ordered = sorted(days)
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"{DAY_NAMES[ordered[0] - 1]}–{DAY_NAMES[ordered[-1] - 1]}"
    return ", ".join(DAY_NAMES[d - 1] for d in ordered)


@dataclass(frozen=True)
class Scheduled:
    """A job run at set times: every `every` (aligned to the clock), or daily at a clinic time on some weekdays
    (the settings named by `at_setting` and `days_setting`, or the fixed `at`)."""

    name: str
    title: str
    run: Callable[[datetime], str]  # given the due time; returns what it did in a sentence
    every: timedelta | None = None
    at: time | None = None
    at_setting: str | None = None
    days_setting: str | None = None
    grace: timedelta = timedelta(hours=6)  # later than this after its time, a run is recorded missed, not run

    def _at(self) -> time:
        if self.at_setting:
            return time.fromisoformat(current_app.config[self.at_setting])
        return self.at or time(0, 0)

    def _days(self) -> frozenset[int]:
        return _read_days(current_app.config[self.days_setting]) if self.days_setting else frozenset(range(1, 8))

    def due(self, now: datetime) -> datetime:
        """The latest time at or before `now` at which it should have run."""
        if self.every:
            step = int(self.every.total_seconds())
            return datetime.fromtimestamp(int(now.timestamp()) // step * step, UTC)
        zone, at, days = clinic_zone(), self._at(), self._days()
        day = now.astimezone(zone).date()
        while True:
            if day.isoweekday() in days:
                slot = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
                if slot <= now:
                    return slot
            day -= timedelta(days=1)

    def next(self, now: datetime) -> datetime:
        """The first time after `now` at which it will run."""
        if self.every:
            return self.due(now) + self.every
        zone, at, days = clinic_zone(), self._at(), self._days()
        day = now.astimezone(zone).date()
        while True:
            if day.isoweekday() in days:
                slot = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
                if slot > now:
                    return slot
            day += timedelta(days=1)

    def describe(self) -> str:
        """When it runs, as a person says it."""
        if self.every:
            minutes = int(self.every.total_seconds() // 60)
            count, unit = (minutes, "minute") if minutes < 60 or minutes % 60 else (minutes // 60, "hour")
            return f"Every {unit}" if count == 1 else f"Every {count} {unit}s"
        days = _days_text(self._days())
        return f"{days[0].upper()}{days[1:]} at {self._at():%H:%M}"  # not capitalize(): "Mon–Sat", not "Mon–sat"


SCHEDULE: dict[str, Scheduled] = {}


def check_settings(config) -> None:
    """Refuse to start with a scheduled job's time or days setting that cannot be read (ValueError saying which):
    found at start-up, not by the worker's tick every minute."""
    for job in SCHEDULE.values():
        if job.at_setting:
            text = str(config[job.at_setting])
            try:
                time.fromisoformat(text if len(text) == 5 else "invalid")
            except ValueError:
                raise ValueError(f"{job.at_setting} must be a time of day as HH:MM (07:00), not {text!r}") from None
        if job.days_setting:
            try:
                _read_days(str(config[job.days_setting]))
            except ValueError:
                raise ValueError(f"{job.days_setting} must be ISO weekdays such as 1-6 or 1,3,5 (1 is Monday), "
                                 f"not {config[job.days_setting]!r}") from None


def scheduled(name: str, title: str, **when) -> Callable[[Callable[[datetime], str]], Callable[[datetime], str]]:
    """Declare a scheduled job: the decorated function does one run (given its due time) and says what it did."""
    def register(fn: Callable[[datetime], str]) -> Callable[[datetime], str]:
        SCHEDULE[name] = Scheduled(name, title, fn, **when)
        return fn
    return register


def _claim(job: Scheduled, due_at: datetime, outcome: RunOutcome) -> ScheduledRun | None:
    """Record the run of `job` due at `due_at` for this worker; None when another worker already has it."""
    if db.session.scalar(select(ScheduledRun.id).where(ScheduledRun.job == job.name, ScheduledRun.due_at == due_at)):
        return None
    run = ScheduledRun(job=job.name, due_at=due_at, outcome=outcome, worker=WORKER, started_at=utcnow())
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return run


def _execute(job: Scheduled, run: ScheduledRun) -> None:
    """One run, its outcome recorded whatever happens (one job's failure never keeps the others from their turn)."""
    started = clock.monotonic()
    try:
        detail, outcome = job.run(run.due_at), RunOutcome.OK
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        log.exception("scheduled job %s (due %s) failed", job.name, run.due_at.isoformat())
        # The job's own sentence when it gives one (JobFailed); otherwise only the kind of error: a database error's
        # text can hold the values of the rows it was writing.
        said = str(error) if isinstance(error, JobFailed) else "the log has the details"
        detail, outcome = f"{type(error).__name__}: {said}", RunOutcome.FAILED
    run = db.session.get(ScheduledRun, run.id)
    run.outcome, run.detail = outcome, (detail or "")[:2000]
    run.finished_at = run.started_at + timedelta(seconds=clock.monotonic() - started)
    db.session.commit()
    log.info("scheduled job %s: %s", job.name, outcome.value,
             extra={"fields": {"job": job.name, "outcome": outcome.value,
                               "seconds": round((run.finished_at - run.started_at).total_seconds(), 3)}})


def _give_up_lost(now: datetime) -> None:
    for run in db.session.scalars(select(ScheduledRun).where(ScheduledRun.outcome == RunOutcome.RUNNING,
                                                             ScheduledRun.started_at < now - LOST_AFTER)):
        run.outcome, run.finished_at = RunOutcome.FAILED, now
        run.detail = "No word from the worker that started it: it probably stopped mid-way."
    db.session.commit()


def _ran_before(job: Scheduled) -> bool:
    return db.session.scalar(select(ScheduledRun.id).where(ScheduledRun.job == job.name).limit(1)) is not None


def tick(now: datetime | None = None, only: str | None = None) -> list[str]:
    """Run each scheduled job whose time has come and that no worker has run for that time yet; record a run
    that comes too late as missed. Returns the names of the jobs this call ran."""
    now = now or utcnow()
    ran = []
    for job in [SCHEDULE[only]] if only else list(SCHEDULE.values()):
        due_at = job.due(now)
        missed = now - due_at > job.grace
        if missed and not _ran_before(job):
            continue  # a new installation has missed nothing: it starts at the job's next time
        run = _claim(job, due_at, RunOutcome.MISSED if missed else RunOutcome.RUNNING)
        if run is None:
            continue
        if missed:
            run.detail, run.finished_at = "No worker was running at its time; it runs again at its next time.", now
            db.session.commit()
            log.warning("scheduled job %s missed its time %s", job.name, due_at.isoformat())
            continue
        _execute(job, run)
        ran.append(job.name)
    _give_up_lost(now)
    return ran


@dataclass
class Row:
    """One scheduled job as the administrator's page shows it."""

    job: Scheduled
    last: ScheduledRun | None
    next_at: datetime
    failures: int  # failed or missed runs in the last week

    @property
    def duration(self) -> float | None:
        if self.last is None or self.last.finished_at is None:
            return None
        return (self.last.finished_at - self.last.started_at).total_seconds()


def overview(now: datetime | None = None) -> list[Row]:
    """Every scheduled job with its last run and its next time (two statements)."""
    now = now or utcnow()
    latest = (select(ScheduledRun.job, func.max(ScheduledRun.id).label("id")).group_by(ScheduledRun.job)).subquery()
    runs = db.session.scalars(select(ScheduledRun).join(latest, latest.c.id == ScheduledRun.id))
    last = {run.job: run for run in runs}
    failed = dict(db.session.execute(
        select(ScheduledRun.job, func.count()).where(ScheduledRun.outcome.in_((RunOutcome.FAILED, RunOutcome.MISSED)),
                                                     ScheduledRun.due_at >= now - timedelta(days=7))
        .group_by(ScheduledRun.job)).all())
    return [Row(job, last.get(job.name), job.next(now), failed.get(job.name, 0))
            for job in sorted(SCHEDULE.values(), key=lambda j: j.title)]

