"""The page shell in Chromium, for every role at a phone, a tablet, a laptop and a wide desktop: no page wider than
the window, the navigation a side bar (wide) or behind a Menu button (narrow) and never on two lines, the search,
the user's name and Sign out always reachable, and the menu opened and closed from the keyboard on a phone."""

from datetime import timedelta

import pytest

from tracker import ROOT
from tracker.bookings.models import Appointment, AppointmentKind
from tracker.clock import clinic_today, local_day_start
from tracker.extensions import db

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture then skips, or fails under CI, with the reason
    Page = expect = None

pytestmark = pytest.mark.e2e

PASSWORD = "cedar-lantern-meadow-42"
SIZES = [(1366, 800), (820, 1180), (390, 844), (1920, 1080)]
WIDE = 1200  # the side bar shows from this width (Bootstrap's xl); narrower, the Menu button opens it
SCREENS = ROOT / "test-artifacts" / "screens"


@pytest.fixture
def clinic(app, make_user, make_enquiry) -> dict[str, str]:
    """One account per role, a specialist's consultation today, and a page of enquiries with long names."""
    emails = {role: f"{role}@shell.example" for role in ("reception", "specialist", "manager", "admin")}
    users = {role: make_user(role, email=email, password=PASSWORD, full_name=f"Alexandra Fitzwilliam-{role.title()}")
             for role, email in emails.items()}
    ids = [make_enquiry(hours_ago=3 * n) for n in range(1, 26)]
    with app.app_context():
        starts = local_day_start(clinic_today()) + timedelta(hours=23, minutes=30)
        db.session.add(Appointment(enquiry_id=ids[0], kind=AppointmentKind.CONSULTATION, starts_at=starts,
                                   ends_at=starts + timedelta(minutes=20), practitioner_id=users["specialist"].id))
        db.session.commit()
    return emails


def _sign_in(page: Page, base: str, email: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto(f"{base}/login")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/")


def _overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _nav_rows(page: Page) -> int:
    """How many distinct rows the visible navigation links sit on, counted per group (1 in a side bar column)."""
    return page.evaluate("""() => {
        const links = [...document.querySelectorAll('[data-testid=main-nav] a')].filter(a => a.offsetParent);
        return new Set(links.map(a => Math.round(a.getBoundingClientRect().left))).size;
    }""")


@pytest.mark.parametrize("role", ["reception", "specialist", "manager", "admin"])
def test_no_page_is_wider_than_the_window_and_the_navigation_is_always_reachable(live_server: str, page: Page,
                                                                                  clinic, role):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _sign_in(page, live_server, clinic[role])
    pages = {"home": "/", "list": "/enquiries"} | ({"report": "/reports/pipeline"} if role in ("manager", "admin")
                                                  else {})
    SCREENS.mkdir(parents=True, exist_ok=True)
    nav = page.get_by_test_id("main-nav")
    menu = page.get_by_role("button", name="Menu", exact=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        for name, path in pages.items():
            page.goto(f"{live_server}{path}")
            assert _overflow(page) <= 0, f"{role} {path} at {width}px is {_overflow(page)}px too wide"
            expect(page.get_by_role("searchbox", name="Search patients by name, phone or e-mail")).to_be_visible()
            if width >= WIDE:  # a side bar: every entry in one column, the user's links pinned below it
                expect(menu).to_be_hidden()
                expect(nav).to_be_visible()
                assert _nav_rows(page) == 1
                expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport()
                expect(nav.locator("[aria-current=page]")).to_have_count(1)
            else:  # one line: the Menu button and the search; the entries wait behind the button
                expect(menu).to_be_visible()
                expect(nav).to_be_hidden()
                box = page.locator(".app-header").bounding_box()
                assert box is not None and box["height"] <= 64 and box["width"] <= width
            if role == "admin" and width != 1920:
                page.screenshot(path=SCREENS / f"shell-{name}-{width}x{height}.png", full_page=True)
    assert not errors


def test_on_a_phone_the_menu_opens_and_closes_from_the_keyboard(live_server: str, page: Page, clinic):
    _sign_in(page, live_server, clinic["admin"])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/enquiries")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Tab")
    menu = page.get_by_role("button", name="Menu", exact=True)
    expect(menu).to_be_focused()
    expect(menu).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    nav = page.get_by_test_id("main-nav")
    expect(nav).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#app-sidebar")).to_be_focused()  # focus moves into the menu, and stays there
    expect(nav.get_by_role("link", name="Enquiries")).to_have_attribute("aria-current", "page")
    # Every entry and the user's own links are in the menu, the last ones scrolled to if need be.
    for label in ("Home", "Treatments", "Audit trail"):
        expect(nav.get_by_role("link", name=label)).to_be_attached()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_text("Alexandra Fitzwilliam-Admin · Admin")).to_be_visible()
    assert _overflow(page) <= 0
    page.screenshot(path=SCREENS / "shell-menu-390x844.png")
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()  # focus goes back to the button that opened it


def test_the_side_bar_shows_the_active_entry_and_keeps_a_visible_focus(live_server: str, page: Page, clinic):
    _sign_in(page, live_server, clinic["admin"])
    page.goto(f"{live_server}/enquiries")
    nav = page.get_by_test_id("main-nav")
    expect(nav.locator("[aria-current=page]")).to_have_text("Enquiries")
    nav.get_by_role("link", name="Import").focus()
    page.keyboard.press("Tab")
    link = nav.get_by_role("link", name="Reports")
    expect(link).to_be_focused()
    outline = link.evaluate("a => getComputedStyle(a).outlineStyle + ' ' + getComputedStyle(a).outlineWidth")
    assert outline.startswith("solid") and not outline.endswith(" 0px"), outline
