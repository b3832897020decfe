"""The enquiry page at three sizes: the patient header stays in view while the page scrolls (compact on a phone, so
it covers little), the sessions panel is there, the timeline opens on people's actions and shows the rules' lines
one click away, and nothing is wider than the window."""

import re

import pytest

from tests.enquiries.page_states import enquiry_in
from tracker import ROOT
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import ContactOutcome, Enquiry
from tracker.extensions import db

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture then skips, or fails under CI, with the reason
    Page = expect = None

pytestmark = pytest.mark.e2e

PASSWORD = "copper-meadow-violin-17"
SCREENS = ROOT / "test-artifacts" / "screens"
SIZES = {"desktop": (1366, 800), "tablet": (820, 1180), "phone": (390, 844)}


def _overflow(page: Page) -> int:
    """How far the page reaches past the window (0: no sideways scrolling), shell included."""
    return page.evaluate("() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def _box(page: Page, selector: str) -> dict:
    return page.evaluate(f"(() => {{ const b = document.querySelector({selector!r}).getBoundingClientRect();"
                         " return {top: b.top, bottom: b.bottom, height: b.height}; })()")


@pytest.fixture
def long_enquiry(app, make_user, make_enquiry) -> int:
    """An enquiry with an accepted plan, three sessions and a few calls: a long page."""
    rita = make_user("reception", email="rita@example.com", full_name="Rita Desk", password=PASSWORD)
    specialist = make_user("specialist", full_name="Dr Ada Quinn")
    enquiry_id = enquiry_in(app, make_enquiry, "with plans and sessions", specialist.id)
    with app.app_context():
        for n in range(6):
            enquiries.record_contact(db.session.get(Enquiry, enquiry_id), ContactOutcome.VOICEMAIL, by_id=rita.id,
                                     note=f"Voicemail {n + 1} about the second session")
        db.session.commit()
    return enquiry_id


def test_the_header_stays_in_view_the_timeline_toggles_and_nothing_overflows(live_server: str, page: Page,
                                                                            long_enquiry: int):
    problems: list[str] = []
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail", exact=True).fill("rita@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/enquiries/{long_enquiry}")
    header = page.get_by_test_id("enquiry-header")
    expect(header.get_by_role("heading", level=1)).to_contain_text("Ada Lovelace")
    expect(header.get_by_role("link", name=re.compile(r"07700 900"))).to_be_visible()
    expect(page.get_by_test_id("enquiry-sessions")).to_contain_text("Subcision, session 1 of 2")
    page.screenshot(path=SCREENS / "enquiry-desktop.png")

    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("window.scrollTo(0, 0)")
        assert _overflow(page) == 0, f"the enquiry page is wider than the window at {width}x{height}"
        page.get_by_test_id("timeline").scroll_into_view_if_needed()
        assert page.evaluate("window.scrollY") > 300, "the page did not scroll"
        box = _box(page, "[data-testid=enquiry-header]")
        assert -1 <= box["top"] <= 80 and box["bottom"] > 0, f"the header left the window at {width}x{height}"
        expect(header.get_by_role("link", name=re.compile(r"07700 900"))).to_be_in_viewport()
        if name == "phone":
            assert box["height"] <= 56, f"the header is {box['height']} px high on a phone"
        page.screenshot(path=SCREENS / f"enquiry-{name}-scrolled.png")
        if name != "desktop":
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=SCREENS / f"enquiry-{name}.png")

    page.set_viewport_size({"width": 1366, "height": 800})
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Voicemail 6 about the second session")
    expect(timeline).not_to_contain_text("scheduled by rule")
    page.get_by_role("link", name=re.compile(r"^Show automatic entries")).click()
    expect(page).to_have_url(re.compile(r"timeline=all#timeline$"))
    expect(timeline).to_contain_text("scheduled by rule")
    heading, covering = _box(page, "#timeline-heading"), _box(page, "[data-testid=enquiry-header]")
    assert heading["top"] >= covering["bottom"], "the timeline's heading is hidden under the header"
    page.get_by_role("link", name="People's actions only").click()
    expect(timeline).not_to_contain_text("scheduled by rule")
    assert problems == []
