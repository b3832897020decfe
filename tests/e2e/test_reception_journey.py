"""Reception's journey: a phone enquiry from a new caller, a second call from the same number typed
differently (offered the existing patient), a reached call-back, a consultation booked, and the
enquiry list's stage counts following along."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture then skips, or fails under CI, with the reason
    Page = expect = None

pytestmark = pytest.mark.e2e

RECEPTION_PASSWORD = "copper-meadow-violin-17"
CLINIC_ZONE = ZoneInfo("Europe/London")  # CLINIC_TIMEZONE's default, which the test app uses


def expect_counts(page: Page, base: str, **expected: int) -> None:
    """Open the enquiry list and check the stage tabs' counts (keys: new, contacted, consultation_booked, open)."""
    page.goto(f"{base}/enquiries")
    expect(page.get_by_role("heading", name="Enquiries", exact=True)).to_be_visible()
    for stage, count in expected.items():
        expect(page.get_by_test_id(f"count-{stage}")).to_have_text(str(count))


def stage_badge(page: Page):
    """The enquiry page's stage badge, in the heading's line."""
    return page.locator(".stage-badge").first


def test_reception_logs_calls_finds_the_existing_patient_calls_back_and_books(live_server: str, page: Page,
                                                                               make_user):
    server_errors: list[str] = []
    page_errors: list[str] = []
    page.on("response", lambda r: server_errors.append(f"{r.status} {r.request.method} {r.url}")
            if r.status >= 500 else None)
    page.on("pageerror", lambda e: page_errors.append(str(e)))

    make_user("reception", email="rita@example.com", full_name="Rita Desk", password=RECEPTION_PASSWORD)
    make_user("specialist", email="sam@example.com", full_name="Sam Specialist")

    # Sign in through the real form.
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail", exact=True).fill("rita@example.com")
    page.get_by_label("Password", exact=True).fill(RECEPTION_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_text("Rita Desk · Reception")).to_be_visible()

    expect_counts(page, live_server, new=0, contacted=0, consultation_booked=0, open=0)

    # First call: a new caller.
    page.get_by_role("main").get_by_role("link", name="Log an enquiry").click()
    expect(page.get_by_role("heading", name="Log an enquiry")).to_be_visible()
    page.get_by_label("First name", exact=True).fill("Ann")
    page.get_by_label("Last name", exact=True).fill("Example")
    page.get_by_label("Phone", exact=True).fill("07700 900123")
    expect(page.get_by_label("Channel", exact=True)).to_have_value("phone")
    page.get_by_label("Rolling scars", exact=True).check()
    page.get_by_label("Boxcar scars", exact=True).check()
    page.get_by_role("button", name="Save enquiry").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server)}/enquiries/\d+$"))
    first_enquiry = page.url
    expect(page.get_by_role("status").filter(has_text="Enquiry logged for Ann Example.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ann Example")
    expect(stage_badge(page)).to_have_text("New")
    expect(page.get_by_test_id("not-contacted")).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_contain_text("Enquiry logged")

    expect_counts(page, live_server, new=1, contacted=0, consultation_booked=0, open=1)

    # Second call from the same number, typed another way: the quick log offers the existing patient.
    page.get_by_role("main").get_by_role("link", name="Log an enquiry").click()
    expect(page.get_by_role("heading", name="Log an enquiry")).to_be_visible()
    page.get_by_label("Phone", exact=True).press_sequentially("+44 7700-900123")
    matches = page.get_by_test_id("matches")
    expect(matches).to_be_visible()
    expect(matches).to_contain_text("Ann Example")
    expect(matches).to_contain_text("Strong match: same phone number")
    expect(matches.get_by_test_id("use-patient")).to_have_count(1)
    matches.get_by_role("button", name="Use this patient").click()

    attached = page.get_by_test_id("attached-patient")
    expect(attached).to_be_visible()
    expect(attached).to_contain_text("Existing patient: Ann Example")
    expect(page.get_by_label("First name", exact=True)).to_have_count(0)  # no new-patient fields any more
    page.get_by_label("Pigmentation", exact=True).check()
    page.get_by_role("button", name="Save enquiry").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server)}/enquiries/\d+$"))
    assert page.url != first_enquiry
    expect(page.get_by_role("status").filter(has_text="Enquiry logged for Ann Example.")).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_contain_text("Enquiry logged")

    # Both enquiries belong to the one patient, and there is still only one patient with that number.
    page.get_by_test_id("patient-card").get_by_role("link", name="Ann Example").click()
    expect(page.get_by_role("heading", name="Ann Example", level=1)).to_be_visible()
    expect(page.get_by_role("region", name=re.compile(r"^Enquiries")).locator("tbody tr")).to_have_count(2)
    page.goto(f"{live_server}/search?q=07700900123")
    expect(page.get_by_test_id("result-count")).to_contain_text("1 patient found")
    expect(page.get_by_test_id("search-results").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("search-results")).to_contain_text("Ann Example")

    expect_counts(page, live_server, new=2, contacted=0, consultation_booked=0, open=2)

    # A call-back on the first enquiry reaches her: it becomes contacted.
    page.goto(first_enquiry)
    page.get_by_label("Outcome", exact=True).select_option(label="Reached")
    page.get_by_role("button", name="Log", exact=True).click()

    expect(page).to_have_url(first_enquiry)
    expect(page.get_by_role("status").filter(has_text="Logged: reached.")).to_be_visible()
    expect(stage_badge(page)).to_have_text("Contacted")
    expect(page.get_by_test_id("not-contacted")).to_have_count(0)
    expect(page.get_by_test_id("timeline")).to_contain_text("Contacted: reached")
    expect(page.get_by_test_id("timeline")).to_contain_text("New → Contacted")

    expect_counts(page, live_server, new=1, contacted=1, consultation_booked=0, open=2)

    # Book a consultation for tomorrow at 10:00 (clinic time) with the specialist.
    tomorrow = datetime.now(CLINIC_ZONE).date() + timedelta(days=1)
    page.goto(first_enquiry)
    page.get_by_test_id("next-steps").get_by_role("link", name="Book consultation").click()
    expect(page.get_by_role("heading", name="Book a consultation")).to_be_visible()
    expect(page.get_by_test_id("booking-for")).to_contain_text("Ann Example")
    page.get_by_label("Date", exact=True).fill(tomorrow.isoformat())
    page.get_by_label("Time", exact=True).fill("10:00")
    page.get_by_label("Specialist", exact=True).select_option(label="Sam Specialist")
    page.get_by_role("button", name="Book", exact=True).click()

    expect(page).to_have_url(first_enquiry)
    when = f"{tomorrow:%d/%m/%Y} 10:00"
    expect(page.get_by_role("status").filter(has_text="Consultation booked for Ann Example with Sam Specialist")
           ).to_contain_text(f"{tomorrow:%d/%m/%Y} at 10:00")
    expect(stage_badge(page)).to_have_text("Consultation booked")
    bookings = page.get_by_test_id("enquiry-bookings")
    expect(bookings).to_contain_text(when)
    expect(bookings).to_contain_text("Sam Specialist")
    expect(bookings.get_by_test_id("appointment-status")).to_have_text("Booked")
    expect(page.get_by_test_id("timeline")).to_contain_text("Contacted → Consultation booked")

    expect_counts(page, live_server, new=1, contacted=0, consultation_booked=1, open=2)

    assert server_errors == [], server_errors
    assert page_errors == [], page_errors
