"""Reception on the pipeline board: drags a new card onto Contacted (a reached call, logged), marks another lost
with the keyboard through its form and a reason, and a card dropped on Lost asks why instead of moving."""

import re

import pytest

from tracker.enquiries.models import ContactAttempt, ContactOutcome, Enquiry
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.settings import services as settings
from tracker.settings.models import OptionKind

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture then skips, or fails under CI, with the reason
    Page = expect = None

pytestmark = pytest.mark.e2e

PASSWORD = "copper-meadow-violin-17"


def _sign_in(page: Page, base: str) -> None:
    """Sign in as Rita through the sign-in page."""
    page.goto(f"{base}/login")
    page.get_by_label("E-mail", exact=True).fill("rita@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/")


def _watch(page: Page) -> list[str]:
    """Server errors and script errors seen by the page, collected as they happen."""
    problems: list[str] = []
    page.on("response", lambda r: problems.append(f"{r.status} {r.request.method} {r.url}")
            if r.status >= 500 else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


@pytest.fixture
def desk(app, make_user, make_patient, make_enquiry) -> dict:
    """Rita (reception) and three new enquiries: Nia's, Lou's and Kit's."""
    rita = make_user("reception", email="rita@example.com", full_name="Rita Desk", password=PASSWORD)
    ids = {name: make_enquiry(patient_id=make_patient(name, "Example"), by_id=rita.id)
           for name in ("Nia", "Lou", "Kit")}
    with app.app_context():
        reason = settings.options(OptionKind.LOST_REASON)[0]
        return {"rita": rita, **ids, "reason": (reason.id, reason.label)}


def _stage(app, enquiry_id: int) -> Enquiry:
    """The enquiry as stored now, detached."""
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        db.session.expunge(enquiry)
        return enquiry


def test_reception_drags_a_card_to_contacted_and_marks_one_lost_from_the_keyboard(live_server: str, page: Page, app,
                                                                                  desk):
    problems = _watch(page)
    _sign_in(page, live_server)
    page.goto(f"{live_server}/pipeline/board")
    expect(page.get_by_role("heading", name="Pipeline board")).to_be_visible()
    expect(page.get_by_test_id("count-new")).to_have_text("3 enquiries")

    page.get_by_test_id(f"card-{desk['Nia']}").drag_to(page.get_by_test_id("column-contacted"))
    expect(page.get_by_role("status").filter(has_text="Nia Example: now contacted.")).to_be_visible()
    page.reload()
    contacted = page.get_by_test_id("column-contacted")
    expect(contacted.get_by_test_id(f"card-{desk['Nia']}")).to_contain_text("Nia Example")
    expect(page.get_by_test_id("column-new").get_by_test_id(f"card-{desk['Nia']}")).to_have_count(0)
    expect(page.get_by_test_id("count-contacted")).to_have_text("1 enquiries")
    with app.app_context():
        [attempt] = db.session.query(ContactAttempt).filter_by(enquiry_id=desk["Nia"]).all()
        assert (attempt.outcome, attempt.by_id) == (ContactOutcome.REACHED, desk["rita"].id)

    # Lou's card, with the keyboard alone: open its form, choose Lost and a reason, and press Move.
    lou = page.get_by_test_id(f"card-{desk['Lou']}")
    lou.locator("summary").focus()
    page.keyboard.press("Enter")
    move_to = lou.get_by_label("Move to")
    expect(move_to).to_be_visible()
    page.keyboard.press("Tab")
    expect(move_to).to_be_focused()
    move_to.select_option("lost")
    page.keyboard.press("Tab")
    reason = lou.get_by_label("Why was it lost?")
    expect(reason).to_be_focused()
    reason.select_option(str(desk["reason"][0]))
    page.keyboard.press("Tab")
    expect(lou.get_by_role("button", name="Move")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Lou Example: now lost.")).to_be_visible()
    expect(page.get_by_test_id(f"card-{desk['Lou']}")).to_have_count(0)
    lost = _stage(app, desk["Lou"])
    assert (lost.stage, lost.lost_reason_id, lost.lost_from_stage) == (Stage.LOST, desk["reason"][0], Stage.NEW)
    assert problems == []


def test_a_card_dropped_on_lost_opens_its_form_with_the_reason_to_choose_and_moves_nothing(live_server: str,
                                                                                          page: Page, app, desk):
    problems = _watch(page)
    _sign_in(page, live_server)
    page.set_viewport_size({"width": 420, "height": 900})  # a narrow screen: the columns scroll, not the page
    page.goto(f"{live_server}/pipeline/board")
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    assert page.evaluate("(b => b.scrollWidth > b.clientWidth)(document.querySelector('[data-testid=board]'))")
    kit = page.get_by_test_id(f"card-{desk['Kit']}")
    kit.drag_to(page.get_by_test_id("column-lost"))
    reason = kit.get_by_label("Why was it lost?")
    expect(reason).to_be_focused()
    expect(kit.get_by_label("Move to")).to_have_value("lost")
    expect(page).to_have_url(f"{live_server}/pipeline/board")
    assert _stage(app, desk["Kit"]).stage is Stage.NEW

    # Sent without a reason, the form comes back with the error beside the field.
    kit.get_by_role("button", name="Move").click()
    expect(page.get_by_role("heading", name="Move Kit Example")).to_be_visible()
    expect(page.locator("#lost_reason_id-error")).to_have_text("Choose why the enquiry was lost.")
    page.get_by_label(re.compile("^Why was it lost")).select_option(label=desk["reason"][1])
    page.get_by_role("button", name="Move").click()
    expect(page).to_have_url(f"{live_server}/pipeline/board")
    expect(page.get_by_role("status").filter(has_text="Kit Example: now lost.")).to_be_visible()
    assert _stage(app, desk["Kit"]).stage is Stage.LOST
    assert problems == []
