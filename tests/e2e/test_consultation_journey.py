"""The specialist's consultation and what reception does with its plan: an assessment of ice-pick scars
on Fitzpatrick V skin, a plan whose fully ablative laser draws the skin-type hint, TCA CROSS added,
the information date recorded and consent taken; then reception is refused a first session inside the
reflection period, and books it on the first allowed day."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tracker.bookings.models import Appointment, AppointmentKind
from tracker.db import utcnow
from tracker.enquiries.models import Enquiry
from tracker.enquiries.stages import Stage
from tracker.extensions import db

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture then skips, or fails under CI, with the reason
    Page = expect = None

pytestmark = pytest.mark.e2e

PASSWORD = "copper-meadow-violin-17"
CLINIC_ZONE = ZoneInfo("Europe/London")


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def a_consultation_under_way(app, make_enquiry, specialist) -> int:
    """An enquiry whose consultation with the specialist started ten minutes ago (booking refuses past times)."""
    enquiry_id = make_enquiry()
    with app.app_context():
        starts = utcnow() - timedelta(minutes=10)
        db.session.add(Appointment(enquiry_id=enquiry_id, kind=AppointmentKind.CONSULTATION, starts_at=starts,
                                   ends_at=starts + timedelta(minutes=30), practitioner_id=specialist.id))
        db.session.get(Enquiry, enquiry_id).stage = Stage.CONSULTATION_BOOKED
        db.session.commit()
    return enquiry_id


def test_specialist_assesses_and_plans_and_reception_books_after_the_reflection_period(
        app, live_server: str, page: Page, make_user, make_enquiry):
    server_errors: list[str] = []
    page.on("response", lambda r: server_errors.append(f"{r.status} {r.request.method} {r.url}")
            if r.status >= 500 else None)
    specialist = make_user("specialist", email="sam@example.com", full_name="Sam Specialist", password=PASSWORD)
    make_user("reception", email="rita@example.com", full_name="Rita Desk", password=PASSWORD)
    enquiry_id = a_consultation_under_way(app, make_enquiry, specialist)
    enquiry_url = f"{live_server}/enquiries/{enquiry_id}"
    today = datetime.now(CLINIC_ZONE).date()

    # The specialist opens the consultation and records the assessment.
    sign_in(page, live_server, "sam@example.com")
    page.goto(enquiry_url)
    page.get_by_test_id("record-assessment").click()
    expect(page.get_by_role("heading", name="Record the assessment")).to_be_visible()
    page.get_by_role("radio", name="Type V", exact=True).check()
    ice_pick = page.get_by_test_id("finding-ice_pick")
    ice_pick.get_by_label("Present", exact=True).check()
    ice_pick.get_by_label("Exact count", exact=True).fill("14")
    ice_pick.get_by_label("Left cheek", exact=True).check()
    ice_pick.get_by_label("Right cheek", exact=True).check()
    page.get_by_role("radio", name="Grade 3", exact=True).check()
    page.get_by_role("button", name="Record the assessment").click()

    expect(page).to_have_url(re.compile(rf"{re.escape(live_server)}/assessments/\d+$"))
    expect(page.get_by_text("Decision support — the clinician decides").first).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("TCA CROSS")  # ice pick: the first-line suggestion

    # A plan: fully ablative CO2 first, which on type V skin draws the hyperpigmentation hint.
    page.goto(enquiry_url)
    expect(page.locator(".stage-badge").first).to_have_text("Consulted")
    page.get_by_role("link", name="New plan").click()
    page.get_by_role("button", name=re.compile("plan", re.I)).first.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(live_server)}/plans/\d+$"))
    plan_url = page.url
    page.get_by_label("Treatment", exact=True).select_option(label="Laser resurfacing (fractional CO2)")
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_role("main")).to_contain_text("hyperpigmentation")
    page.get_by_label("Treatment", exact=True).select_option(label="TCA CROSS")
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_role("main")).to_contain_text("TCA CROSS")

    # The written information is given today; the patient accepts and Sam takes consent.
    page.get_by_label("Information given on", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Propose").click()
    earliest = today + timedelta(days=2)  # both treatments: the 2-day minimum for non-surgical procedures
    expect(page.get_by_test_id("earliest-session")).to_contain_text(earliest.strftime("%d/%m/%Y"))
    page.get_by_role("link", name="Record acceptance and consent").click()
    page.get_by_label("Consent taken by", exact=True).select_option(label="Sam Specialist")
    page.get_by_role("button", name="Record acceptance").click()
    expect(page.get_by_test_id("plan-consent")).to_contain_text("Sam Specialist")
    sign_out(page)

    # Reception books the course: a first session inside the reflection period is refused with the date.
    sign_in(page, live_server, "rita@example.com")
    page.goto(plan_url)
    page.get_by_role("link", name="Book sessions").first.click()
    expect(page.get_by_test_id("earliest-date")).to_contain_text(earliest.strftime("%d/%m/%Y"))
    first = page.locator("fieldset[data-testid^='session-row-']").first
    first.get_by_label("Date", exact=True).fill((earliest - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Book the ticked sessions").click()
    expect(page.get_by_role("main")).to_contain_text(f"cannot be before {earliest:%d/%m/%Y}")
    first = page.locator("fieldset[data-testid^='session-row-']").first
    first.get_by_label("Date", exact=True).fill(earliest.isoformat())
    page.get_by_role("button", name="Book the ticked sessions").click()

    page.goto(enquiry_url)
    expect(page.locator(".stage-badge").first).to_have_text("Treatment booked")
    with app.app_context():
        sessions = db.session.scalars(db.select(Appointment).where(
            Appointment.enquiry_id == enquiry_id, Appointment.kind == AppointmentKind.TREATMENT_SESSION)).all()
        first_local = min(s.starts_at for s in sessions).astimezone(CLINIC_ZONE).date()
    assert first_local == earliest
    assert server_errors == []
