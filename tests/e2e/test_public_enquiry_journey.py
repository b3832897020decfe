"""A visitor's web enquiry, start to finish: the public form (not signed in) with a name spelled differently
and a phone number the clinic already has; the thank-you page; reception sees it counted as new, opens it,
is shown the possible match, and merges it into the existing patient."""

import re

import pytest
from sqlalchemy import select

from tracker.enquiries.models import Channel, Enquiry
from tracker.extensions import db
from tracker.intake.public_form import form_settings

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture then skips, or fails under CI, with the reason
    Page = expect = None

pytestmark = pytest.mark.e2e

RECEPTION_PASSWORD = "copper-meadow-violin-17"


def test_a_web_enquiry_from_a_known_phone_is_merged_into_the_existing_patient(live_server: str, page: Page, app,
                                                                               make_user, make_patient):
    server_errors: list[str] = []
    page_errors: list[str] = []
    page.on("response", lambda r: server_errors.append(f"{r.status} {r.request.method} {r.url}")
            if r.status >= 500 else None)
    page.on("pageerror", lambda e: page_errors.append(str(e)))

    app.config["PUBLIC_FORM_MIN_SECONDS"] = 60  # the first send comes too soon, as with autofill
    make_user("reception", email="rita@example.com", full_name="Rita Desk", password=RECEPTION_PASSWORD)
    existing_id = make_patient(first_name="Catherine", last_name="Howard", phone="+447700900456")
    with app.app_context():  # the administrator turned the form on
        settings = form_settings()
        settings.enabled, settings.clinic_phone = True, "+442079460123"
        db.session.commit()

    # The visitor, not signed in.
    page.goto(f"{live_server}/enquire")
    expect(page.get_by_role("heading", name="Make an enquiry")).to_be_visible()
    expect(page.get_by_test_id("main-nav")).to_have_count(0)
    page.get_by_label("First name", exact=True).fill("Kathryn")
    page.get_by_label("Last name", exact=True).fill("Howard")
    page.get_by_label("Phone", exact=True).fill("07700 900456")
    page.get_by_label("Rolling scars", exact=True).check()
    page.get_by_label("Your message", exact=True).fill("I would like to talk about my scars.")
    expect(page.get_by_label(re.compile("hear about offers and news"))).not_to_be_checked()
    page.get_by_role("button", name="Send enquiry").click()
    # Too soon: the form comes back as typed, with a fresh start time, and nothing is stored.
    expect(page.get_by_test_id("send-again")).to_contain_text("Please check your details and send again")
    expect(page.get_by_label("First name", exact=True)).to_have_value("Kathryn")
    expect(page.get_by_label("Phone", exact=True)).to_have_value("07700 900456")
    expect(page.get_by_label("Rolling scars", exact=True)).to_be_checked()
    expect(page.get_by_label("Your message", exact=True)).to_have_value("I would like to talk about my scars.")
    with app.app_context():
        assert db.session.scalars(select(Enquiry)).first() is None
    app.config["PUBLIC_FORM_MIN_SECONDS"] = 1
    page.wait_for_timeout(1500)  # the page came back longer ago than the minimum fill time
    page.get_by_role("button", name="Send enquiry").click()

    expect(page).to_have_url(f"{live_server}/enquire/thanks")
    expect(page.get_by_test_id("thanks")).to_be_visible()
    expect(page.get_by_test_id("clinic-phone")).to_have_text("020 7946 0123")
    expect(page.get_by_text("Kathryn")).to_have_count(0)

    # Reception signs in and finds it at the top of the new enquiries.
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail", exact=True).fill("rita@example.com")
    page.get_by_label("Password", exact=True).fill(RECEPTION_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Rita Desk · Reception")).to_be_visible()
    page.goto(f"{live_server}/enquiries")
    expect(page.get_by_test_id("count-new")).to_have_text("1")
    row = page.get_by_test_id("enquiry-list").locator("tbody tr").filter(has_text="Kathryn Howard")
    expect(row).to_contain_text("Web form")
    expect(row.get_by_test_id("possible-match")).to_be_visible()
    row.get_by_role("link", name="Kathryn Howard").click()

    banner = page.get_by_test_id("match-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Catherine Howard")
    banner.get_by_role("button", name="Yes, same person — merge").click()

    expect(page.get_by_role("status").filter(has_text="Merged")).to_be_visible()
    expect(page.get_by_test_id("match-banner")).to_have_count(0)
    with app.app_context():
        enquiry = db.session.scalars(select(Enquiry).where(Enquiry.channel == Channel.WEB_FORM)).one()
        assert enquiry.patient_id == existing_id

    assert server_errors == [], server_errors
    assert page_errors == [], page_errors
