"""Reception's morning: My day lists an overdue call-back and the navigation counts it; completing it with the
call's result, an outcome and the next call-back (on the full page, or in place in the row "Done" opens) logs the
call and brings the overdue count down. With 60 overdue, My day is one line a follow-up: at least twelve in view at
1366x800, no sideways scrolling on a tablet or a phone, and completing by click or by keyboard."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tracker import ROOT
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
SCREENS = ROOT / "test-artifacts" / "screens"
SIZES = {"desktop": (1366, 800), "tablet": (820, 1180), "phone": (390, 844)}


def _overdue_call_back(app, make_patient, make_enquiry, first_name: str, owner: int | None, days: int) -> int:
    """A reached enquiry with a call-back by hand, due `days` ago; returns the follow-up's id."""
    enquiry_id = make_enquiry(patient_id=make_patient(first_name, "Example"), hours_ago=24 * max(10, days + 1))
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

    ann.get_by_role("button", name=re.compile("^Done")).click()
    page.locator(f"#complete-{morning['ann']}").get_by_role("link", name=re.compile("^Schedule next")).click()
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
    expect(week.locator("tr.my-day-row", has_text="Ann Example")).to_contain_text(f"{in_two_days:%d/%m/%Y} all day")
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
    done = ben.get_by_role("button", name=re.compile("^Done"))
    expect(done).to_have_attribute("aria-expanded", "false")
    expect(page.locator(f"#complete-{morning['ben']}")).to_be_hidden()
    done.click()
    expect(done).to_have_attribute("aria-expanded", "true")
    ben = page.locator(f"#complete-{morning['ben']}")  # the row that opened beneath it
    expect(ben.get_by_label(re.compile("^Call result"))).to_be_focused()
    ben.get_by_role("button", name="Mark done").click()
    expect(ben.locator("[data-error]")).to_have_text("Say whether you reached them. Say what came of it.")
    expect(ben.get_by_label(re.compile("^Call result"))).to_be_focused()

    ben.get_by_label(re.compile("^Call result")).select_option(label="Voicemail left")
    ben.get_by_label(re.compile("^Outcome")).fill("   ")
    ben.get_by_role("button", name="Mark done").click()
    expect(ben.locator("[data-error]")).to_have_text("Say what came of it.")
    expect(ben.get_by_label(re.compile("^Outcome"))).to_be_focused()

    ben.get_by_label(re.compile("^Outcome")).fill("Left a voicemail with the prices")
    ben.get_by_role("button", name="Mark done").click()
    expect(ben).to_have_count(0)
    expect(page.locator(f"#follow-up-{morning['ben']}")).to_have_count(0)
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
    page.locator(f"#follow-up-{morning['ann']}").get_by_role("button", name=re.compile("^Done")).click()
    row = page.locator(f"#complete-{morning['ann']}")
    row.get_by_label(re.compile("^Call result")).select_option(label="Reached")
    row.get_by_label(re.compile("^Outcome")).fill("Reached")
    row.get_by_role("button", name="Mark done").click()
    expect(row.locator("[data-error]")).to_contain_text("Not saved: already done")
    expect(row).to_have_count(1)

    page.reload()
    expect(page.locator(f"#follow-up-{morning['ben']}")).to_have_count(0)
    expect(page.get_by_test_id("section-overdue")).to_contain_text("Nothing overdue.")
    expect(_badge(page)).to_be_hidden()
    assert problems == []


@pytest.fixture
def busy_morning(app, make_user, make_patient, make_enquiry) -> dict:
    """Rita with 60 overdue call-backs, one a patient, due one to 60 days ago, and two due today."""
    rita = make_user("reception", email="rita@example.com", full_name="Rita Desk", password=PASSWORD)
    overdue = [_overdue_call_back(app, make_patient, make_enquiry, f"Pat{n:02d}", rita.id if n % 4 else None,
                                  days=n) for n in range(1, 61)]
    return {"rita": rita, "overdue": overdue}


def _overflow(page: Page) -> int:
    """How far My day's content reaches past the window or its own box, or the page past the window, in CSS
    pixels (0: no sideways scrolling)."""
    return page.evaluate("""() => {
        const content = document.querySelector('.my-day');
        return Math.max(content.scrollWidth - content.clientWidth,
                        Math.ceil(content.getBoundingClientRect().right - document.documentElement.clientWidth),
                        document.documentElement.scrollWidth - window.innerWidth);
    }""")


def _in_view(page: Page) -> int:
    """How many follow-up lines are wholly inside the window as it stands."""
    return page.evaluate("""() => [...document.querySelectorAll('tr[data-follow-up]')].filter(row => {
        const box = row.getBoundingClientRect();
        return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
    }).length""")


def test_my_day_is_one_line_a_follow_up_on_every_screen_and_completes_by_click_or_key(
        live_server: str, page: Page, app, busy_morning):
    problems = _watch(page)
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 800})
    _sign_in(page, live_server)
    page.goto(f"{live_server}/follow-ups")
    overdue = page.get_by_test_id("section-overdue")
    expect(page.get_by_test_id("count-overdue")).to_have_text("60")
    expect(page.get_by_test_id("truncated-overdue")).to_contain_text("Showing 50 of 60")
    assert overdue.locator("tr[data-follow-up]").count() == 50
    in_view = _in_view(page)
    assert in_view >= 12, f"only {in_view} follow-ups in view at 1366x800"
    heights = page.evaluate("[...document.querySelectorAll('tr[data-follow-up]')].map(r => r.offsetHeight)")
    assert max(heights) <= 40, f"a line is {max(heights)} px high"
    page.screenshot(path=SCREENS / "my-day-desktop.png")

    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        assert _overflow(page) == 0, f"My day is wider than the window at {width}x{height}"
        first = overdue.locator("tr[data-follow-up]").first
        expect(first.get_by_role("link", name=re.compile(r"^07700 900"))).to_be_in_viewport()
        expect(first.get_by_role("button", name=re.compile("^Done"))).to_be_in_viewport()
        if name != "desktop":
            page.screenshot(path=SCREENS / f"my-day-{name}.png")
    page.set_viewport_size({"width": 1366, "height": 800})

    # The rest, 50 at a time: the second page of the overdue section shows the ten left.
    page.get_by_test_id("truncated-overdue").get_by_role("link", name=re.compile("^Next 50")).click()
    expect(page).to_have_url(re.compile(r"overdue_page=2"))
    expect(page.get_by_test_id("truncated-overdue")).to_contain_text("Showing 51–60 of 60")
    expect(page.get_by_test_id("section-overdue").locator("tr[data-follow-up]")).to_have_count(10)
    page.get_by_test_id("pager-overdue").get_by_role("link", name="Previous 50").click()
    expect(page.get_by_test_id("section-overdue").locator("tr[data-follow-up]")).to_have_count(50)

    # By click: Done opens the row beneath, with the call's result and the outcome.
    oldest, next_oldest, third = busy_morning["overdue"][-1], busy_morning["overdue"][-2], busy_morning["overdue"][-3]
    page.locator(f"#follow-up-{oldest}").get_by_role("button", name=re.compile("^Done")).click()
    form = page.locator(f"#complete-{oldest}")
    form.get_by_label(re.compile("^Call result")).select_option(label="Reached")
    form.get_by_label(re.compile("^Outcome")).fill("Booked a consultation")
    page.set_viewport_size({"width": 390, "height": 844})
    assert _overflow(page) == 0, "the open row is wider than a phone"
    page.screenshot(path=SCREENS / "my-day-phone-open.png")
    page.set_viewport_size({"width": 1366, "height": 800})
    page.screenshot(path=SCREENS / "my-day-desktop-open.png")
    form.get_by_role("button", name="Mark done").click()
    expect(page.locator(f"#follow-up-{oldest}")).to_have_count(0)
    expect(page.get_by_test_id("count-overdue")).to_have_text("59")
    next_done = page.locator(f"#follow-up-{next_oldest}").get_by_role("button", name=re.compile("^Done"))
    expect(next_done).to_be_focused()  # the next one's Done, ready for the keyboard

    # By keyboard alone: Enter opens, the first field has the cursor, Enter saves, Escape closes.
    page.keyboard.press("Enter")
    expect(page.locator(f"#complete-{next_oldest}").get_by_label(re.compile("^Call result"))).to_be_focused()
    page.keyboard.press("Escape")
    expect(next_done).to_be_focused()
    expect(page.locator(f"#complete-{next_oldest}")).to_be_hidden()
    page.keyboard.press(" ")
    call = page.locator(f"#complete-{next_oldest}").get_by_label(re.compile("^Call result"))
    expect(call).to_be_focused()
    call.select_option("no_answer")
    page.keyboard.press("Tab")
    page.keyboard.type("Rang twice, no answer")
    page.keyboard.press("Enter")
    expect(page.locator(f"#follow-up-{next_oldest}")).to_have_count(0)
    expect(page.locator(f"#follow-up-{third}").get_by_role("button", name=re.compile("^Done"))).to_be_focused()
    expect(page.get_by_test_id("count-overdue")).to_have_text("58")
    with app.app_context():
        assert db.session.get(FollowUp, oldest).outcome == "Booked a consultation"
        assert _calls(db.session.get(FollowUp, next_oldest).enquiry_id)[-1] == (
            ContactOutcome.NO_ANSWER, "Rang twice, no answer")
    assert problems == []


def test_without_javascript_done_opens_the_row_and_the_form_posts(
        live_server: str, browser, app, morning):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        _sign_in(page, live_server)
        page.goto(f"{live_server}/follow-ups")
        ann = morning["ann"]
        expect(page.locator(f"#complete-{ann}")).to_be_hidden()
        page.locator(f"#follow-up-{ann}").get_by_role("link", name=re.compile("^Done")).click()
        form = page.locator(f"#complete-{ann}")
        expect(form).to_be_visible()
        assert _overflow(page) == 0
        form.get_by_label(re.compile("^Call result")).select_option(label="Reached")
        form.get_by_label(re.compile("^Outcome")).fill("Spoke to Ann")
        form.get_by_role("button", name="Mark done").click()
        expect(page).to_have_url(f"{live_server}/follow-ups")
        expect(page.locator(f"#follow-up-{ann}")).to_have_count(0)
        expect(page.get_by_text("Done: Call back for Ann Example")).to_be_visible()
    finally:
        context.close()
