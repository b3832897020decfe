"""With 100 and with 100,000 demo enquiries, each reception page runs the same few SQL statements (at most 11 or 13).

The two databases are built once for the module with `flask seed-demo` (about 20 s on SQLite
and 30 s on PostgreSQL for the large one); counts are deterministic, so no time is measured.
"""

from contextlib import contextmanager

import pytest
from sqlalchemy import exists, func, select

from tests.conftest import PG_URL, count_queries, make_test_app, migrate_to_head, sign_in
from tests.test_migrations import scratch_postgres
from tracker.auth.models import User
from tracker.calendar import feeds
from tracker.consultations.models import Assessment
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.patients.models import Patient
from tracker.plans.models import TreatmentPlan

SMALL, LARGE = 100, 100_000
# The dashboard: the user, the form's sources, treatments, staff and specialists, the clinic's first-contact
# target, the one report statement, the clinic's name for the page and the navigation's overdue badge.
REPORT_QUERIES = 9
# 10, and one more since the navigation shows the user's overdue follow-ups on every page (one capped count).
MAX_QUERIES = 11
# The enquiry page also reads the enquiry's assessments and treatment plans (one statement each),
# whether or not it has any: two more than the lists; and its follow-ups (people joined) and their
# reschedules for the timeline: two more again. A clinician's plan page also reads the latest
# assessment and its findings for the hints, and writes the audited view (bench rows share this table).
# An enquiry with an assessment and a plan also reads, for its timeline, the assessments' amendments (from the
# audit trail) and the hints acknowledged: two more, whatever their number.
BUDGET = {"enquiry": MAX_QUERIES + 4, "enquiry clinical": MAX_QUERIES + 6, "plan specialist": MAX_QUERIES + 2,
          **dict.fromkeys(
    ("report", "report year", "report channel"), REPORT_QUERIES), "report drill-down": MAX_QUERIES + 1}


@contextmanager
def _database(tmp_path, name: str):
    """An empty database of its own: a SQLite file, or a scratch PostgreSQL database dropped afterwards."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / name}.db"
        return
    with scratch_postgres() as uri:
        yield uri


def _seeded_app(uri: str, enquiries: int):
    migrate_to_head(uri)
    app = make_test_app(uri)
    result = app.test_cli_runner().invoke(args=["seed-demo", "--enquiries", str(enquiries), "--seed", "3"])
    assert result.exit_code == 0, result.output
    return app


def _pages(app) -> dict[str, str]:
    """Every list filter, each kind of search, and the enquiry and patient pages, on rows that exist."""
    with app.app_context():
        enquiry = db.session.scalar(select(Enquiry).where(Enquiry.id == select(func.max(Enquiry.id))
                                                          .scalar_subquery()))
        clinical = db.session.scalar(
            select(Enquiry.id).where(Enquiry.archived_at.is_(None), exists().where(Assessment.enquiry_id == Enquiry.id),
                                     exists().where(TreatmentPlan.enquiry_id == Enquiry.id))
            .order_by(Enquiry.id.desc()).limit(1))
        assert clinical is not None, "the demo data has an enquiry with an assessment and a plan"
        patient = db.session.get(Patient, enquiry.patient_id)
        email = db.session.scalar(select(Patient.email).where(Patient.email.is_not(None)).limit(1))
        phone = db.session.scalar(select(Patient.phone).where(Patient.phone.is_not(None)).limit(1))
        specialist = db.session.scalar(select(User).where(User.email == "specialist@demo.example"))
        token = feeds.create_feed(specialist)
        db.session.commit()
        return {
            "list": "/enquiries", "stage": "/enquiries?stage=contacted", "all": "/enquiries?stage=all",
            "channel": "/enquiries?channel=web_form", "source": "/enquiries?source=2",
            "assignee": "/enquiries?assignee=me", "nobody": "/enquiries?assignee=none",
            "concern": "/enquiries?concern=rolling", "treatment": "/enquiries?treatment=3",
            "dates": "/enquiries?stage=all&received_from=2026-01-01&received_to=2026-03-31",
            "uncontacted": "/enquiries?uncontacted=y", "sorted": "/enquiries?stage=all&sort=name&page=3",
            "search phone": f"/search?q=0{phone[3:]}", "search name": f"/search?q={patient.last_name[:3]}",
            "search part": f"/search?q={patient.last_name[1:5]}", "deep page": "/enquiries?stage=all&page=900",
            "search email": f"/search?q={email}", "enquiry": f"/enquiries/{enquiry.id}",
            "enquiry clinical": f"/enquiries/{clinical}",
            "patient": f"/patients/{patient.id}", "home": "/", "consultations": "/consultations",
            "no follow-up": "/enquiries?no_followup=y", "my day": "/follow-ups",
            "calendar": "/calendar", "calendar team": "/calendar?who=team", "feed": f"/calendar/{token}.ics",
            "board": "/pipeline/board", "board filtered": "/pipeline/board?channel=web_form&assignee=me",
        }


# The manager's report pages: the dashboard is one statement however many enquiries it reads; a number's list
# also counts its enquiries exactly (one statement more than the list).
MANAGER_PAGES = {
    "report": "/reports/pipeline", "report year": "/reports/pipeline?preset=year",
    "report channel": "/reports/pipeline?channel=phone&preset=30d",
    "report drill-down": "/enquiries?report=pipeline&stage=all&reached=consulted&received_from=2026-01-01"
                         "&received_to=2026-03-31",
}


def _signed_in_client(app, email: str):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(user)
    client = app.test_client()
    sign_in(client, user)
    return client


def _query_counts(app) -> dict[str, int]:
    counts = {}
    for email, pages in (("reception@demo.example", _pages(app)), ("manager@demo.example", MANAGER_PAGES)):
        client = _signed_in_client(app, email)
        for name, url in pages.items():
            assert client.get(url).status_code == 200, url
            with count_queries(app) as statements:
                assert client.get(url).status_code == 200, url
            counts[name] = len(statements)
    return counts


@pytest.fixture(scope="module")
def counts_by_size(tmp_path_factory) -> dict[int, dict[str, int]]:
    tmp_path = tmp_path_factory.mktemp("budget")
    counts = {}
    for size in (SMALL, LARGE):
        with _database(tmp_path, f"size{size}") as uri:
            app = _seeded_app(uri, size)
            counts[size] = _query_counts(app)
            with app.app_context():
                db.engine.dispose()
    return counts


PAGES = ["list", "stage", "all", "channel", "source", "assignee", "nobody", "concern", "treatment", "dates",
         "uncontacted", "sorted", "deep page", "search phone", "search name", "search part", "search email", "enquiry",
         "enquiry clinical",
         "patient", "home", "consultations", "no follow-up", "my day", "calendar", "calendar team", "feed",
         "board", "board filtered", *MANAGER_PAGES]


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_the_same_bounded_number_of_queries_at_100_and_100000_enquiries(counts_by_size, page):
    small, large = counts_by_size[SMALL][page], counts_by_size[LARGE][page]
    assert small == large <= BUDGET.get(page, MAX_QUERIES), f"{page}: {small} queries at {SMALL}, {large} at {LARGE}"


def test_every_page_of_the_budget_was_measured(counts_by_size):
    assert sorted(counts_by_size[SMALL]) == sorted(PAGES)
