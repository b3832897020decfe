"""Reception's morning: My day lists an overdue call-back and the navigation counts it; completing it with the
call's result, an outcome and the next call-back (on the full page, or in one click in place) logs the call and
brings the overdue count down."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tracker.clock import clinic_today
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import ContactAttempt, ContactOutcome, Enquiry
from tracker.extensions import db
from tracker.followups import services
from tracker.followups.models import FollowUp, FollowUpKind

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture then skips, or fails under CI, with the reason
    Page = expect = None

pytestmark = pytest.mark.e2e

PASSWORD = "copper-meadow-violin-17"


def _overdue_call_back(app, make_patient, make_enquiry, first_name: str, owner: int | None, days: int) -> int:
    """A reached enquiry with a call-back by hand, due `days` ago; returns the follow-up's id."""
    enquiry_id = make_enquiry(patient_id=make_patient(first_name, "Example"), hours_ago=24 * 10)
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        enquiries.record_contact(enquiry, ContactOutcome.REACHED, by_id=None)  # no first-contact rule left open
        details = services.Details(FollowUpKind.CALL_BACK, clinic_today() - timedelta(days=days), None, owner)
        follow_up = services.add(enquiry, details, by_id=None)
        db.session.commit()
        return follow_up.id


def _calls(enquiry_id: int) -> list[tuple[ContactOutcome, str | None]]:
    """The calls logged on an enquiry, oldest first (inside an app context)."""
    return [(a.outcome, a.note) for a in db.session.scalars(
        select(ContactAttempt).where(ContactAttempt.enquiry_id == enquiry_id).order_by(ContactAttempt.id))]


def _sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail", exact=True).fill("rita@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/")


def _badge(page: Page):
    return page.get_by_test_id("nav-count-followups-my_day")


def _today(app) -> date:
    with app.app_context():
        return clinic_today()


@pytest.fixture
def morning(app, make_user, make_patient, make_enquiry) -> dict:
    """Rita (reception) with two overdue call-backs: Ann's, hers, due yesterday; Ben's, the team's, two days ago."""
    rita = make_user("reception", email="rita@example.com", full_name="Rita Desk", password=PASSWORD)
    return {"rita": rita,
            "ann": _overdue_call_back(app, make_patient, make_enquiry, "Ann", rita.id, days=1),
            "ben": _overdue_call_back(app, make_patient, make_enquiry, "Ben", None, days=2)}


def _watch(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("response", lambda r: problems.append(f"{r.status} {r.request.method} {r.url}")
            if r.status >= 500 else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_reception_completes_an_overdue_call_back_schedules_the_next_and_the_count_goes_down(
        live_server: str, page: Page, app, morning):
    problems = _watch(page)
    _sign_in(page, live_server)
    expect(_badge(page)).to_have_text("2 overdue follow-ups")

    page.get_by_test_id("main-nav").get_by_role("link", name=re.compile("^My day")).click()
    expect(page).to_have_url(f"{live_server}/follow-ups")
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    overdue = page.get_by_test_id("section-overdue")
    expect(overdue.get_by_role("heading")).to_have_text(re.compile(r"Overdue\s+2"))
    ann = page.locator(f"#follow-up-{morning['ann']}")
    expect(ann).to_contain_text("Ann Example")
    expect(ann).to_contain_text("Call back")
    expect(ann).to_contain_text(re.compile(r"\d+ (min|h|days) overdue"))
    expect(page.locator(f"#follow-up-{morning['ben']}")).to_contain_text("Team")

    ann.get_by_role("link", name=re.compile("^Schedule next")).click()
    expect(page.get_by_role("heading", name="Complete the follow-up")).to_be_visible()
    page.get_by_label("Call result", exact=True).select_option(label="Reached")
    page.get_by_label("What came of it", exact=True).fill("Spoke to Ann; she wants to check her diary")
    page.get_by_label("Schedule the next follow-up", exact=True).check()
    in_two_days = _today(app) + timedelta(days=2)
    page.get_by_label("Due date", exact=True).fill(in_two_days.isoformat())
    page.get_by_role("button", name="Mark done").click()

    expect(page).to_have_url(f"{live_server}/follow-ups")
    expect(page.locator(f"#follow-up-{morning['ann']}")).to_have_count(0)
    expect(overdue.get_by_role("heading")).to_have_text(re.compile(r"Overdue\s+1"))
    week = page.get_by_test_id("section-week")
    expect(week.get_by_role("row").filter(has_text="Ann Example")).to_contain_text(f"{in_two_days:%d/%m/%Y} all day")
    expect(_badge(page)).to_have_text("1 overdue follow-ups")
    with app.app_context():
        done = db.session.get(FollowUp, morning["ann"])
        assert done.outcome == "Spoke to Ann; she wants to check her diary"
        assert _calls(done.enquiry_id)[-1] == (ContactOutcome.REACHED, "Spoke to Ann; she wants to check her diary")
    assert problems == []


def test_one_click_completion_updates_my_day_and_the_badge_in_place(live_server: str, page: Page, app, morning):
    problems = _watch(page)
    _sign_in(page, live_server)
    page.goto(f"{live_server}/follow-ups")
    page.evaluate("window.notReloaded = true")
    ben = page.locator(f"#follow-up-{morning['ben']}")

    ben.get_by_role("button", name="Done").click()
    expect(ben.locator("[data-error]")).to_have_text("Say whether you reached them. Say what came of it.")
    expect(ben.get_by_label(re.compile("^Call result"))).to_be_focused()

    ben.get_by_label(re.compile("^Call result")).select_option(label="Voicemail left")
    ben.get_by_label(re.compile("^Outcome")).fill("   ")
    ben.get_by_role("button", name="Done").click()
    expect(ben.locator("[data-error]")).to_have_text("Say what came of it.")
    expect(ben.get_by_label(re.compile("^Outcome"))).to_be_focused()

    ben.get_by_label(re.compile("^Outcome")).fill("Left a voicemail with the prices")
    ben.get_by_role("button", name="Done").click()
    expect(ben).to_have_count(0)
    expect(page.get_by_test_id("count-overdue")).to_have_text("1")
    expect(_badge(page)).to_have_text("1 overdue follow-ups")
    expect(page.get_by_test_id("my-day-status")).to_have_text("Done: Call back for Ben Example.")
    assert page.evaluate("window.notReloaded") is True  # updated in place, not by loading the page again
    with app.app_context():
        assert _calls(db.session.get(FollowUp, morning["ben"]).enquiry_id)[-1] == (
            ContactOutcome.VOICEMAIL, "Left a voicemail with the prices")

    with app.app_context():  # someone else completes Ann's meanwhile
        ann = db.session.get(FollowUp, morning["ann"])
        services.complete(ann, outcome="Reached by the other desk", version=ann.version, by_id=None)
        db.session.commit()
    row = page.locator(f"#follow-up-{morning['ann']}")
    row.get_by_label(re.compile("^Call result")).select_option(label="Reached")
    row.get_by_label(re.compile("^Outcome")).fill("Reached")
    row.get_by_role("button", name="Done").click()
    expect(row.locator("[data-error]")).to_contain_text("Not saved: already done")
    expect(row).to_have_count(1)

    page.reload()
    expect(page.locator(f"#follow-up-{morning['ben']}")).to_have_count(0)
    expect(page.get_by_test_id("section-overdue")).to_contain_text("Nothing overdue.")
    expect(_badge(page)).to_be_hidden()
    assert problems == []
