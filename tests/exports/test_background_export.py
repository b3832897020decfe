"""Exports of more than EXPORT_BACKGROUND_ROWS rows: a background job writes the file, the progress page offers it
to the asker alone, with the same rows a streamed export has, audited as a streamed one is."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

import tracker.app  # noqa: F401  (every feature's export columns registered)
from tests.conftest import make_test_app, queue_worker, sign_in
from tests.exports.conftest import column, csv_rows, seed_demo, sign_in_demo, xlsx_rows
from tracker.audit.models import AuditAction, AuditEvent
from tracker.auth.models import User
from tracker.db import utcnow
from tracker.enquiries.export import all_columns
from tracker.exports import queued, writers
from tracker.extensions import db
from tracker.jobs import files
from tracker.jobs import queue as queue_module
from tracker.jobs.models import Job, JobStatus
from tracker.permissions import ROLE_PERMISSIONS, Role

CLINICAL = [c.header for c in all_columns() if c.clinical]
QUERY = "stage=all&sort=oldest"
READERS = {"csv": csv_rows, "xlsx": xlsx_rows}


@pytest.fixture
def demo(app, database_uri, tmp_path):
    """40 demo enquiries; `app` streams every export of them (its threshold is 5,000), `queued_app` hands any of more
    than 3 rows to a background job (run as its request commits: memory://), its files in a folder of its own."""
    seed_demo(app, 40)
    return make_test_app(database_uri, EXPORT_BACKGROUND_ROWS=3, JOB_FILES_DIR=str(tmp_path / "job-files"))


def _job(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def _ask(client, file_format: str, query: str = QUERY) -> int:
    """Ask for a large export; the id of the job it became (the answer is a redirect to the job's page)."""
    response = client.get(f"/enquiries/export.{file_format}?{query}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/jobs/")
    return int(response.headers["Location"].removeprefix("/jobs/"))


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_large_export_becomes_a_job_whose_file_has_the_rows_a_streamed_export_has(app, client, demo, file_format):
    streamed = client  # on the app that streams
    sign_in_demo(app, streamed, "manager")
    expected = READERS[file_format](streamed.get(f"/enquiries/export.{file_format}?{QUERY}").data)
    browser = demo.test_client()
    sign_in_demo(demo, browser, "manager")

    job_id = _ask(browser, file_format)
    page = browser.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"Export of enquiries ({file_format.upper()})" in html and 'data-testid="job-file"' in html
    assert f"{len(expected) - 1:,} rows exported." in html
    download = browser.get(f"/jobs/{job_id}/file")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment; filename=enquiries-")
    assert READERS[file_format](download.data) == expected
    assert set(expected[0]) >= set(CLINICAL) and len(expected) - 1 == 40
    job = _job(demo, job_id)
    assert (job.status, job.done, job.total) == (JobStatus.DONE, 40, 40)
    assert job.file_path.startswith(f"job-{job_id}-") and "enquiries" not in job.file_path  # unguessable
    assert job.file_name.endswith(f".{file_format}")


def test_a_small_export_still_streams(app, demo):
    browser = demo.test_client()
    sign_in_demo(demo, browser, "manager")
    response = browser.get("/enquiries/export.csv?stage=all&concern=rolling&received_from=2099-01-01")
    assert response.status_code == 200 and len(csv_rows(response.data)) == 1


def test_the_export_and_its_end_are_audited_and_a_double_click_makes_one_job(demo, audit_rows, monkeypatch):
    browser = demo.test_client()
    manager = sign_in_demo(demo, browser, "manager")
    before = len(audit_rows())
    now = utcnow().replace(second=10)
    monkeypatch.setattr(queued, "utcnow", lambda: now)
    first = _ask(browser, "csv", QUERY + "&channel=phone")
    now = now.replace(second=50)
    again = _ask(browser, "csv", "channel=phone&" + QUERY)  # the same ask in the same minute, in another order
    assert again == first
    with demo.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job)) == 1
    events = audit_rows()[before:]
    assert [e["action"] for e in events] == [AuditAction.EXPORT, AuditAction.EXPORT_ENDED]
    asked, ended = events
    assert asked["actor_id"] == manager.id
    assert asked["changes"] == {"what": "enquiries", "format": "csv", "clinical": True,
                                "filters": {"stage": "all", "sort": "oldest", "channel": "phone"}}
    job = _job(demo, first)
    assert job.params["audit_event"] == _event_ids(demo, AuditAction.EXPORT)[-1]
    assert ended["actor_id"] == manager.id and ended["actor_label"] == "background job"
    assert ended["changes"] == {"export": job.params["audit_event"], "rows": job.done, "completed": True}
    assert job.done > 3
    now += timedelta(minutes=1)
    assert _ask(browser, "csv", QUERY + "&channel=phone") != first  # asked again later: a new export
    assert [e["action"] for e in audit_rows()[before:]] == [AuditAction.EXPORT, AuditAction.EXPORT_ENDED] * 2


def _event_ids(app, action: AuditAction) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.id).where(AuditEvent.action == action)
                                       .order_by(AuditEvent.id)))


def test_without_clinical_access_the_file_has_no_clinical_column(demo, monkeypatch, audit_rows):
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.MANAGER, ROLE_PERMISSIONS[Role.MANAGER] - {"assessment.view"})
    browser = demo.test_client()
    sign_in_demo(demo, browser, "manager")
    job_id = _ask(browser, "xlsx")
    header = xlsx_rows(browser.get(f"/jobs/{job_id}/file").data)[0]
    assert header == tuple(c.header for c in all_columns() if not c.clinical)
    assert not set(header) & set(CLINICAL)
    assert audit_rows(action=AuditAction.EXPORT)[-1]["changes"]["clinical"] is False


def test_only_the_asker_sees_the_job_and_its_file(demo, make_user):
    browser = demo.test_client()
    sign_in_demo(demo, browser, "manager")
    job_id = _ask(browser, "csv")
    other = demo.test_client()
    sign_in(other, make_user("admin"))  # may export too, but did not ask for this one
    for url in (f"/jobs/{job_id}", f"/jobs/{job_id}/status", f"/jobs/{job_id}/file"):
        assert other.get(url).status_code == 404, url
    assert browser.get(f"/jobs/{job_id}/file").status_code == 200


def test_a_file_past_its_time_is_not_served_and_the_purge_removes_it(demo):
    browser = demo.test_client()
    sign_in_demo(demo, browser, "manager")
    job_id = _ask(browser, "csv")
    with demo.app_context():
        job = db.session.get(Job, job_id)
        path = files.directory() / job.file_path
        assert path.is_file()
        job.file_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert browser.get(f"/jobs/{job_id}/file").status_code == 404
    assert "no longer kept" in browser.get(f"/jobs/{job_id}").get_data(as_text=True)
    with demo.app_context():
        assert files.purge().startswith("Removed 1 expired file(s)")
        db.session.commit()
        assert db.session.get(Job, job_id).file_path is None
    assert not path.exists()


def test_an_asker_who_may_no_longer_export_gets_nothing(demo, audit_rows):
    with demo.app_context():
        manager = db.session.scalar(select(User).where(User.email == "manager@demo.example"))
        job_id = queued.start("enquiries", "csv", "Export of enquiries (CSV)", by_id=manager.id,
                              args={"stage": ["all"]}, used={"stage": "all"}, clinical=True, total=40)
        db.session.get(User, manager.id).role = Role.RECEPTION  # changed before the worker took the job
        db.session.commit()  # the job runs now (memory://)
    job = _job(demo, job_id)
    assert job.status is JobStatus.FAILED
    assert job.message == "You may no longer export enquiries; nothing was exported."
    assert job.file_path is None
    assert audit_rows(action=AuditAction.EXPORT_ENDED) == []
    with demo.app_context():
        assert not list(files.directory().glob("job-*"))


def test_a_failed_write_leaves_no_file_and_the_job_is_tried_again(demo, monkeypatch, audit_rows):
    monkeypatch.setitem(writers.FILE_WRITERS, "csv", _half_then_fail)
    browser = demo.test_client()
    sign_in_demo(demo, browser, "manager")
    job_id = _ask(browser, "csv")
    job = _job(demo, job_id)
    assert job.status is JobStatus.QUEUED and job.file_path is None  # tried again later by the queue
    assert audit_rows(action=AuditAction.EXPORT_ENDED) == []
    with demo.app_context():
        assert not list(files.directory().glob("job-*"))


def _half_then_fail(path, _header, rows):
    with open(path, "wb") as file:
        for n, _row in enumerate(rows):
            file.write(b"x")
            if n == 5:
                raise OSError("disk full")


def test_an_xlsx_export_through_the_real_queue(app, database_uri, tmp_path):
    seed_demo(app, 40)
    real = make_test_app(database_uri, EXPORT_BACKGROUND_ROWS=3, TASK_QUEUE_URL=f"sqlite:///{tmp_path / 'queue.db'}")
    with queue_worker(real):
        browser = real.test_client()
        sign_in_demo(real, browser, "manager")
        job_id = _ask(browser, "xlsx")
        deadline = time.monotonic() + 30
        while not (state := browser.get(f"/jobs/{job_id}/status").get_json())["finished"]:
            assert time.monotonic() < deadline, state
            time.sleep(0.05)
        assert state["status"] == "done" and state["done"] == 40, state
        rows = xlsx_rows(browser.get(f"/jobs/{job_id}/file").data)
        assert len(rows) - 1 == 40
        assert len(set(column(rows, "Enquiry"))) == 40


def test_when_the_queue_cannot_be_reached_nothing_is_recorded_and_the_page_says_so(app, database_uri, tmp_path,
                                                                                  monkeypatch, audit_rows):
    seed_demo(app, 10)
    unreachable = make_test_app(database_uri, EXPORT_BACKGROUND_ROWS=3,
                                TASK_QUEUE_URL=f"sqlite:///{tmp_path / 'queue.db'}")
    monkeypatch.setattr(queue_module, "reachable", lambda: False)
    try:
        browser = unreachable.test_client()
        sign_in_demo(unreachable, browser, "manager")
        before = len(audit_rows())
        assert browser.get(f"/enquiries/export.csv?{QUERY}").status_code == 503
        assert [e["action"] for e in audit_rows()[before:]] == []
        with unreachable.app_context():
            assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    finally:
        make_test_app(database_uri)  # the queue back in memory:// mode for the tests that follow


def test_an_export_job_reads_its_rows_without_keeping_anyone_elses_save_waiting(app, database_uri, tmp_path,
                                                                                monkeypatch):
    """While a worker writes the file, a save from another connection goes through at once (on SQLite the job's
    reading transaction takes no write lock; on PostgreSQL nothing is locked either)."""
    seed_demo(app, 40)
    demo = make_test_app(database_uri, EXPORT_BACKGROUND_ROWS=3, SQLITE_BUSY_TIMEOUT_MS=3000,
                         TASK_QUEUE_URL=f"sqlite:///{tmp_path / 'queue.db'}")
    saves: list[float] = []
    real_advancing = queued._advancing

    def save_meanwhile() -> None:
        with demo.app_context():
            started = time.monotonic()
            db.session.execute(update(Job).where(Job.id == -1).values(title="nobody"))  # a write, of nothing
            db.session.commit()
            saves.append(time.monotonic() - started)

    def advancing(rows, progress):
        for n, row in enumerate(real_advancing(rows, progress)):
            if n == 5:  # half-way through the file: someone saves something
                other = threading.Thread(target=save_meanwhile)  # no context of the job's (its reading flag)
                other.start()
                other.join(timeout=30)
            yield row

    monkeypatch.setattr(queued, "_advancing", advancing)
    browser = demo.test_client()
    sign_in_demo(demo, browser, "manager")
    job_id = _ask(browser, "csv")
    with queue_worker(demo):  # a worker thread: no request, so only db.reading() keeps its reads lock-free
        deadline = time.monotonic() + 30
        while not browser.get(f"/jobs/{job_id}/status").get_json()["finished"] and time.monotonic() < deadline:
            time.sleep(0.05)
    assert _job(demo, job_id).status is JobStatus.DONE
    assert len(saves) == 1 and saves[0] < 1  # not the busy timeout's 3 s, nor "database is locked"
