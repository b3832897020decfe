"""Browser fixtures: a live server per test, Debian's Chromium, a page that keeps a screenshot on failure."""

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conftest import served
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
    with served(app) as base:
        yield base


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


DEMO_PASSWORD = "quartz-harbour-meadow-58"


@dataclass
class DemoSite:
    """A demo database after a working day's real use, served live; its demo account per role."""

    app: object
    base: str
    users: dict
    used: object  # tests.real_use.RealUse


@pytest.fixture(scope="module")
def demo_site(database_template, tmp_path_factory) -> Iterator[DemoSite]:
    """`flask seed-demo --enquiries 300` then tests.real_use, once per module, served from a thread.

    SQLite: a copy of the template of the module's own. PostgreSQL: the test database, emptied afterwards as the
    per-test fixture does, so the tests around the module still start empty.
    """
    from tests.conftest import PG_URL, _truncate_all, make_test_app
    from tests.real_use import demo_accounts, leave_real_use
    from tracker.extensions import db

    if PG_URL:
        uri = PG_URL
    else:
        target = tmp_path_factory.mktemp("demo") / "demo.db"
        shutil.copyfile(database_template, target)
        uri = f"sqlite:///{target}"
    app = make_test_app(uri)
    try:
        seeded = app.test_cli_runner().invoke(args=["seed-demo", "--enquiries", "300", "--seed", "7"])
        assert seeded.exit_code == 0, seeded.output
        users = demo_accounts(app, DEMO_PASSWORD)
        used = leave_real_use(app, users)
        with served(app) as base:
            yield DemoSite(app, base, users, used)
    finally:
        if PG_URL:
            _truncate_all(app)
        with app.app_context():
            db.engine.dispose()


def session_cookie(site: DemoSite, role: str) -> dict | None:
    """The session cookie of the demo account of `role` signed in (None for a visitor), for a browser context."""
    from tests.conftest import sign_in

    if role not in site.users:
        return None
    client = site.app.test_client()
    sign_in(client, site.users[role])
    cookie = client.get_cookie(site.app.config["SESSION_COOKIE_NAME"])
    return {"name": cookie.key, "value": cookie.value}


def signed_in_context(browser, site: DemoSite, role: str, **options):
    """A browser context signed in as the demo account of `role`, as after signing in."""
    context = browser.new_context(**options)
    if cookie := session_cookie(site, role):
        context.add_cookies([{**cookie, "url": site.base}])
    return context
