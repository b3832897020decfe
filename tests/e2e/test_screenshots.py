"""Screenshots for the documentation: the diary, My day, an enquiry's page and the enquiry list on the demo data
after a working day, at 1366x800, 820x1180 and 390x844, as a person sees the screen (not the whole page).

They go to docs/screenshots/ (named page-WIDTHxHEIGHT.png) with TRACKER_SCREENSHOTS=docs, and to
test-artifacts/screenshots/ otherwise. docs/screenshots/README.md says how to refresh them."""

import os

import pytest
from flask import url_for

from tests.e2e.conftest import signed_in_context
from tests.e2e.crawler import SIZES
from tracker import ROOT

pytestmark = pytest.mark.e2e

# name: (endpoint, role who opens it); the enquiry is the one with an assessment and a plan.
SHOTS = {
    "diary": ("diary.index", "reception"),
    "my-day": ("followups.my_day", "reception"),
    "enquiry": ("enquiries.detail", "specialist"),
    "enquiries": ("enquiries.index", "reception"),
}


def _folder():
    folder = ROOT / "docs" / "screenshots" if os.environ.get("TRACKER_SCREENSHOTS") == "docs" \
        else ROOT / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("name", SHOTS)
def test_screenshot_at_each_size(demo_site, browser, name):
    endpoint, role = SHOTS[name]
    app = demo_site.app
    if endpoint not in app.view_functions:
        pytest.skip(f"no {endpoint} page yet")
    args = {"enquiry_id": demo_site.used.clinical_enquiry_id} if endpoint == "enquiries.detail" else {}
    with app.test_request_context():
        path = url_for(endpoint, **args)
    folder = _folder()
    context = signed_in_context(browser, demo_site, role)
    try:
        page = context.new_page()
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            response = page.goto(demo_site.base + path)
            assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
            target = folder / f"{name}-{width}x{height}.png"
            page.screenshot(path=target, animations="disabled", caret="hide")
            assert target.stat().st_size > 1000, target
    finally:
        context.close()
