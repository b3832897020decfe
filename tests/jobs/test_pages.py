"""The job pages on every state a job can be left in: its progress page, its figures, its file, and the
administrators' page of scheduled jobs and background work."""

import re
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import sign_in
from tests.properties import ANY_TEXT, PROPERTY
from tracker.db import utcnow
from tracker.extensions import db
from tracker.jobs import background, files, schedule
from tracker.jobs.models import Job, JobStatus, RunOutcome, ScheduledRun


def _job(app, by_id: int, status: JobStatus, key: str, **fields) -> int:
    with app.app_context():
        job = Job(kind="export", key=key, title="Export of enquiries (CSV)", by_id=by_id, status=status, **fields)
        db.session.add(job)
        db.session.commit()
        return job.id


def _text(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def test_a_waiting_job_refreshes_itself_without_javascript_and_says_it_waits(app, make_user):
    user = make_user("manager")
    job_id = _job(app, user.id, JobStatus.QUEUED, "e:1", total=12_000)
    client = app.test_client()
    sign_in(client, user)
    page = _text(client.get(f"/jobs/{job_id}"))
    assert '<meta http-equiv="refresh" content="3">' in page and "Waiting" in page
    assert "You can leave this page" in page
    assert client.get(f"/jobs/{job_id}/status").get_json() == {
        "status": "queued", "label": "Waiting", "done": 0, "total": 12000, "percent": 0, "elapsed": "", "left": "",
        "message": "", "finished": False}
    with app.app_context():
        db.session.get(Job, job_id).created_at = utcnow() - timedelta(minutes=2)
        db.session.commit()
    assert "the worker may not be running" in client.get(f"/jobs/{job_id}/status").get_json()["message"]


def test_a_running_job_shows_the_workers_count_elapsed_and_time_left(app, make_user):
    user = make_user("manager")
    job_id = _job(app, user.id, JobStatus.RUNNING, "e:2", total=10_000, started_at=utcnow() - timedelta(seconds=30),
                  attempts=1)
    with app.app_context(), background.Progress(db.session.get(Job, job_id)) as progress:
        progress.total_is(10_000)
        progress.advance(2_500)
        progress.tell()
    client = app.test_client()
    sign_in(client, user)
    state = client.get(f"/jobs/{job_id}/status").get_json()
    assert (state["done"], state["total"], state["percent"], state["finished"]) == (2500, 10000, 25, False)
    assert state["elapsed"] in ("30 s", "31 s") and state["left"] in ("1 min 30 s", "1 min 33 s")
    page = _text(client.get(f"/jobs/{job_id}"))
    assert "2,500 of 10,000 rows" in page and 'value="25"' in page


def test_a_finished_export_offers_its_file_to_the_asker_only_until_its_time_is_up(app, make_user):
    user, other = make_user("manager"), make_user("manager")
    job_id = _job(app, user.id, JobStatus.DONE, "e:3", total=2, done=2, message="2 rows exported.",
                  started_at=utcnow(), finished_at=utcnow())
    with app.app_context():
        job = db.session.get(Job, job_id)
        path = files.new_path(job, "csv")
        path.write_text("Name\nAda\n")
        files.keep(job, path, "enquiries-2026-12-08.csv")
        db.session.commit()
    client = app.test_client()
    sign_in(client, user)
    page = _text(client.get(f"/jobs/{job_id}"))
    assert "Download enquiries-2026-12-08.csv" in page and "refresh" not in page
    download = client.get(f"/jobs/{job_id}/file")
    assert download.status_code == 200 and download.data == b"Name\nAda\n"
    assert 'filename=enquiries-2026-12-08.csv' in download.headers["Content-Disposition"]
    stranger = app.test_client()
    sign_in(stranger, other)
    assert [stranger.get(f"/jobs/{job_id}{end}").status_code for end in ("", "/status", "/file")] == [404] * 3
    with app.app_context():
        db.session.get(Job, job_id).file_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        assert client.get(f"/jobs/{job_id}/file").status_code == 404
        assert "no longer kept" in _text(client.get(f"/jobs/{job_id}"))
        assert files.purge().startswith("Removed 1 expired file(s)")
        assert not path.exists() and db.session.get(Job, job_id).file_path is None


def test_a_failed_job_says_why(app, make_user):
    user = make_user("manager")
    job_id = _job(app, user.id, JobStatus.FAILED, "e:4", message="You may no longer export enquiries.",
                  started_at=utcnow(), finished_at=utcnow())
    client = app.test_client()
    sign_in(client, user)
    page = _text(client.get(f"/jobs/{job_id}"))
    assert "Failed" in page and "You may no longer export enquiries." in page


def test_a_finished_job_with_a_result_page_goes_there(app, make_user):
    user = make_user("manager")
    job_id = _job(app, user.id, JobStatus.DONE, "i:1", result_url="/admin/import/runs/7", finished_at=utcnow())
    client = app.test_client()
    sign_in(client, user)
    response = client.get(f"/jobs/{job_id}")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/import/runs/7"


def _failing(_due_at: datetime) -> str:
    raise RuntimeError("the mail server refused the connection")


def test_the_scheduled_jobs_page_shows_each_job_after_every_kind_of_run(app, make_user, monkeypatch):
    admin = make_user("admin")
    monkeypatch.setitem(schedule.SCHEDULE, "test.failing", schedule.Scheduled(
        "test.failing", "A job that fails", _failing, every=timedelta(minutes=15)))
    client = app.test_client()
    sign_in(client, admin)
    first = _text(client.get("/admin/jobs"))
    assert "A job that fails" in first and "Not yet" in first and "Every 15 minutes" in first
    now = datetime(2026, 12, 8, 9, 5, tzinfo=UTC)
    with app.app_context():
        assert "test.failing" in schedule.tick(now)
        db.session.add(ScheduledRun(job="jobs.files", due_at=now - timedelta(hours=30), started_at=now,
                                    outcome=RunOutcome.MISSED, finished_at=now, detail="No worker was running."))
        db.session.add(ScheduledRun(job="test.failing", due_at=now + timedelta(hours=1), started_at=now,
                                    outcome=RunOutcome.RUNNING))
        db.session.commit()
    _job(app, admin.id, JobStatus.FAILED, "e:5", message="It failed 3 times and was given up.")
    _job(app, admin.id, JobStatus.RUNNING, "e:6", total=100)
    response = client.get("/admin/jobs")
    assert response.status_code == 200
    page = _text(response)
    row = re.search(r'<tr data-job="test.failing">(.*?)</tr>', page).group(1)
    assert "Running" in row and "1 failed this week" in row
    assert "It failed 3 times and was given up." in page and "Recent background work" in page


def test_other_roles_cannot_see_the_scheduled_jobs_page(app, make_user):
    client = app.test_client()
    sign_in(client, make_user("manager"))
    assert client.get("/admin/jobs").status_code == 403


def test_any_job_address_answers_404_or_a_page_never_an_error(app, make_user):
    user = make_user("manager")
    job_id = _job(app, user.id, JobStatus.DONE, "e:7")
    client = app.test_client()
    sign_in(client, user)

    @PROPERTY
    @given(ident=st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str), ANY_TEXT),
           end=st.sampled_from(["", "/status", "/file"]))
    def check(ident: str, end: str) -> None:
        response = client.get(f"/jobs/{ident.replace('/', '%2F').replace('?', '%3F').replace('#', '%23')}{end}")
        assert response.status_code in (200, 302, 404) or (str(job_id) == ident and end == "/file")
        assert response.status_code < 500

    check()


def test_downloads_lists_only_the_persons_own_jobs_with_their_files_while_kept(app, make_user):
    user, other = make_user("manager"), make_user("manager")
    mine = _job(app, user.id, JobStatus.DONE, "e:8", total=3, done=3, file_path="job-x.csv", file_name="mine.csv",
                file_expires_at=utcnow() + timedelta(hours=1))
    _job(app, user.id, JobStatus.DONE, "e:9", file_path="job-y.csv", file_name="old.csv",
         file_expires_at=utcnow() - timedelta(hours=1))
    _job(app, other.id, JobStatus.DONE, "e:10", file_path="job-z.csv", file_name="theirs.csv",
         file_expires_at=utcnow() + timedelta(hours=1))
    client = app.test_client()
    sign_in(client, user)
    page = _text(client.get("/jobs"))
    assert f'href="/jobs/{mine}/file">mine.csv</a>' in page and "old.csv" not in page and "theirs.csv" not in page
    assert 'href="/jobs">Downloads</a>' in page
    reception = app.test_client()
    sign_in(reception, make_user("reception"))
    assert 'href="/jobs">Downloads</a>' not in _text(reception.get("/jobs"))
