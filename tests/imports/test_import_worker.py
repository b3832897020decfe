"""The import as a job on the real queue (SQLite storage): a worker process runs it while its page counts the
rows; a worker killed mid-import (kill -9) leaves none of its rows, and the job, found by the sweep, is run again by
another worker, once."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import make_test_app, queue_worker, sign_in
from tests.imports.conftest import csv_bytes, person, upload
from tests.imports.test_views import GUESS
from tests.pages import redirect_token
from tracker import ROOT
from tracker.db import utcnow
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.imports.models import ImportRun
from tracker.jobs import background
from tracker.jobs.models import Job, JobStatus

ROWS = 8_000  # enough for a worker to be caught half-way (about 2,500 rows a second)


def _worker(database_uri: str, queue_url: str, files: str) -> subprocess.Popen:
    """`flask worker` in a process of its own, on the test's database and queue."""
    env = {**os.environ, "TRACKER_ENV": "development", "DATABASE_URL": database_uri, "TASK_QUEUE_URL": queue_url,
           "JOB_FILES_DIR": files, "SECRET_KEY": "worker-test-secret-0123456789abcdef0123456789",
           "LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "tracker", "worker", "--threads", "1"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _poll(check, seconds: float = 60, what: str = ""):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def _enquiries(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Enquiry))


def test_a_worker_killed_mid_import_leaves_no_rows_and_the_job_is_run_again_once(database_uri, tmp_path, make_user):
    queue_url = f"sqlite:///{tmp_path / 'queue.db'}"
    app = make_test_app(database_uri, TASK_QUEUE_URL=queue_url)
    client = app.test_client()
    sign_in(client, make_user("manager"))
    token = redirect_token(upload(client, csv_bytes([person(n) for n in range(1, ROWS + 1)])))
    asked = time.perf_counter()
    response = client.post(f"/admin/import/{token}/run", data={**GUESS, "confirm": "y"})
    assert response.status_code == 302 and time.perf_counter() - asked < 5  # handed over, not run in the request
    job_url = response.headers["Location"]
    job_id = int(job_url.rsplit("/", 1)[-1])
    assert client.get(f"{job_url}/status").get_json()["status"] == "queued"

    first = _worker(database_uri, queue_url, str(tmp_path / "files"))
    try:
        state = _poll(lambda: (s := client.get(f"{job_url}/status").get_json())["done"] > 0 and s, what="progress")
        assert state["status"] == "running" and state["total"] == ROWS and 0 < state["done"] < ROWS
        assert "of 8,000 rows" in client.get(job_url).get_data(as_text=True)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        first.kill()
    assert _enquiries(app) == 0  # all or nothing: none of the rows written before the kill
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert (job.status, job.attempts) == (JobStatus.RUNNING, 1)  # as the killed worker left it
        assert background.recover(utcnow() + background.STALE + timedelta(seconds=30)) == 1

    with queue_worker(app):  # another worker takes it
        _poll(lambda: client.get(f"{job_url}/status").get_json()["finished"], what="the job to finish")
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert (job.status, job.attempts, job.done) == (JobStatus.DONE, 2, ROWS)
        assert db.session.scalar(select(func.count()).select_from(ImportRun)) == 1
    assert _enquiries(app) == ROWS  # every row, once
    page = client.get(job_url, follow_redirects=True).get_data(as_text=True)
    assert f"Imported {ROWS:,} enquiries." in page


def test_two_clicks_before_a_worker_runs_it_are_one_job_and_a_refused_run_can_be_asked_again(database_uri, tmp_path,
                                                                                              make_user):
    app = make_test_app(database_uri, TASK_QUEUE_URL=f"sqlite:///{tmp_path / 'queue.db'}")
    client = app.test_client()
    sign_in(client, make_user("manager"))
    token = redirect_token(upload(client, csv_bytes([person(1), person(2, DOB="tomorrow")])))
    clicks = [client.post(f"/admin/import/{token}/run", data={**GUESS, "confirm": "y"}) for _ in range(2)]
    assert clicks[0].headers["Location"] == clicks[1].headers["Location"]  # one job, waiting for a worker
    with queue_worker(app):
        state = _poll(lambda: (s := client.get(f"{clicks[0].headers['Location']}/status").get_json())["finished"]
                      and s, what="the refused run")
    assert state["status"] == "failed" and "1 row(s) are invalid" in state["message"]
    again = client.post(f"/admin/import/{token}/run", data={**GUESS, "confirm": "y", "skip_invalid": "y"})
    assert again.headers["Location"] != clicks[0].headers["Location"]  # a new job, with the new choice
    with queue_worker(app):
        _poll(lambda: client.get(f"{again.headers['Location']}/status").get_json()["finished"], what="the run")
    assert "Imported 1 enquiry." in client.get(again.headers["Location"], follow_redirects=True).get_data(True)
    assert _enquiries(app) == 1
