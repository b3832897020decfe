"""An assessment sent with an answer missing: the error summary has focus when the page comes back, and its link
takes focus to the field, in a real Chromium (the focusing is done by a static script: the policy allows no
inline ones)."""

import pytest
from sqlalchemy import select

from tests.e2e.test_consultation_journey import PASSWORD, a_consultation_under_way, sign_in
from tracker.bookings.models import Appointment
from tracker.extensions import db

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture then skips, or fails under CI, with the reason
    Page = expect = None

pytestmark = pytest.mark.e2e


def test_the_summary_takes_focus_and_its_link_focuses_the_field(app, live_server: str, page: Page, make_user,
                                                                make_enquiry):
    page_errors: list[str] = []
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    page.on("console", lambda m: page_errors.append(m.text) if m.type == "error" else None)
    specialist = make_user("specialist", email="sam@example.com", full_name="Sam Specialist", password=PASSWORD)
    enquiry_id = a_consultation_under_way(app, make_enquiry, specialist)
    with app.app_context():
        appointment_id = db.session.scalar(select(Appointment.id).where(Appointment.enquiry_id == enquiry_id))
    sign_in(page, live_server, "sam@example.com")

    page.goto(f"{live_server}/consultations/{appointment_id}/assessment")
    page.get_by_role("button", name="Record the assessment").click()  # no skin type chosen

    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    summary.get_by_role("link", name="Skin type (Fitzpatrick)").click()
    expect(page.locator("#skin_type-0")).to_be_focused()
    page.keyboard.press("Space")  # the focused radio button is chosen from the keyboard
    expect(page.locator("#skin_type-0")).to_be_checked()
    assert page_errors == [], page_errors
