"""The navigation's "My day" entry and its overdue badge: the same count as My day's Overdue section, from one
capped statement taken only when the navigation renders, gone at zero, going down as follow-ups are done."""

import re
from datetime import timedelta

from flask_login import login_user

from tests import builders
from tests.builders import add_follow_up, quiet_enquiry
from tests.conftest import count_queries
from tests.followups.test_my_day import section_count, section_ids
from tracker import navigation
from tracker.auth.models import User
from tracker.extensions import db
from tracker.followups import queries


def badge(html: str) -> str | None:
    """The badge's number, or None when there is no badge."""
    found = re.search(r'<span class="badge[^"]*nav-count" id="nav-count-followups-my_day"\s+'
                      r'data-testid="nav-count-followups-my_day"><span data-count>([^<]+)</span>'
                      r'<span class="visually-hidden"> overdue follow-ups</span></span>', html)
    return found.group(1) if found else None


def page(client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_my_day_is_in_the_navigation_with_the_overdue_count_my_day_shows(app, client, login_as, make_user):
    rita = login_as("reception")
    other = make_user("reception")
    enquiry = quiet_enquiry(app)
    today = builders.today(app)
    add_follow_up(app, enquiry, today - timedelta(days=3), assigned_to_id=rita.id)
    add_follow_up(app, enquiry, today - timedelta(days=1))  # the team's: reception counts it too
    add_follow_up(app, enquiry, today - timedelta(days=1), assigned_to_id=other.id)  # not hers
    add_follow_up(app, enquiry, today, assigned_to_id=rita.id)  # due today, not overdue
    home = page(client)
    nav = home.split('data-testid="main-nav"', 1)[1].split("</ul>", 1)[0]
    assert re.search(r'href="/follow-ups">My day\s*<span', nav)
    assert badge(home) == "2"
    my_day = page(client, "/follow-ups")
    assert badge(my_day) == section_count(my_day, "overdue")
    assert len(section_ids(my_day, "overdue")) == 2
    assert badge(page(client, "/enquiries")) == "2"  # on every signed-in page


def test_the_badge_goes_down_when_an_overdue_follow_up_is_done_and_goes_at_zero(app, client, login_as):
    rita = login_as("reception")
    enquiry = quiet_enquiry(app)
    first = add_follow_up(app, enquiry, builders.today(app) - timedelta(days=2), assigned_to_id=rita.id)
    second = add_follow_up(app, enquiry, builders.today(app) - timedelta(days=1))
    assert badge(page(client)) == "2"
    client.post(f"/follow-ups/{first}/complete", data={"outcome": "Reached", "call_result": "reached",
                                                       "version": "1", "next": "/follow-ups"})
    assert badge(page(client)) == "1"
    client.post(f"/follow-ups/{second}/complete", data={"outcome": "Reached", "call_result": "reached",
                                                       "version": "1", "next": "/follow-ups"})
    assert badge(page(client)) is None


def test_a_specialists_badge_counts_only_their_own(app, client, login_as):
    sam = login_as("specialist")
    enquiry = quiet_enquiry(app)
    add_follow_up(app, enquiry, builders.today(app) - timedelta(days=1), assigned_to_id=sam.id)
    add_follow_up(app, enquiry, builders.today(app) - timedelta(days=1))  # the reception team's
    assert badge(page(client)) == "1"


def test_a_managers_badge_counts_their_own_not_everyones(app, client, login_as, make_user):
    manager = login_as("manager")
    rita = make_user("reception")
    enquiry = quiet_enquiry(app)
    add_follow_up(app, enquiry, builders.today(app) - timedelta(days=1), assigned_to_id=rita.id)
    assert badge(page(client)) is None
    add_follow_up(app, enquiry, builders.today(app) - timedelta(days=1), assigned_to_id=manager.id)
    assert badge(page(client)) == "1"


def test_the_badge_stops_counting_at_its_cap(app, client, login_as, monkeypatch):
    monkeypatch.setattr(queries, "BADGE_CAP", 2)
    rita = login_as("reception")
    enquiry = quiet_enquiry(app)
    for days in (1, 2):
        add_follow_up(app, enquiry, builders.today(app) - timedelta(days=days), assigned_to_id=rita.id)
    assert badge(page(client)) == "2"
    add_follow_up(app, enquiry, builders.today(app) - timedelta(days=3))
    assert badge(page(client)) == "2+"


def test_the_badge_is_one_statement_taken_once_and_only_when_the_navigation_renders(app, make_user):
    rita = make_user("reception")
    add_follow_up(app, quiet_enquiry(app), builders.today(app) - timedelta(days=1), assigned_to_id=rita.id)
    with app.test_request_context():
        login_user(db.session.get(User, rita.id))
        items = navigation.nav_items()
        with count_queries(app) as listed:
            items = navigation.nav_items()
        assert listed == []  # listing the entries counts nothing
        with count_queries(app) as counted:
            first = next(item for item in items if item.badge).badge()
            again = next(item for item in items if item.badge).badge()
        assert len(counted) == 1 and "follow_ups" in counted[0] and first == again == queries.Tally(1)


def test_signed_out_pages_show_no_navigation_badge(client):
    response = client.get("/login")
    assert response.status_code in (200, 302)
    assert 'id="nav-count-followups-my_day"' not in response.get_data(as_text=True)
