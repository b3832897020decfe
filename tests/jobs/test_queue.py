"""The real queue, on SQLite storage and on Redis: jobs run by a worker, retried after failures, found again when
their worker stopped, refused plainly when the queue is away; /healthz says how long work has waited."""

import os
import threading
import time
import uuid
from datetime import timedelta

import pytest
import redis
from flask import current_app
from sqlalchemy import select

from tests.conftest import make_test_app, queue_worker, sign_in
from tracker.db import reading, utcnow
from tracker.extensions import db
from tracker.jobs import background
from tracker.jobs.models import Job, JobStatus
from tracker.jobs.queue import QueueUnavailable, bound, hand_over
from tracker.permissions import require

REDIS_URL = os.environ.get("TRACKER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
failures_left: dict[str, int] = {}  # job key → failures still to come (the flaky handler)


@background.handler("test.flaky")
def _flaky(job: Job, progress: background.Progress) -> None:
    progress.total_is(2)
    progress.advance(2)
    if failures_left.get(job.key, 0) > 0:
        failures_left[job.key] -= 1
        raise ConnectionError("the provider did not answer")
    job.message = "Done at last."


@pytest.fixture(params=["sqlite", "redis"])
def queue_app(request, database_uri, tmp_path):
    """An app whose queue is real storage: a SQLite file, or Redis (a name of its own, emptied afterwards)."""
    name = f"tracker-test-{uuid.uuid4().hex[:12]}"
    if request.param == "redis":
        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        except redis.exceptions.ConnectionError:
            if os.environ.get("CI"):
                pytest.fail(f"no Redis at {REDIS_URL}")
            pytest.skip(f"no Redis at {REDIS_URL}")
        url = REDIS_URL
    else:
        url = f"sqlite:///{tmp_path / 'queue.db'}"
    app = make_test_app(database_uri, TASK_QUEUE_URL=url, TASK_QUEUE_NAME=name)
    yield app
    with app.app_context():
        bound().flush()
    with app.app_context():
        db.engine.dispose()


def _wait_for(app, job_id: int, *, until=lambda job: job.status in (JobStatus.DONE, JobStatus.FAILED),
              seconds: float = 20) -> Job:
    deadline = time.monotonic() + seconds
    while True:
        with app.app_context():
            job = db.session.get(Job, job_id)
            if until(job) or time.monotonic() > deadline:
                db.session.expunge(job)
                return job
        time.sleep(0.05)


def _ask(app, user_id: int, key: str) -> int:
    with app.app_context():
        job = background.start("test.flaky", key, "A flaky job", by_id=user_id)
        db.session.commit()
        return job.id


def test_a_worker_runs_a_job_handed_over_at_commit(queue_app, make_user):
    user = make_user("manager")
    job_id = _ask(queue_app, user.id, "flaky:0")
    with queue_app.app_context():
        assert db.session.get(Job, job_id).status is JobStatus.QUEUED  # waiting: no worker yet
        assert bound().pending_count() == 1
    with queue_worker(queue_app):
        job = _wait_for(queue_app, job_id)
    assert (job.status, job.done, job.total, job.message, job.attempts) == (JobStatus.DONE, 2, 2, "Done at last.", 1)


def test_a_failing_job_is_retried_after_a_pause_until_it_succeeds(queue_app, make_user, monkeypatch):
    monkeypatch.setattr(background, "RETRY_DELAYS", (0.2, 0.4))
    user = make_user("manager")
    failures_left["flaky:2"] = 2
    job_id = _ask(queue_app, user.id, "flaky:2")
    with queue_worker(queue_app):
        job = _wait_for(queue_app, job_id)
    assert (job.status, job.attempts, job.message) == (JobStatus.DONE, 3, "Done at last.")


def test_a_job_failing_every_time_is_given_up_with_a_reason(queue_app, make_user, monkeypatch):
    monkeypatch.setattr(background, "RETRY_DELAYS", (0.1, 0.1))
    user = make_user("manager")
    failures_left["flaky:9"] = 9
    job_id = _ask(queue_app, user.id, "flaky:9")
    with queue_worker(queue_app):
        job = _wait_for(queue_app, job_id)
    assert (job.status, job.attempts) == (JobStatus.FAILED, background.MAX_ATTEMPTS)
    assert "failed 3 times and was given up" in job.message


def test_a_job_whose_worker_stopped_is_run_again_by_the_sweep(queue_app, make_user):
    user = make_user("manager")
    with queue_app.app_context():
        # What a worker killed mid-job leaves: the job running, its message gone, and no word since.
        job = background.Job(kind="test.flaky", key="flaky:lost", title="A lost job", by_id=user.id,
                             status=JobStatus.RUNNING, attempts=1, started_at=utcnow() - timedelta(minutes=5),
                             created_at=utcnow() - timedelta(minutes=5))
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        assert background.recover() == 1
    with queue_worker(queue_app):
        job = _wait_for(queue_app, job_id)
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)


def test_a_job_lost_too_often_is_failed_not_resent(app, make_user):
    user = make_user("manager")
    with app.app_context():
        job = background.Job(kind="test.flaky", key="flaky:gone", title="A lost job", by_id=user.id,
                             status=JobStatus.RUNNING, attempts=background.MAX_ATTEMPTS,
                             started_at=utcnow() - timedelta(minutes=5), created_at=utcnow() - timedelta(minutes=5))
        db.session.add(job)
        db.session.commit()
        assert background.recover() == 0
        job = db.session.get(Job, job.id)
        assert job.status is JobStatus.FAILED and "stopped 3 times" in job.message


def test_a_waiting_job_whose_message_was_lost_is_sent_again_once(queue_app, make_user):
    user = make_user("manager")
    job_id = _ask(queue_app, user.id, "flaky:resend")
    with queue_app.app_context():
        bound().flush()  # the message is lost (a storage wiped, a restart of a Redis without persistence)
        later = utcnow() + background.RESEND + timedelta(minutes=1)
        assert background.recover(later) == 1
        assert background.recover(later) == 0  # not again until RESEND has passed once more
    with queue_worker(queue_app):
        job = _wait_for(queue_app, job_id)
    assert job.status is JobStatus.DONE


def _app_with_a_job_route(**overrides):
    app = make_test_app(**overrides)

    @require()
    def start_job():
        job = background.start("test.flaky", "flaky:route", "A job asked on a page", by_id=None)
        db.session.commit()
        return str(job.id)

    app.add_url_rule("/test/start-job", "start_job", start_job, methods=["POST"])
    return app


def test_a_request_while_the_queue_is_away_gets_503_and_saves_nothing(database_uri, make_user):
    app = _app_with_a_job_route(uri=database_uri, TASK_QUEUE_URL="redis://127.0.0.1:9/0")
    user = make_user("manager")
    client = app.test_client()
    sign_in(client, user)
    response = client.post("/test/start-job")
    assert response.status_code == 503
    page = " ".join(response.get_data(as_text=True).split())
    assert "cannot be reached, so nothing was started and nothing was saved" in page
    with app.app_context():
        assert db.session.scalars(select(Job)).all() == []
        with pytest.raises(QueueUnavailable):
            hand_over(background.run_job, 1)


def test_health_says_when_the_queue_is_away(database_uri):
    app = make_test_app(database_uri, TASK_QUEUE_URL="redis://127.0.0.1:9/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "ok", "queue": "unreachable",
                                   "oldest_waiting_seconds": None}


def test_health_says_how_long_the_oldest_job_has_waited(queue_app, make_user):
    user = make_user("manager")
    job_id = _ask(queue_app, user.id, "flaky:waiting")
    with queue_app.app_context():
        db.session.get(Job, job_id).created_at = utcnow() - timedelta(minutes=7)
        db.session.commit()
    body = queue_app.test_client().get("/healthz").get_json()
    assert body["queue"] == "ok" and 420 <= body["oldest_waiting_seconds"] < 480


overtaken: list[str] = []  # what each run of the slow job saw


@background.handler("test.overtaken")
def _overtaken(job: Job, _progress: background.Progress) -> None:
    with reading():  # it reads, like an export (an import would hold SQLite's write lock, and the sweep would wait)
        attempt = job.attempts
        if attempt == 1:  # the first run goes quiet; meanwhile the sweep (another thread) gives it to a second
            sweep = threading.Thread(target=_sweep_later, args=(current_app._get_current_object(),))
            sweep.start()
            sweep.join(timeout=30)
        db.session.rollback()
    overtaken.append(f"run {attempt}")
    job.message = f"Done by run {attempt}."


def _sweep_later(app) -> None:
    with app.app_context():
        background.recover(utcnow() + background.STALE + timedelta(minutes=1))


def test_a_run_overtaken_by_the_sweep_does_not_overwrite_the_run_that_replaced_it(app, make_user):
    overtaken.clear()
    user = make_user("manager")
    with app.app_context():
        background.start("test.overtaken", "overtaken:1", "A slow job", by_id=user.id)
        db.session.commit()  # memory://: the first run now; inside it the sweep starts the second, which finishes
        job = db.session.scalars(select(Job).where(Job.key == "overtaken:1")).one()
        assert (job.status, job.attempts, job.message) == (JobStatus.DONE, 2, "Done by run 2.")
    assert overtaken == ["run 2", "run 1"]  # both did the work; only the second's outcome was kept
