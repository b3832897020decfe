"""Scheduled jobs: their times in clinic time (across clock changes), one run per due time, failed and missed runs
recorded, and the administrator's page of them."""

import logging
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import make_test_app, sign_in
from tracker.clock import format_datetime
from tracker.db import utcnow
from tracker.extensions import db
from tracker.imports.models import ImportUpload
from tracker.jobs import schedule
from tracker.jobs.models import RunOutcome, ScheduledRun

calls: list[datetime] = []  # the due times the test jobs were run for


def _counting(due_at: datetime) -> str:
    calls.append(due_at)
    return f"Counted run {len(calls)}."


def _failing(due_at: datetime) -> str:
    calls.append(due_at)
    raise RuntimeError("the mail server said no")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def jobs(app, monkeypatch):
    """Test jobs beside the real ones: daily at DIGEST_TIME on DIGEST_DAYS, hourly, and one that fails."""
    calls.clear()
    made = {"daily": schedule.Scheduled("test.daily", "A daily test job", _counting, at_setting="DIGEST_TIME",
                                        days_setting="DIGEST_DAYS", grace=timedelta(hours=4)),
            "hourly": schedule.Scheduled("test.hourly", "An hourly test job", _counting, every=timedelta(hours=1)),
            "failing": schedule.Scheduled("test.failing", "A failing test job", _failing, at=time(2, 30))}
    for job in made.values():
        monkeypatch.setitem(schedule.SCHEDULE, job.name, job)
    with app.app_context():
        yield made


def runs(job: str) -> list[tuple]:
    return [(run.due_at, run.outcome, run.detail) for run in db.session.scalars(
        select(ScheduledRun).where(ScheduledRun.job == job).order_by(ScheduledRun.id))]


def test_a_daily_job_runs_at_its_clinic_time_on_its_days_either_side_of_the_spring_clock_change(jobs):
    daily = jobs["daily"]  # 07:00 London, Mon–Sat; the clocks go forward on Sunday 29 March 2026
    assert daily.describe() == "Mon–Sat at 07:00"
    saturday_noon = utc(2026, 3, 28, 12)
    assert daily.due(saturday_noon) == utc(2026, 3, 28, 7)  # GMT: 07:00 is 07:00 UTC
    assert daily.next(saturday_noon) == utc(2026, 3, 30, 6)  # Sunday skipped; BST: 07:00 is 06:00 UTC
    assert daily.due(utc(2026, 3, 30, 5, 59)) == utc(2026, 3, 28, 7)
    assert daily.due(utc(2026, 3, 30, 6)) == utc(2026, 3, 30, 6)


def test_a_daily_job_keeps_its_clinic_time_across_the_autumn_clock_change(jobs, app):
    daily = jobs["daily"]  # the clocks go back on Sunday 25 October 2026
    assert daily.due(utc(2026, 10, 24, 6)) == utc(2026, 10, 24, 6)  # BST
    assert daily.next(utc(2026, 10, 24, 6)) == utc(2026, 10, 26, 7)  # GMT again, Sunday skipped
    assert daily.due(utc(2026, 10, 26, 6, 59)) == utc(2026, 10, 24, 6)
    app.config.update(DIGEST_DAYS="1-7", DIGEST_TIME="06:15")
    assert daily.describe() == "Every day at 06:15"
    assert daily.next(utc(2026, 10, 24, 6)) == utc(2026, 10, 25, 6, 15)  # Sunday now; GMT from 01:00 UTC


def test_an_interval_job_runs_on_the_clock(jobs):
    hourly = jobs["hourly"]
    assert hourly.describe() == "Every hour"
    assert hourly.due(utc(2026, 6, 1, 10, 17, 5)) == utc(2026, 6, 1, 10)
    assert hourly.next(utc(2026, 6, 1, 10, 17, 5)) == utc(2026, 6, 1, 11)
    assert hourly.due(utc(2026, 6, 1, 11)) == utc(2026, 6, 1, 11)
    assert schedule.Scheduled("x", "X", _counting, every=timedelta(minutes=15)).describe() == "Every 15 minutes"


def test_a_tick_runs_a_due_job_once_for_its_time(jobs):
    at = utc(2026, 6, 2, 6, 5)  # Tuesday, 07:05 BST

    assert schedule.tick(at, only="test.daily") == ["test.daily"]
    assert schedule.tick(at + timedelta(minutes=1), only="test.daily") == []  # same due time: nothing

    assert calls == [utc(2026, 6, 2, 6)]
    assert runs("test.daily") == [(utc(2026, 6, 2, 6), RunOutcome.OK, "Counted run 1.")]
    run = db.session.scalar(select(ScheduledRun).where(ScheduledRun.job == "test.daily"))
    assert run.finished_at >= run.started_at and run.worker


def test_a_tick_past_the_grace_records_a_missed_run_once_the_job_has_run_before(jobs):
    assert schedule.tick(utc(2026, 6, 2, 6, 1), only="test.daily") == ["test.daily"]

    late = utc(2026, 6, 3, 11)  # Wednesday's 07:00 BST was five hours ago: past the four hours' grace
    assert schedule.tick(late, only="test.daily") == []
    assert schedule.tick(late + timedelta(minutes=1), only="test.daily") == []

    assert calls == [utc(2026, 6, 2, 6)]
    (_first, (due_at, outcome, detail)) = runs("test.daily")
    assert (due_at, outcome) == (utc(2026, 6, 3, 6), RunOutcome.MISSED) and "next time" in detail
    assert schedule.tick(utc(2026, 6, 4, 6, 1), only="test.daily") == ["test.daily"]  # the next time runs


def test_a_new_installation_has_missed_nothing_and_starts_at_the_next_time(jobs):
    # Five hours after Wednesday's 07:00 on a new installation: not run late (Saturday's digest on a Monday), not
    # recorded missed either.
    assert schedule.tick(utc(2026, 6, 3, 11), only="test.daily") == []
    assert runs("test.daily") == []
    assert schedule.tick(utc(2026, 6, 4, 6, 1), only="test.daily") == ["test.daily"]  # Thursday's 07:00 runs
    assert [outcome for _due, outcome, _detail in runs("test.daily")] == [RunOutcome.OK]


def test_a_failing_run_is_recorded_failed_with_its_error_and_logged_and_the_next_time_runs_again(jobs, caplog):
    with caplog.at_level(logging.ERROR, logger="tracker.jobs"):
        assert schedule.tick(utc(2026, 6, 2, 2, 0), only="test.failing") == ["test.failing"]  # 03:00 BST

    # The error's own text stays in the log: a database error's can hold row values.
    assert runs("test.failing") == [(utc(2026, 6, 2, 1, 30), RunOutcome.FAILED,
                                     "RuntimeError: the log has the details")]
    assert any(r.name == "tracker.jobs" and "test.failing" in r.getMessage() and r.exc_info for r in caplog.records)
    assert schedule.tick(utc(2026, 6, 2, 2, 5), only="test.failing") == []  # that time is done with
    assert schedule.tick(utc(2026, 6, 3, 1, 31), only="test.failing") == ["test.failing"]
    assert [outcome for _due, outcome, _detail in runs("test.failing")] == [RunOutcome.FAILED] * 2
    assert calls == [utc(2026, 6, 2, 1, 30), utc(2026, 6, 3, 1, 30)]


def test_the_hourly_purge_removes_staged_import_files_older_than_a_day(jobs):
    now = utcnow()
    for token, age in (("old", timedelta(hours=25)), ("new", timedelta(hours=2))):
        db.session.add(ImportUpload(token=token, file_name="upload.csv", file_sha256="0" * 64, content=b"a,b\n",
                                    created_at=now - age))
    db.session.commit()

    assert schedule.tick(now, only="imports.purge") == ["imports.purge"]

    assert set(db.session.scalars(select(ImportUpload.token))) == {"new"}
    assert schedule.SCHEDULE["imports.purge"].describe() == "Every hour"


def _record(job: str, due_at: datetime, outcome: RunOutcome, detail: str | None, seconds: float | None) -> None:
    run = ScheduledRun(job=job, due_at=due_at, outcome=outcome, detail=detail, worker="test:1", started_at=due_at,
                       finished_at=due_at + timedelta(seconds=seconds) if seconds is not None else None)
    db.session.add(run)
    db.session.commit()


def _row(page: str, job: str) -> str:
    start = page.index(f'data-job="{job}"')
    return page[start:page.index("</tr>", start)]


def test_the_admin_page_shows_each_job_with_its_times_and_last_outcome_in_clinic_time(app, client, make_user, jobs):
    sign_in(client, make_user("admin"))
    empty = client.get("/admin/jobs")
    assert empty.status_code == 200
    for job in schedule.SCHEDULE.values():  # no runs yet: every job listed, with its time and "Not yet"
        row = _row(empty.text, job.name)
        assert job.title in row and job.describe() in row and "Not yet" in row
    assert "Morning digest e-mails" in empty.text and "Mon–Sat at 07:00" in empty.text

    failed_at, missed_at, running_at = utc(2026, 6, 2, 1, 30), utc(2026, 6, 2, 6), utc(2026, 6, 2, 9)
    _record("test.failing", failed_at, RunOutcome.FAILED, "RuntimeError: the mail server said no", 2.25)
    _record("test.daily", utc(2026, 6, 1, 6), RunOutcome.OK, "Counted run 1.", 0.5)
    _record("test.daily", missed_at, RunOutcome.MISSED, "No worker was running at its time.", 0)
    _record("test.hourly", running_at, RunOutcome.RUNNING, None, None)
    page = client.get("/admin/jobs").text

    failing = _row(page, "test.failing")
    assert "Failed" in failing and "RuntimeError: the mail server said no" in failing and "2.2 s" in failing
    assert "02/06/2026 02:30" in failing  # 01:30 UTC in British Summer Time
    missed = _row(page, "test.daily")
    assert "Missed" in missed and "02/06/2026 07:00" in missed and "No worker was running" in missed
    running = _row(page, "test.hourly")
    assert "Running" in running and "02/06/2026 10:00" in running and " s<" not in running
    digest = schedule.SCHEDULE["followups.digest"]
    assert format_datetime(digest.next(datetime.now(UTC))) in _row(page, "followups.digest")


def test_the_admin_page_is_for_administrators(client, make_user):
    sign_in(client, make_user("manager"))
    assert client.get("/admin/jobs").status_code == 403


@pytest.mark.parametrize(("setting", "value"), [("DIGEST_TIME", "7:00"), ("DIGEST_TIME", "noon"),
                                                ("DIGEST_DAYS", "0-6"), ("DIGEST_DAYS", "mon")])
def test_an_unreadable_digest_setting_stops_the_start_with_a_message_naming_it(database_uri, setting, value):
    with pytest.raises(ValueError, match=setting):
        make_test_app(database_uri, **{setting: value})
