"""Browser fixtures: a live server per test, Debian's Chromium, a page that keeps a screenshot on failure."""

import os
import re
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tracker import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_MISSING = f"Chromium not installed at {CHROMIUM}; apt-get install chromium"
PLAYWRIGHT_MISSING = "Playwright cannot be imported; pip install -r requirements-dev.txt"
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
# Keep Chromium off the network except for the live server, and quiet on a headless box.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so the page fixture can tell that the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _unavailable(reason: str):
    # CI must never pass by skipping every journey because the browser went missing.
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The base URL of the app (make_test_app on this test's empty database) served from a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless; never a browser Playwright downloads."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable(PLAYWRIGHT_MISSING)
    if not os.path.exists(CHROMIUM):
        _unavailable(CHROMIUM_MISSING)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A page in a fresh context (no cookies shared between tests)."""
    context = browser.new_context()
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]", "_", request.node.name)  # parametrised ids may hold / or spaces
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    context.close()
