"""First run: the first administrator adds a receptionist, who sees only what reception may use."""

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture then skips, or fails under CI, with the reason
    Page = expect = None

pytestmark = pytest.mark.e2e

ADMIN_PASSWORD = "plum-orchard-lantern-42"
RECEPTION_PASSWORD = "copper-meadow-violin-17"


def test_first_run_setup_then_reception_sees_only_reception_navigation(live_server: str, page: Page):
    page.goto(live_server)
    expect(page).to_have_url(f"{live_server}/setup")
    expect(page.get_by_role("heading", name="Create the first administrator")).to_be_visible()
    page.get_by_label("Full name", exact=True).fill("Ada Admin")
    page.get_by_label("E-mail", exact=True).fill("ada@example.com")
    page.get_by_label("New password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_label("Repeat the new password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Create administrator").click()

    expect(page).to_have_url(f"{live_server}/admin/users")
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    page.get_by_role("link", name="Add a user").click()
    expect(page.get_by_role("heading", name="Add a user")).to_be_visible()
    page.get_by_label("Full name", exact=True).fill("Rita Desk")
    page.get_by_label("E-mail", exact=True).fill("rita@example.com")
    page.get_by_label("Role", exact=True).select_option(label="Reception")
    page.get_by_label("New password", exact=True).fill(RECEPTION_PASSWORD)
    page.get_by_label("Repeat the new password", exact=True).fill(RECEPTION_PASSWORD)
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(f"{live_server}/admin/users")
    row = page.get_by_role("row").filter(has_text="rita@example.com")
    expect(row.get_by_role("cell")).to_contain_text(["Rita Desk", "rita@example.com", "Reception", "Active"])

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("E-mail", exact=True).fill("rita@example.com")
    page.get_by_label("Password", exact=True).fill(RECEPTION_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_text("Rita Desk · Reception")).to_be_visible()
    nav = page.get_by_test_id("main-nav")
    expect(nav.get_by_role("link")).to_have_text(["Home", "My day", "Calendar", "Enquiries", "Board",
                                                      "Log an enquiry", "Diary", "Consultations", "Duplicates"])
    expect(nav.get_by_role("link", name="Reports")).to_have_count(0)
    expect(nav.get_by_role("link", name="Users")).to_have_count(0)
    expect(nav.get_by_role("link", name="Audit trail")).to_have_count(0)

    response = page.goto(f"{live_server}/admin/users")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Not available to your role")).to_be_visible()
