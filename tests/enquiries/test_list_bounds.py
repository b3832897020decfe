"""The list's cost stays bounded: tab counts stop at a cap, paging stops at the same depth, and the
concern and treatment rows carry their enquiry's stage, kept equal by the database."""

import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tracker.catalogue.models import Treatment
from tracker.enquiries import queries, services
from tracker.enquiries.models import Concern, Enquiry
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.settings import services as settings
from tracker.settings.models import OptionKind


def _counts(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="count-([a-z_]+)">([^<]+)<', page))


def _rows(page: str) -> int:
    return len(re.findall(r'href="/enquiries/\d+">', page.split('data-testid="enquiry-list"', 1)[1]))


@pytest.fixture
def capped(monkeypatch):
    """A cap of 3 rows, so a handful of enquiries goes past it."""
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    monkeypatch.setattr(queries, "LIST_DEPTH", 3)


def test_a_tab_stops_counting_at_the_cap_and_says_there_are_more(client, login_as, make_enquiry, capped):
    login_as("reception")
    for _ in range(5):
        make_enquiry()
    counts = _counts(client.get("/enquiries").get_data(as_text=True))
    assert counts["new"] == "3+" and counts["open"] == "3+" and counts["all"] == "3+"
    assert counts["contacted"] == "0"


def test_the_list_pages_no_deeper_than_the_cap_and_says_how_to_reach_the_rest(client, login_as, make_enquiry,
                                                                             capped):
    login_as("reception")
    for _ in range(5):
        make_enquiry()
    first = client.get("/enquiries").get_data(as_text=True)
    assert _rows(first) == 3 and 'data-testid="list-depth"' in first
    deep = client.get("/enquiries?page=40").get_data(as_text=True)
    assert _rows(deep) == 3  # a page past the depth is the last page, not an empty one


def test_below_the_cap_counts_are_exact_and_no_depth_note_shows(client, login_as, make_enquiry, capped):
    login_as("reception")
    for _ in range(2):
        make_enquiry()
    page = client.get("/enquiries").get_data(as_text=True)
    assert _counts(page)["new"] == "2" and 'data-testid="list-depth"' not in page


def _link_stages(app, enquiry_id: int) -> set[str]:
    with app.app_context():
        return {row[0] for row in db.session.execute(text(
            "SELECT stage FROM enquiry_concerns WHERE enquiry_id = :id "
            "UNION ALL SELECT stage FROM enquiry_treatments WHERE enquiry_id = :id"), {"id": enquiry_id})}


def _treatment(app, treatment_id: int) -> Treatment:
    with app.app_context():
        treatment = db.session.get(Treatment, treatment_id)
        db.session.expunge(treatment)
        return treatment


def test_concern_and_treatment_rows_follow_every_stage_change(app, make_enquiry):
    enquiry_id = make_enquiry(concerns=[Concern.BOXCAR, Concern.ROLLING], treatments=[_treatment(app, 1)])
    assert _link_stages(app, enquiry_id) == {"new"}
    with app.app_context():
        services.move(db.session.get(Enquiry, enquiry_id), Stage.CONTACTED, by_id=None)
        db.session.commit()
    assert _link_stages(app, enquiry_id) == {"contacted"}
    with app.app_context():
        reason = settings.options(OptionKind.LOST_REASON)[0]
        services.mark_lost(db.session.get(Enquiry, enquiry_id), reason, by_id=None)
        db.session.commit()
    assert _link_stages(app, enquiry_id) == {"lost"}


def test_a_concern_row_with_another_stage_than_its_enquiry_is_refused(app, make_enquiry):
    enquiry_id = make_enquiry(concerns=[Concern.BOXCAR])
    with app.app_context(), pytest.raises(IntegrityError):
        db.session.execute(text("INSERT INTO enquiry_concerns (enquiry_id, concern, stage) "
                                "VALUES (:id, 'rolling', 'completed')"), {"id": enquiry_id})
        db.session.flush()
        db.session.commit()


def test_archived_enquiries_leave_the_concern_and_treatment_counts(app, client, login_as, make_enquiry):
    login_as("reception")
    kept = make_enquiry(concerns=[Concern.MIXED], treatments=[_treatment(app, 2)])
    archived = make_enquiry(concerns=[Concern.MIXED], treatments=[_treatment(app, 2)])
    with app.app_context():
        enquiry = db.session.get(Enquiry, archived)
        services.archive(enquiry, version=enquiry.version)
        db.session.commit()
    for query in ("concern=mixed", "treatment=2", "concern=mixed&treatment=2", "concern=mixed&channel=phone"):
        page = client.get(f"/enquiries?{query}").get_data(as_text=True)
        assert _counts(page)["new"] == "1" and _rows(page) == 1, query
        assert f'href="/enquiries/{kept}"' in page and f'href="/enquiries/{archived}"' not in page, query


def test_the_home_counts_stop_at_the_cap_too(client, login_as, make_enquiry, capped):
    login_as("reception")
    for _ in range(5):
        make_enquiry()
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="summary-uncontacted">3+<' in page and 'data-testid="summary-mine">0<' in page
