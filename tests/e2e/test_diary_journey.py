"""The diary in a real browser: reception books a consultation by clicking free time, moves it by dragging,
is refused outside opening hours (by drag and by form) and books there with the override and a reason;
the diary at three screen sizes."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.bookings.conftest import DAY
from tests.builders import local
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.extensions import db

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture then skips, or fails under CI, with the reason
    Page = expect = None

pytestmark = pytest.mark.e2e

PASSWORD = "linen-harbour-quartz-58"
SCREENS = [(1366, 800), (820, 1180), (390, 844)]


def booked(app) -> list[Appointment]:
    with app.app_context():
        rows = list(db.session.scalars(select(Appointment).where(Appointment.status == AppointmentStatus.BOOKED)
                                       .order_by(Appointment.starts_at)))
        db.session.expunge_all()
        return rows


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail", exact=True).fill("rita@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/")


def slot_point(page: Page, resource_id: int, at: str) -> tuple[float, float]:
    """The middle of a specialist's column at a time of day (HH:MM) in the day view."""
    column = page.locator(f"th.fc-col-header-cell[data-resource-id='{resource_id}']").bounding_box()
    lane = page.locator(f"td.fc-timegrid-slot-lane[data-time='{at}:00']").bounding_box()
    return column["x"] + column["width"] / 2, lane["y"] + 4


def scroll_to(page: Page, at: str) -> None:
    """Scroll the time of day HH:MM to the top of the screen, at once (a drag needs both its ends on the screen)."""
    page.locator(f"td.fc-timegrid-slot-lane[data-time='{at}:00']").evaluate(
        "e => e.scrollIntoView({block: 'start', behavior: 'instant'})")


def drag_to(page: Page, block, resource_id: int, from_at: str, to_at: str) -> None:
    """Drag a block that starts at from_at (HH:MM) so that it starts at to_at, in a specialist's column."""
    box = block.bounding_box()
    grab_x, grab_y = box["x"] + box["width"] / 2, box["y"] + 2
    lane = "td.fc-timegrid-slot-lane[data-time='{}:00']"
    offset = grab_y - page.locator(lane.format(from_at)).bounding_box()["y"]
    target_x, _ = slot_point(page, resource_id, to_at)
    target_y = page.locator(lane.format(to_at)).bounding_box()["y"] + offset - 5
    page.mouse.move(grab_x, grab_y)
    page.mouse.down()
    page.mouse.move(target_x, target_y, steps=20)
    page.mouse.up()


def test_reception_books_by_clicking_free_time_moves_by_dragging_and_needs_the_override_when_closed(
        app, live_server, browser, make_user, make_patient, make_enquiry):
    make_user("reception", email="rita@example.com", full_name="Rita Desk", password=PASSWORD)
    sam = make_user("specialist", full_name="Sam Specialist")
    make_user("specialist", full_name="Ola Other")
    enquiry_id = make_enquiry(patient_id=make_patient("Ann", "Example"))
    errors: list[str] = []
    # A browser far from the clinic: the diary still draws and books the clinic's wall clock.
    context = browser.new_context(viewport={"width": 1366, "height": 800}, timezone_id="Pacific/Auckland")
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    # Failed loads are checked by status below (a refused move answers 422 by design).
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    sign_in(page, live_server)

    # From the booking form to the diary for this enquiry, on a day the clinic opens.
    page.goto(f"{live_server}/enquiries/{enquiry_id}/consultations/new")
    expect(page.get_by_test_id("open-diary")).to_have_attribute("href", f"/diary?enquiry={enquiry_id}")
    page.goto(f"{live_server}/diary?enquiry={enquiry_id}&date={DAY.isoformat()}")
    expect(page.get_by_test_id("diary-for")).to_contain_text("Ann Example")
    expect(page.locator(f"th.fc-col-header-cell[data-resource-id='{sam.id}']")).to_have_text("Sam Specialist")
    expect(page.get_by_test_id("day-list")).to_be_hidden()  # the calendar took over from the day's list
    expect(page.locator(".fc-non-business").first).to_be_attached()  # closed hours are shaded

    # Click free time: the booking form opens filled.
    page.mouse.click(*slot_point(page, sam.id, "10:00"))
    expect(page).to_have_url(re.compile(rf"/enquiries/{enquiry_id}/consultations/new\?"))
    expect(page.get_by_label("Date", exact=True)).to_have_value(DAY.isoformat())
    expect(page.get_by_label("Time", exact=True)).to_have_value("10:00")
    expect(page.get_by_label("Duration (minutes)")).to_have_value("30")
    expect(page.get_by_label("Specialist", exact=True)).to_have_value(str(sam.id))
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Consultation booked for Ann Example")).to_be_visible()
    [first] = booked(app)
    assert (first.practitioner_id, first.starts_at, first.outside_hours_reason) == (sam.id, local(DAY, "10:00"), None)

    # Drag the block to 14:00: it moves, through the rebooking rules.
    page.goto(f"{live_server}/diary?date={DAY.isoformat()}")
    block = page.locator(".fc-event", has_text="Ann E.")
    expect(block).to_contain_text("Ann E. · Consultation")
    expect(block).not_to_contain_text("Example")  # first name and initial only
    scroll_to(page, "09:00")
    drag_to(page, block, sam.id, "10:00", "14:00")
    expect(page.get_by_test_id("diary-ok")).to_contain_text("moved to")
    [moved] = booked(app)
    assert (moved.starts_at, moved.practitioner_id) == (local(DAY, "14:00"), sam.id)

    # Dragged past closing time: refused with the reason, the block goes back, nothing changes.
    block = page.locator(".fc-event", has_text="Ann E.")
    expect(block).to_contain_text("14:00")
    scroll_to(page, "12:00")
    drag_to(page, block, sam.id, "14:00", "18:00")
    expect(page.get_by_test_id("diary-error")).to_contain_text("The clinic is closed then")
    assert [a.starts_at for a in booked(app)] == [local(DAY, "14:00")]
    _screens(page, live_server)

    # A Sunday evening by the form: refused without the override, booked with it and a reason.
    sunday = DAY + timedelta(days=6 - DAY.weekday())
    page.goto(f"{live_server}/enquiries/{enquiry_id}/consultations/new?date={sunday.isoformat()}&time=19:00"
              f"&minutes=30&specialist={sam.id}")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.locator("#time-error")).to_contain_text("The clinic is closed then (Sunday closed)")
    assert len(booked(app)) == 1
    page.get_by_label("Book outside opening hours").check()
    page.get_by_label("Reason for booking outside opening hours").fill("Only day the patient can travel")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Consultation booked for Ann Example")).to_be_visible()
    sunday_booking = booked(app)[-1]
    assert sunday_booking.starts_at == local(sunday, "19:00")
    assert sunday_booking.outside_hours_reason == "Only day the patient can travel"
    assert errors == []
    context.close()


def _screens(page: Page, base: str) -> None:
    """The diary at each size: saved for the docs; the calendar fits the screen (it may scroll inside itself)."""
    from tracker import ROOT

    folder = ROOT / "test-artifacts" / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}/diary?date={DAY.isoformat()}")
        expect(page.locator(".fc-timegrid")).to_be_visible()
        page.screenshot(path=folder / f"diary-{width}x{height}.png", full_page=True)
        expect(page.locator(".fc-event").first).to_be_visible()
        right = page.get_by_test_id("diary-calendar").evaluate("e => e.getBoundingClientRect().right")
        assert right <= width, f"the diary is wider than a {width} px screen"
        wider = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wider <= 0, f"the diary's page scrolls sideways by {wider} px on a {width} px screen"
    page.set_viewport_size({"width": 1366, "height": 800})
    page.get_by_role("button", name="Week").click()
    expect(page.locator(".fc-resourceTimeGridWeek-view .fc-event").first).to_be_visible()
    page.screenshot(path=folder / "diary-week-1366x800.png", full_page=True)


def test_without_javascript_the_diary_lists_the_day(app, live_server, browser, make_user, make_patient,
                                                     make_enquiry):
    make_user("reception", email="rita@example.com", full_name="Rita Desk", password=PASSWORD)
    sam = make_user("specialist", full_name="Sam Specialist")
    with app.app_context():
        db.session.add(Appointment(enquiry_id=make_enquiry(patient_id=make_patient("Bea", "Brown")),
                                   kind=AppointmentKind.CONSULTATION, practitioner_id=sam.id,
                                   starts_at=local(DAY, "11:00"), ends_at=local(DAY, "11:30")))
        db.session.commit()
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server}/diary?date={DAY.isoformat()}")
    day_list = page.get_by_test_id("day-list")
    expect(day_list).to_be_visible()
    expect(day_list).to_contain_text("Sam Specialist")
    expect(day_list.get_by_role("row").nth(1)).to_contain_text("11:00–11:30")
    expect(day_list.get_by_role("link", name="Bea Brown")).to_be_visible()
    page.get_by_role("link", name="Next day").click()
    expect(page.get_by_test_id("day-empty")).to_be_visible()
    context.close()
