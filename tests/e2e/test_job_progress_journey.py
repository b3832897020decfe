"""A background job's page in Chromium: its bar and figures follow the worker's count without a reload, and when
the job ends the page shows the file to download; readable on a phone."""

from datetime import timedelta

import pytest

from tests.builders import PASSWORD
from tests.e2e.conftest import ARTIFACTS
from tracker.db import utcnow
from tracker.extensions import db
from tracker.jobs import background, files
from tracker.jobs.models import Job, JobStatus

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture then skips, or fails under CI, with the reason
    Page = expect = None

pytestmark = pytest.mark.e2e


def _worker_says(app, job_id: int, done: int) -> None:
    with app.app_context():
        progress = background.Progress(db.session.get(Job, job_id))
        progress.done = done
        progress.tell()


def test_the_progress_page_follows_the_job_and_offers_its_file_at_the_end(app, live_server, page: Page, make_user):
    manager = make_user("manager", email="mo@example.com")
    with app.app_context():
        job = Job(kind="export", key="e2e:1", title="Export of enquiries (XLSX)", by_id=manager.id, total=40_000,
                  status=JobStatus.RUNNING, attempts=1, started_at=utcnow() - timedelta(seconds=20))
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    _worker_says(app, job_id, 10_000)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail", exact=True).fill("mo@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/jobs/{job_id}")
    expect(page.get_by_text("10,000 of 40,000 rows")).to_be_visible()
    bar = page.get_by_role("progressbar")
    expect(bar).to_have_js_property("value", 25)

    _worker_says(app, job_id, 30_000)  # the page asks again within a second or two, without reloading
    expect(page.get_by_text("30,000 of 40,000 rows")).to_be_visible(timeout=5000)
    expect(bar).to_have_js_property("value", 75)
    expect(page.get_by_text("left")).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "job-progress-390x844.png", full_page=True)

    with app.app_context():
        job = db.session.get(Job, job_id)
        path = files.new_path(job, "xlsx")
        path.write_bytes(b"PK not really a workbook")
        files.keep(job, path, "enquiries-2026-12-08.xlsx")
        job.status, job.done, job.finished_at, job.message = JobStatus.DONE, 40_000, utcnow(), "40,000 rows exported."
        db.session.commit()
    download = page.get_by_role("link", name="Download enquiries-2026-12-08.xlsx")
    expect(download).to_be_visible(timeout=5000)
    expect(page.get_by_text("40,000 rows exported.")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_js_property("value", 100)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=ARTIFACTS / "job-done-390x844.png", full_page=True)
