"""A manager imports a messy spreadsheet in a real browser: columns, values (by keyboard), preview, import."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.imports.conftest import csv_bytes
from tests.imports.test_messy_file import HEADER, _messy_rows
from tracker.clock import clinic_today

PASSWORD = "lantern-orchard-copper-29"
SIZES = {"desktop": (1366, 800), "tablet": (820, 1180), "phone": (390, 844)}


@pytest.fixture
def sheet(app, make_user, tmp_path):
    make_user("manager", email="mo@example.com", full_name="Mo Manager", password=PASSWORD)
    with app.app_context():
        rows, _recent = _messy_rows(clinic_today())
    path = tmp_path / "enquiry sheet.csv"
    path.write_bytes(csv_bytes(rows, HEADER))
    return path


def _no_sideways_scroll(page: Page) -> bool:
    """The page's own content fits the width (the shared navigation bar is the page shell's concern)."""
    return page.evaluate("""() => [...document.querySelectorAll('main *')].every(
        e => e.getBoundingClientRect().right <= document.documentElement.clientWidth + 0.5)""")


def test_a_manager_maps_values_by_keyboard_and_imports(live_server, page: Page, sheet):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail", exact=True).fill("mo@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/admin/import")
    page.get_by_label("CSV or Excel file").set_input_files(str(sheet))
    page.get_by_role("button", name="Upload and map columns").click()
    page.get_by_role("button", name="Next: match the values").click()
    expect(page.get_by_test_id("values-status")).to_be_visible()

    google = page.get_by_label("Google", exact=True)
    google.focus()
    google.select_option(label="Search engine")
    page.keyboard.press("Tab")  # on to the next value's select
    radio = page.get_by_label("Radio ad", exact=True)
    radio.select_option(label="Add as a new source")
    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"import-values-{name}.png", full_page=name != "desktop")
        assert _no_sideways_scroll(page), name
    page.set_viewport_size({"width": 1366, "height": 800})
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("totals")).to_contain_text("55")
    page.get_by_label("Skip invalid rows and import the others").check()
    page.get_by_label("I have checked the preview: import these rows").check()
    page.get_by_role("button", name="Import 55 enquiries").click()
    expect(page.get_by_text("Imported 55 enquiries.")).to_be_visible()
