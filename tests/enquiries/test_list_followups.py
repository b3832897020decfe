"""The enquiry list's follow-up signals: the "No open follow-up" filter (open enquiries with no next step) and
the "Past first-contact target" flag on new enquiries nobody has reached in time."""

import re
from datetime import timedelta

from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from tests import builders
from tests.builders import add_follow_up, quiet_enquiry
from tests.conftest import count_queries
from tests.enquiries.bad_input import assert_not_server_error
from tests.properties import ANY_TEXT, PROPERTY
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import Concern, Enquiry
from tracker.extensions import db
from tracker.followups import services as follow_ups
from tracker.followups.models import FollowUp
from tracker.settings.models import Option, OptionKind

FLAG = 'data-testid="past-first-contact-target">Past first-contact target<'


def _names(page: str) -> list[str]:
    table = page.split('data-testid="enquiry-list"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'href="/enquiries/\d+">([^<]+)</a>', table)


def _row(page: str, name: str) -> str:
    table = page.split('data-testid="enquiry-list"', 1)[1]
    return table.split(f">{name}</a>", 1)[1].split("</tr>", 1)[0]


def _counts(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="count-([a-z_]+)">([^<]+)<', page))


def _list(client, **args) -> str:
    response = client.get("/enquiries", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _lose(app, enquiry_id: int) -> None:
    with app.app_context():
        reason = db.session.scalar(select(Option).where(Option.kind == OptionKind.LOST_REASON).limit(1))
        enquiries.mark_lost(db.session.get(Enquiry, enquiry_id), reason, by_id=None)
        db.session.commit()


def _desk(app, make_patient, make_enquiry) -> dict[str, int]:
    """New (with its automatic call-back), contacted without a next step, contacted with one, and lost."""
    def person(first_name: str) -> dict:
        return {"patient_id": make_patient(first_name, "Tester"), "concerns": [Concern.BOXCAR]}

    ids = {"Amy": make_enquiry(hours_ago=24 * 7, **person("Amy")),
           **{name: quiet_enquiry(app, **person(name)) for name in ("Ben", "Cal", "Dee")}}
    add_follow_up(app, ids["Cal"], builders.today(app) + timedelta(days=2))
    _lose(app, ids["Dee"])
    return ids


def test_no_open_follow_up_lists_only_open_enquiries_without_a_next_step(app, client, login_as, make_patient,
                                                                        make_enquiry):
    login_as("reception")
    _desk(app, make_patient, make_enquiry)
    assert sorted(_names(_list(client))) == ["Amy Tester", "Ben Tester", "Cal Tester"]
    narrowed = _list(client, no_followup="y")
    assert _names(narrowed) == ["Ben Tester"]
    counts = _counts(narrowed)
    assert counts["open"] == "1" and counts["contacted"] == "1" and counts["new"] == "0"
    assert counts["lost"] == "0" and counts["all"] == "1"  # a lost enquiry needs no next step
    assert _names(_list(client, no_followup="y", stage="all")) == ["Ben Tester"]
    assert _names(_list(client, no_followup="y", stage="lost")) == []


def test_the_filter_is_a_checkbox_that_stays_ticked_and_combines_with_the_others(app, client, login_as, make_patient,
                                                                                make_enquiry):
    login_as("reception")
    _desk(app, make_patient, make_enquiry)
    page = _list(client, no_followup="y", concern="boxcar")
    assert re.search(r'<input checked class="form-check-input" id="no_followup" name="no_followup" type="checkbox"'
                     r' value="y">\s*<label class="form-check-label" for="no_followup">No open follow-up</label>', page)
    assert _names(page) == ["Ben Tester"] and _counts(page)["contacted"] == "1"
    assert _names(_list(client, no_followup="y", concern="rolling")) == []
    assert _names(_list(client, no_followup="y", channel="phone", sort="name")) == ["Ben Tester"]


def test_an_enquiry_joins_the_filter_when_its_last_open_follow_up_is_done(app, client, login_as, make_patient,
                                                                         make_enquiry):
    rita = login_as("reception")
    ids = _desk(app, make_patient, make_enquiry)
    with app.app_context():
        open_one = db.session.scalar(select(FollowUp).where(FollowUp.enquiry_id == ids["Cal"], FollowUp.rule.is_(None)))
        follow_ups.complete(open_one, outcome="Reached", version=open_one.version, by_id=rita.id)
        db.session.commit()
    assert sorted(_names(_list(client, no_followup="y"))) == ["Ben Tester", "Cal Tester"]


def test_a_new_enquiry_nobody_reached_within_the_target_is_flagged_in_words(app, client, login_as, make_patient,
                                                                           make_enquiry):
    login_as("reception")
    make_enquiry(patient_id=make_patient("Old", "Caller"), hours_ago=24 * 7)  # a week: past any opening hours
    make_enquiry(patient_id=make_patient("Fresh", "Caller"), hours_ago=0.01)  # the target is hours away
    quiet_enquiry(app, patient_id=make_patient("Reached", "Caller"))
    page = _list(client, stage="all")
    assert FLAG in _row(page, "Old Caller")
    assert FLAG not in _row(page, "Fresh Caller") and FLAG not in _row(page, "Reached Caller")
    assert page.count(FLAG) == 1


def _statements(app, client, url: str) -> int:
    client.get(url)
    with count_queries(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_list_runs_the_same_statements_with_3_enquiries_as_with_30(app, client, login_as, make_enquiry):
    login_as("reception")
    urls = ("/enquiries", "/enquiries?no_followup=y", "/enquiries?no_followup=y&stage=all&sort=name")
    for _ in range(3):
        make_enquiry(hours_ago=24 * 7)
        quiet_enquiry(app)
    few = {url: _statements(app, client, url) for url in urls}
    for _ in range(12):
        make_enquiry(hours_ago=24 * 7)
        quiet_enquiry(app)
    assert {url: _statements(app, client, url) for url in urls} == few


def test_any_list_filters_with_the_follow_up_filter_never_fail(app, client, login_as, make_enquiry):
    login_as("reception")
    make_enquiry(hours_ago=24 * 7)
    quiet_enquiry(app)
    value = st.one_of(ANY_TEXT, st.sampled_from(["y", "", "1", "on", "all", "lost", "new", "name", "me", "none"]))
    names = ["no_followup", "uncontacted", "stage", "sort", "assignee", "channel", "concern", "page",
             "received_from", "source", "treatment"]

    @PROPERTY
    @given(args=st.dictionaries(st.sampled_from(names), value, max_size=6))
    @example(args={"no_followup": "y", "stage": "lost"})
    @example(args={"no_followup": "\x00", "page": str(2**63)})
    @example(args={"no_followup": "y", "concern": "boxcar", "assignee": "none", "sort": "oldest"})
    def check(args):
        response = client.get("/enquiries", query_string=args)
        assert_not_server_error(response, f"GET /enquiries {args!r}")
        assert response.status_code == 200

    check()
