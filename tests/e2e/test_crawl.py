"""The crawl: on a demo database after a working day's real use, each role opens every page reachable from the
navigation and from the first rows of each list, a few clicks deep. No page answers an error, and in Chromium at
1366x800, 820x1180 and 390x844 none is wider than the screen, repeats an id, or has a serious or critical axe-core
violation. Every problem of a role is listed at once: role, size, address, problem."""

import os

import pytest

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, session_cookie
from tests.e2e.crawler import Crawl, Lanes, crawl, route, status_problems

pytestmark = pytest.mark.e2e

ROLES = ("visitor", "reception", "specialist", "manager", "admin")
# Every role's pages are measured at every size, and axe-core runs on each route at every size once, for the first
# role to reach it (in ROLES order; each role's own navigation is checked on its own routes). Set
# TRACKER_CRAWL_AXE=every-role to run axe-core for every role on every route: about 60% more time.
EVERY_ROLE_AXE = os.environ.get("TRACKER_CRAWL_AXE") == "every-role"
VISITOR_STARTS = ("/login", "/enquire")
# Routes each crawl must reach: a crawl that sees little (a lost session, a broken navigation) fails too.
MUST_REACH = {
    "visitor": {"/login", "/enquire"},
    "reception": {"/", "/follow-ups", "/calendar", "/enquiries", "/enquiries/{id}", "/enquiries/new",
                  "/patients/{id}", "/patients/duplicates", "/pipeline/board", "/consultations", "/diary"},
    "specialist": {"/", "/follow-ups", "/diary", "/enquiries/{id}", "/assessments/{id}", "/plans/{id}",
                   "/consultations"},
    "manager": {"/", "/audit", "/reports/pipeline", "/archived", "/admin/import", "/admin/import/runs/{id}",
                "/assessments/{id}", "/plans/{id}", "/jobs", "/jobs/{id}"},
    "admin": {"/", "/audit", "/admin/users", "/admin/settings", "/admin/treatments", "/admin/api-keys",
              "/settings/public-form", "/admin/jobs"},
}


def _report(title: str, problems: list) -> str:
    return f"{title}: {len(problems)}\n" + "\n".join(str(p) for p in sorted(problems, key=str))


@pytest.fixture(scope="module")
def crawls(demo_site):
    """Each role's crawl with the test client, made once: the real-use records' pages are starting points too."""
    done: dict[str, Crawl] = {}
    used = demo_site.used
    starts = ("/", f"/enquiries/{used.clinical_enquiry_id}", f"/enquiries/{used.open_match_enquiry_id}",
              f"/patients/{used.kept_patient_id}")
    oversight = ("/audit?action=view", "/audit?action=export")  # what the views and exports left behind

    def of(role: str) -> Crawl:
        if role not in done:
            client = demo_site.app.test_client()
            if role in demo_site.users:
                from tests.conftest import sign_in

                sign_in(client, demo_site.users[role])
            done[role] = crawl(client, VISITOR_STARTS if role == "visitor"
                               else starts + oversight + (used.export_job_url,) if role == "manager"
                               else starts + oversight if role == "admin" else starts)
        return done[role]

    return of


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_answers_without_an_error(crawls, role):
    found = crawls(role)
    missing = sorted(MUST_REACH[role] - found.routes())
    problems = status_problems(role, found)
    assert not missing and not problems, (f"the {role} crawl never reached {missing}; "
                                          + _report(f"pages answering an error to {role}", problems))


@pytest.fixture(scope="module")
def lanes(browser):
    """Two Chromiums checking pages side by side (`browser` first: it skips, or fails under CI, if none)."""
    pool = Lanes({"executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS})
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def axed() -> set[str]:
    """Routes axe-core has checked at every size, by the first role to reach them."""
    return set()


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_each_screen_with_unique_ids_and_no_serious_axe_violation(demo_site, crawls, lanes, axed, role):
    pages = crawls(role).pages()
    axe = {url for url in pages if EVERY_ROLE_AXE or route(url) not in axed}
    axed.update(route(url) for url in axe)
    problems = lanes.check(role, demo_site.base, session_cookie(demo_site, role), pages, axe)
    assert not problems, _report(f"problems on {role}'s pages", problems)
