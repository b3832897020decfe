"""The enquiry list: stage tabs with counts, every filter, sort, paging, and a bounded number of queries."""

import re
from datetime import timedelta

import pytest

from tests.conftest import count_queries
from tracker.db import utcnow
from tracker.enquiries import services
from tracker.enquiries.models import Channel, Concern
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.settings import services as settings
from tracker.settings.models import OptionKind


def _counts(page: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-testid="count-([a-z_]+)">(\d+)<', page)}


def _names(page: str) -> list[str]:
    table = page.split('data-testid="enquiry-list"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'href="/enquiries/\d+">([^<]+)</a>', table)


@pytest.fixture
def desk(app, make_patient, make_user):
    """Five enquiries across stages, channels, sources, assignees, concerns, treatments and dates."""
    me, other = make_user("reception", full_name="Me Myself"), make_user("reception", full_name="Other Person")
    patient_ids = {name: make_patient(name, "Tester") for name in ("Amy", "Ben", "Cal", "Dee", "Eve")}
    with app.app_context():
        sources = settings.options(OptionKind.SOURCE)
        rows = [
            ("Amy", Channel.PHONE, sources[0], me, [Concern.BOXCAR], [1], 2, Stage.NEW),
            ("Ben", Channel.WEB_FORM, sources[1], other, [Concern.ROLLING], [3], 30, Stage.CONTACTED),
            ("Cal", Channel.EMAIL, sources[1], None, [Concern.ICE_PICK, Concern.BOXCAR], [9], 60, Stage.NEW),
            ("Dee", Channel.PHONE, None, me, [], [], 400, Stage.LOST),
            ("Eve", Channel.SOCIAL, sources[2], other, [Concern.PIGMENTATION], [1, 3], 5, Stage.COMPLETED),
        ]
        ids = {}
        from tracker.catalogue.models import Treatment
        from tracker.patients.models import Patient

        for name, channel, source, assignee, concerns, treatments, days, stage in rows:
            patient = db.session.get(Patient, patient_ids[name])
            details = services.EnquiryDetails(channel=channel, received_at=utcnow() - timedelta(days=days),
                                              source=source, concerns=concerns,
                                              treatments=[db.session.get(Treatment, t) for t in treatments])
            enquiry = services.log_enquiry(patient, details, by_id=me.id)
            enquiry.assigned_to_id = assignee.id if assignee else None
            enquiry.stage = stage
            if stage is Stage.CONTACTED:
                enquiry.first_contacted_at = utcnow()
            ids[name] = enquiry.id
        db.session.commit()
        return {"me": me, "other": other, "ids": ids, "sources": [s.id for s in sources[:3]]}


def test_tabs_show_a_count_per_stage_and_open_is_the_default(client, login_as, desk):
    from tests.conftest import sign_in

    sign_in(client, desk["me"])
    page = client.get("/enquiries").get_data(as_text=True)
    counts = _counts(page)
    assert counts["open"] == 3 and counts["new"] == 2 and counts["contacted"] == 1
    assert counts["lost"] == 1 and counts["completed"] == 1 and counts["all"] == 5
    assert sorted(_names(page)) == ["Amy Tester", "Ben Tester", "Cal Tester"]
    assert _names(client.get("/enquiries?stage=lost").get_data(as_text=True)) == ["Dee Tester"]


@pytest.mark.parametrize(("query", "expected"), [
    ({"channel": "phone", "stage": "all"}, {"Amy", "Dee"}),
    ({"source": "SOURCE1", "stage": "all"}, {"Ben", "Cal"}),
    ({"assignee": "me", "stage": "all"}, {"Amy", "Dee"}),
    ({"assignee": "none", "stage": "all"}, {"Cal"}),
    ({"concern": "boxcar", "stage": "all"}, {"Amy", "Cal"}),
    ({"treatment": "3", "stage": "all"}, {"Ben", "Eve"}),
    ({"uncontacted": "y"}, {"Amy", "Cal"}),
    ({"received_from": "DAYS-10", "stage": "all"}, {"Amy", "Eve"}),
    ({"received_to": "DAYS-10", "stage": "all"}, {"Ben", "Cal", "Dee"}),
    ({"stage": "new", "concern": "ice_pick"}, {"Cal"}),
])
def test_each_filter_narrows_the_list_and_the_counts(client, desk, query, expected):
    from datetime import date

    from tests.conftest import sign_in

    sign_in(client, desk["me"])
    query = {k: v.replace("SOURCE1", str(desk["sources"][1])) for k, v in query.items()}
    query = {k: (date.today() - timedelta(days=10)).isoformat() if v == "DAYS-10" else v for k, v in query.items()}
    page = client.get("/enquiries", query_string=query).get_data(as_text=True)
    assert {n.split()[0] for n in _names(page)} == expected
    assert _counts(page)[query.get("stage") or "open"] == len(expected)


def test_sorting_by_oldest_and_by_name(client, desk):
    from tests.conftest import sign_in

    sign_in(client, desk["me"])
    oldest = _names(client.get("/enquiries?stage=all&sort=oldest").get_data(as_text=True))
    assert oldest[0] == "Dee Tester" and oldest[-1] == "Amy Tester"
    by_name = _names(client.get("/enquiries?stage=all&sort=name").get_data(as_text=True))
    assert by_name == sorted(by_name)


def test_uncontacted_enquiries_show_how_long_they_have_waited(client, desk):
    from tests.conftest import sign_in

    sign_in(client, desk["me"])
    page = client.get("/enquiries").get_data(as_text=True)
    assert "not contacted · 2 days" in page and page.count("not contacted ·") == 2


def test_bad_filter_values_are_explained_and_ignored(client, desk):
    from tests.conftest import sign_in

    sign_in(client, desk["me"])
    response = client.get("/enquiries", query_string={"channel": "fax", "received_from": "2026-02-31",
                                                      "treatment": "abc", "stage": "all"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Not a valid choice" in page and "Not a valid date value" in page
    assert _counts(page)["all"] == 5


def test_pages_of_25_with_the_total_from_the_counts(app, client, login_as, make_enquiry):
    login_as("reception")
    for _ in range(27):
        make_enquiry(hours_ago=2)
    first = client.get("/enquiries").get_data(as_text=True)
    second = client.get("/enquiries?page=2").get_data(as_text=True)
    assert len(_names(first)) == 25 and len(_names(second)) == 2
    assert 'href="/enquiries?page=2"' in first


LIST_URLS = ["/enquiries", "/enquiries?stage=new", "/enquiries?stage=all&channel=phone", "/enquiries?source=1",
             "/enquiries?assignee=me", "/enquiries?concern=boxcar", "/enquiries?treatment=1",
             "/enquiries?received_from=2020-01-01&received_to=2030-01-01", "/enquiries?uncontacted=y",
             "/enquiries?sort=name", "/search?q=tester", "/search?q=07700+900", "/search?q=amy@example.com"]


@pytest.mark.parametrize("url", LIST_URLS)
def test_list_and_search_run_the_same_few_queries_however_many_rows(app, client, desk, make_enquiry, url):
    """Counted with 5 enquiries and with 60 more: the number of statements does not grow (at most 10)."""
    from tests.conftest import sign_in

    sign_in(client, desk["me"])
    client.get(url)  # the first request of a process also checks that accounts exist
    with count_queries(app) as few:
        assert client.get(url).status_code == 200
    for _ in range(60):
        make_enquiry(hours_ago=3, concerns=[Concern.BOXCAR])
    with count_queries(app) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few) <= 10
