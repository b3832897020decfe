"""A manager's look at the pipeline: the dashboard for a range, a funnel number followed to the list of exactly
those enquiries, and that list downloaded as a CSV of as many rows."""

import csv
import re
from datetime import timedelta

import pytest

from tracker.db import utcnow
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import ContactOutcome, Enquiry
from tracker.extensions import db

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture then skips, or fails under CI, with the reason
    Page = expect = None

pytestmark = pytest.mark.e2e

PASSWORD = "amber-harbour-quartz-42"


@pytest.fixture
def pipeline(app, make_user, make_enquiry) -> dict:
    """Enquiries received 2, 10, 45, 60 and 200 days ago; those of 2, 10 and 45 days ago were reached."""
    make_user("manager", email="maya@example.com", full_name="Maya Manager", password=PASSWORD)
    ages = {"two days": 2, "ten days": 10, "45 days": 45, "60 days": 60, "200 days": 200}
    ids = {name: make_enquiry(hours_ago=24 * days) for name, days in ages.items()}
    with app.app_context():
        for name in ("two days", "ten days", "45 days"):
            enquiry = db.session.get(Enquiry, ids[name])
            enquiries.record_contact(enquiry, ContactOutcome.REACHED, by_id=None)
            enquiry.first_contacted_at = enquiry.received_at + timedelta(hours=3)  # reached three hours later
        db.session.commit()
    return ids


def _sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail", exact=True).fill("maya@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/")


def _funnel_cell(page: Page, stage: str):
    """The link with the number of enquiries that reached a stage, in the funnel table."""
    return page.get_by_test_id("table-funnel").get_by_role("row", name=re.compile(f"^{stage}")).get_by_role("link")


def test_manager_follows_a_funnel_number_to_its_enquiries_and_downloads_them(live_server: str, page: Page,
                                                                            pipeline, tmp_path):
    problems: list[str] = []
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    _sign_in(page, live_server)

    page.get_by_test_id("main-nav").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Pipeline report")).to_be_visible()
    # The last 90 days by default: received 2, 10, 45 and 60 days ago; three of them contacted.
    expect(_funnel_cell(page, "Received")).to_have_text("4")
    expect(_funnel_cell(page, "Contacted")).to_have_text("3")
    expect(page.locator("svg[role=group]").first).to_be_visible()

    page.get_by_label("Range", exact=True).select_option(label="Last 30 days")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"preset=30d"))
    expect(_funnel_cell(page, "Received")).to_have_text("2")
    contacted = _funnel_cell(page, "Contacted")
    expect(contacted).to_have_text("2")

    contacted.click()
    expect(page.get_by_role("heading", name="Enquiries")).to_be_visible()
    expect(page.get_by_test_id("report-filter")).to_contain_text("Reached contacted")
    total = page.locator("#list-total")
    expect(total).to_have_attribute("data-total", "2")
    expect(page.get_by_test_id("enquiry-list").locator("tbody tr")).to_have_count(2)

    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    path = tmp_path / "enquiries.csv"
    download.value.save_as(path)
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 1 + 2, rows  # the header and the two enquiries
    assert {row[0] for row in rows[1:]} == {str(pipeline["two days"]), str(pipeline["ten days"])}
    assert problems == []


def test_an_empty_range_says_there_are_no_enquiries(live_server: str, page: Page, pipeline):
    _sign_in(page, live_server)
    today = utcnow().date()
    page.goto(f"{live_server}/reports/pipeline?preset=custom&start={today.replace(year=today.year - 5)}"
              f"&end={today.replace(year=today.year - 4)}")
    expect(page.get_by_test_id("no-enquiries")).to_have_text(re.compile("No enquiries"))
