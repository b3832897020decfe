"""My day: the user's overdue, today's and next 7 days' follow-ups (reception: with the team's; managers: anyone's),
each row with what reception needs to act on it, one-click completion, and a fixed number of statements."""

import re
from datetime import time, timedelta

from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests import builders
from tests.builders import add_follow_up, quiet_enquiry
from tests.conftest import count_queries, sign_in
from tests.properties import ANY_TEXT, PROPERTY
from tracker.extensions import db
from tracker.followups import queries, services
from tracker.followups.models import FollowUp, FollowUpKind, FollowUpStatus, Priority


def section_ids(html: str, section: str) -> list[int]:
    """The follow-up ids listed in one section, in page order."""
    part = html.split(f'data-testid="section-{section}"', 1)[1].split("</section>", 1)[0]
    return [int(n) for n in re.findall(r'<tr id="follow-up-(\d+)"', part)]


def section_count(html: str, section: str) -> str:
    return re.search(rf'data-testid="count-{section}">([^<]+)<', html).group(1)


def my_day(client, **args) -> str:
    response = client.get("/follow-ups", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_reception_sees_their_own_and_the_teams_follow_ups_by_section_and_nobody_elses(app, client, login_as,
                                                                                      make_user):
    rita = login_as("reception")
    other = make_user("reception")
    today = builders.today(app)
    enquiry = quiet_enquiry(app)
    overdue = add_follow_up(app, enquiry, today - timedelta(days=2), assigned_to_id=rita.id)
    team_today = add_follow_up(app, enquiry, today)
    in_three_days = add_follow_up(app, enquiry, today + timedelta(days=3), assigned_to_id=rita.id)
    in_seven_days = add_follow_up(app, enquiry, today + timedelta(days=7))
    add_follow_up(app, enquiry, today + timedelta(days=8), assigned_to_id=rita.id)  # beyond the week
    add_follow_up(app, enquiry, today - timedelta(days=1), assigned_to_id=other.id)  # someone else's
    html = my_day(client)
    assert section_ids(html, "overdue") == [overdue]
    assert section_ids(html, "today") == [team_today]
    assert section_ids(html, "week") == [in_three_days, in_seven_days]
    assert [section_count(html, s) for s in ("overdue", "today", "week")] == ["1", "1", "2"]
    team_row = html.split(f'id="follow-up-{team_today}"', 1)[1].split("</tr>", 1)[0]
    assert ">Team<" in team_row
    assert ">Team<" not in html.split(f'id="follow-up-{overdue}"', 1)[1].split("</tr>", 1)[0]


def test_done_and_cancelled_follow_ups_are_not_listed(app, client, login_as):
    rita = login_as("reception")
    enquiry = quiet_enquiry(app)
    done = add_follow_up(app, enquiry, builders.today(app), assigned_to_id=rita.id)
    cancelled = add_follow_up(app, enquiry, builders.today(app), assigned_to_id=rita.id)
    with app.app_context():
        services.complete(db.session.get(FollowUp, done), outcome="Spoke to her", version=1, by_id=rita.id)
        services.cancel(db.session.get(FollowUp, cancelled), reason="Duplicate", version=1, by_id=rita.id)
        db.session.commit()
    html = my_day(client)
    assert section_ids(html, "today") == [] and "Nothing else due today." in html


def test_a_timed_follow_up_earlier_today_is_overdue_and_one_later_today_is_due_today(app, client, login_as):
    rita = login_as("reception")
    today = builders.today(app)
    enquiry = quiet_enquiry(app)
    yesterday_late = add_follow_up(app, enquiry, today - timedelta(days=1), assigned_to_id=rita.id,
                                   due_time=time(23, 59))
    tonight = add_follow_up(app, enquiry, today, assigned_to_id=rita.id, due_time=time(23, 59))
    html = my_day(client)
    assert section_ids(html, "overdue") == [yesterday_late]
    assert tonight in section_ids(html, "today") + section_ids(html, "overdue")  # 23:59 may just have passed


def test_a_specialist_sees_only_their_own_not_the_teams(app, client, login_as):
    sam = login_as("specialist")
    enquiry = quiet_enquiry(app)
    own = add_follow_up(app, enquiry, builders.today(app), assigned_to_id=sam.id)
    add_follow_up(app, enquiry, builders.today(app))  # the reception team's
    html = my_day(client)
    assert section_ids(html, "today") == [own]
    assert 'name="person"' not in html


def test_a_manager_sees_everyones_and_can_narrow_to_a_person_or_the_team(app, client, login_as, make_user):
    login_as("manager")
    rita = make_user("reception", full_name="Rita Desk")
    sam = make_user("specialist", full_name="Sam Skin")
    enquiry = quiet_enquiry(app)
    ritas = add_follow_up(app, enquiry, builders.today(app), assigned_to_id=rita.id)
    sams = add_follow_up(app, enquiry, builders.today(app), assigned_to_id=sam.id)
    teams = add_follow_up(app, enquiry, builders.today(app))
    everyone = my_day(client)
    assert sorted(section_ids(everyone, "today")) == sorted([ritas, sams, teams])
    assert re.search(r'<option value="all" selected>Everyone</option>', everyone)
    assert ">Rita Desk</td>" in everyone and ">Sam Skin</td>" in everyone and ">Reception team</td>" in everyone
    assert section_ids(my_day(client, person=str(rita.id)), "today") == [ritas]
    assert section_ids(my_day(client, person="team"), "today") == [teams]
    assert sorted(section_ids(my_day(client, person="all"), "today")) == sorted([ritas, sams, teams])
    narrowed = my_day(client, person=str(sam.id))
    assert re.search(rf'<option value="{sam.id}" selected>Sam Skin</option>', narrowed)


def test_a_manager_reads_my_day_without_completion_forms_an_admin_completes_back_to_the_same_person(
        app, client, login_as, make_user):
    sam = make_user("specialist", full_name="Sam Skin")
    follow_up = add_follow_up(app, quiet_enquiry(app), builders.today(app), assigned_to_id=sam.id)
    login_as("manager")  # followup.view only: a Done button would answer 403
    html = my_day(client, person=str(sam.id))
    assert section_ids(html, "today") == [follow_up]
    assert "data-inline-complete" not in html and f"/follow-ups/{follow_up}/complete" not in html
    assert ">Complete</th>" not in html and 'name="call_result"' not in html
    login_as("admin")
    html = my_day(client, person=str(sam.id))
    form = html.split(f'action="/follow-ups/{follow_up}/complete"', 1)[1].split("</form>", 1)[0]
    assert f'name="next" value="/follow-ups?person={sam.id}"' in form  # completing one comes back to Sam's
    assert f'href="/follow-ups/{follow_up}/complete?next=/follow-ups?person%3D{sam.id}">Schedule next' in html


def test_a_manager_asking_for_an_unknown_person_sees_everyone(app, client, login_as):
    login_as("admin")
    enquiry = quiet_enquiry(app)
    teams = add_follow_up(app, enquiry, builders.today(app))
    for person in ("99999", "nobody", "-1", "", "team "):
        assert section_ids(my_day(client, person=person), "today") == [teams], person


def test_reception_passing_a_person_still_sees_only_their_own_queue(app, client, login_as, make_user):
    rita = login_as("reception")
    other = make_user("reception")
    enquiry = quiet_enquiry(app)
    own = add_follow_up(app, enquiry, builders.today(app), assigned_to_id=rita.id)
    add_follow_up(app, enquiry, builders.today(app), assigned_to_id=other.id)
    for person in (str(other.id), "all", "team"):
        html = my_day(client, person=person)
        assert section_ids(html, "today") == [own] and 'name="person"' not in html


def test_each_row_shows_patient_stage_kind_rule_due_lateness_phone_and_priority(app, client, login_as, make_patient):
    rita = login_as("reception")
    patient = make_patient(first_name="Ann", last_name="Example", phone="+447700900123")
    enquiry = quiet_enquiry(app, patient_id=patient)
    today = builders.today(app)
    late = add_follow_up(app, enquiry, today - timedelta(days=3), assigned_to_id=rita.id,
                         kind=FollowUpKind.DECISION_CHASE, priority=Priority.HIGH)
    timed = add_follow_up(app, enquiry, today + timedelta(days=2), assigned_to_id=rita.id, due_time=time(14, 30))
    with app.app_context():  # as a rule would have made it
        db.session.get(FollowUp, late).rule = "decision_chase"
        db.session.commit()
    html = my_day(client)
    row = html.split(f'id="follow-up-{late}"', 1)[1].split("</tr>", 1)[0]
    assert f'<a href="/enquiries/{enquiry}">Ann Example</a>' in row
    assert "stage-contacted" in row and ">Contacted<" in row
    assert "Decision chase" in row and "Plan decision chase" in row  # the kind, and the rule's name
    assert f"{today - timedelta(days=3):%d/%m/%Y} all day" in row
    assert re.search(r"\d+ days overdue", row)
    assert '<a href="tel:+447700900123">07700 900123</a>' in row
    assert ">High<span class=\"visually-hidden\"> priority</span>" in row
    timed_row = html.split(f'id="follow-up-{timed}"', 1)[1].split("</tr>", 1)[0]
    assert f"{today + timedelta(days=2):%d/%m/%Y} 14:30" in timed_row and "overdue" not in timed_row


def test_each_row_completes_in_one_click_back_to_my_day_or_links_to_the_full_complete_page(app, client, login_as):
    rita = login_as("reception")
    enquiry = quiet_enquiry(app)
    follow_up = add_follow_up(app, enquiry, builders.today(app) - timedelta(days=1), assigned_to_id=rita.id)
    review = add_follow_up(app, enquiry, builders.today(app), assigned_to_id=rita.id, kind=FollowUpKind.REVIEW)
    html = my_day(client)
    form = html.split(f'action="/follow-ups/{follow_up}/complete"', 1)[1].split("</form>", 1)[0]
    assert 'name="next" value="/follow-ups"' in form and 'name="version" value="1"' in form
    call = re.search(rf'<label[^>]*for="call-{follow_up}">Call result.*?<select[^>]*id="call-{follow_up}" '
                     rf'name="call_result" required.*?</select>', form, re.S)  # a call-back says how the call went
    assert call and '<option value="">— choose —</option>' in call[0]
    assert '<option value="no_answer">No answer</option>' in call[0]
    assert form.index("call_result") < form.index('name="outcome"')
    assert re.search(rf'<label[^>]*for="outcome-{follow_up}">Outcome', form)
    assert re.search(rf'id="outcome-{follow_up}" name="outcome" required', form)
    assert ">Mark done</button>" in form
    assert f'href="/follow-ups/{follow_up}/complete?next=/follow-ups">Schedule next' in html
    assert 'src="/static/js/followups.js"' in html and "<script>" not in html
    review_form = html.split(f'action="/follow-ups/{review}/complete"', 1)[1].split("</form>", 1)[0]
    assert "call_result" not in review_form and 'name="outcome"' in review_form  # not a call: no call result

    response = client.post(f"/follow-ups/{follow_up}/complete", data={
        "call_result": "reached", "outcome": "Spoke to her; booking", "version": "1", "next": "/follow-ups"})
    assert response.status_code in (302, 303) and response.headers["Location"].endswith("/follow-ups")
    assert section_ids(my_day(client), "overdue") == []
    with app.app_context():
        done = db.session.get(FollowUp, follow_up)
        assert done.status is FollowUpStatus.DONE and done.outcome == "Spoke to her; booking"


def test_completing_with_json_answers_ok_or_the_fields_message(app, client, login_as):
    rita = login_as("reception")
    enquiry = quiet_enquiry(app)
    follow_up = add_follow_up(app, enquiry, builders.today(app), assigned_to_id=rita.id)
    json = {"Accept": "application/json"}
    refused = client.post(f"/follow-ups/{follow_up}/complete", data={"outcome": " ", "version": "1"}, headers=json)
    assert refused.status_code == 400 and refused.json["ok"] is False
    assert refused.json["errors"] == {"outcome": ["Say what came of it."],
                                      "call_result": ["Say whether you reached them."]}
    call = {"outcome": "Reached", "call_result": "reached", "version": "1"}
    done = client.post(f"/follow-ups/{follow_up}/complete", data=call, headers=json)
    assert done.status_code == 200 and done.json["ok"] is True
    again = client.post(f"/follow-ups/{follow_up}/complete", data=call, headers=json)
    assert again.status_code == 409 and again.json["ok"] is False


def test_each_section_shows_at_most_its_cap_and_says_how_many_there_are(app, client, login_as, monkeypatch):
    monkeypatch.setattr(queries, "SECTION_ROWS", 2)
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    rita = login_as("reception")
    enquiry = quiet_enquiry(app)
    first = [add_follow_up(app, enquiry, builders.today(app) - timedelta(days=n), assigned_to_id=rita.id)
             for n in (9, 8)]
    for n in (7, 6, 5):
        add_follow_up(app, enquiry, builders.today(app) - timedelta(days=n), assigned_to_id=None if n == 6 else rita.id)
    html = my_day(client)
    assert section_ids(html, "overdue") == first  # the longest overdue first
    assert section_count(html, "overdue") == "3+"
    assert "Showing 2 of 3+" in html
    monkeypatch.setattr(queries, "COUNT_CAP", 10)
    assert "Showing 2 of 5" in my_day(client)


def _statements(app, client) -> int:
    client.get("/follow-ups")  # the app's first request also checks, once, that the first run is over
    with count_queries(app) as statements:
        assert client.get("/follow-ups").status_code == 200
    return len(statements)


def test_my_day_runs_the_same_statements_with_3_follow_ups_as_with_60(app, client, make_user):
    rita = make_user("reception")
    manager = make_user("manager")
    enquiry = quiet_enquiry(app)
    today = builders.today(app)
    for n in range(3):
        add_follow_up(app, enquiry, today + timedelta(days=n - 1), assigned_to_id=rita.id if n else None)
    sign_in(client, rita)
    few = _statements(app, client)
    sign_in(client, manager)
    few_manager = _statements(app, client)
    more_enquiries = [quiet_enquiry(app) for _ in range(5)]
    for n in range(57):  # spread over every section, owner and several enquiries and patients
        add_follow_up(app, more_enquiries[n % 5], today + timedelta(days=n % 9 - 1), kind=FollowUpKind.OTHER,
                      assigned_to_id=rita.id if n % 3 else None)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FollowUp)
                                 .where(FollowUp.status == FollowUpStatus.OPEN)) == 60
    sign_in(client, rita)
    assert _statements(app, client) == few
    sign_in(client, manager)
    assert _statements(app, client) == few_manager
    # the user, the section counts, the rows with their enquiry, patient and owner, the badge (and the people list)
    assert few == 4 and few_manager == 5


def test_any_person_argument_never_fails(app, client, make_user):
    manager, reception = make_user("manager"), make_user("reception")
    add_follow_up(app, quiet_enquiry(app), builders.today(app))

    @PROPERTY
    @given(person=st.one_of(ANY_TEXT, st.integers().map(str), st.sampled_from(["all", "team", str(manager.id)])),
           as_manager=st.booleans())
    @example(person="9" * 5000, as_manager=True)
    @example(person="\x00", as_manager=True)
    @example(person="²", as_manager=True)
    def check(person, as_manager):
        sign_in(client, manager if as_manager else reception)
        response = client.get("/follow-ups", query_string={"person": person})
        assert response.status_code == 200, (person, response.status_code)

    check()


def test_each_section_pages_on_by_its_own_page_number_with_the_same_statements(app, client, login_as, monkeypatch):
    monkeypatch.setattr(queries, "SECTION_ROWS", 2)
    rita = login_as("reception")
    enquiry = quiet_enquiry(app)
    overdue = [add_follow_up(app, enquiry, builders.today(app) - timedelta(days=n),
                             assigned_to_id=rita.id if n % 2 else None)
               for n in (9, 8, 7, 6, 5)]
    today = [add_follow_up(app, enquiry, builders.today(app), assigned_to_id=rita.id) for _ in range(3)]
    first = my_day(client)
    assert section_ids(first, "overdue") == overdue[:2] and "Showing 2 of 5" in first
    assert 'href="/follow-ups?overdue_page=2">Next 2' in first and "Previous 2" not in first
    second = my_day(client, overdue_page="2")
    assert section_ids(second, "overdue") == overdue[2:4] and "Showing 3–4 of 5" in second
    assert section_ids(second, "today") == today[:2]  # the other sections stay on their first page
    assert 'href="/follow-ups">Previous 2' in second and 'href="/follow-ups?overdue_page=3">Next 2' in second
    assert 'href="/follow-ups?overdue_page=2&amp;today_page=2">Next 2' in second  # each keeps the other's page
    form = second.split(f'action="/follow-ups/{overdue[2]}/complete"', 1)[1].split("</form>", 1)[0]
    assert 'name="next" value="/follow-ups?overdue_page=2"' in form  # completing one comes back to this page
    last = my_day(client, overdue_page="3")
    assert section_ids(last, "overdue") == overdue[4:] and "Next 2" not in last.split("section-today")[0]
    for unreadable in ("0", "-1", "x", "²", "99999999999"):
        assert section_ids(my_day(client, overdue_page=unreadable), "overdue") in (overdue[:2], [])
    client.get("/follow-ups")
    with count_queries(app) as on_first:
        client.get("/follow-ups")
    with count_queries(app) as on_third:
        client.get("/follow-ups", query_string={"overdue_page": "3", "today_page": "2"})
    assert len(on_first) == len(on_third)


def test_done_opens_the_completion_row_beneath_by_its_address_without_javascript(app, client, login_as):
    rita = login_as("reception")
    follow_up = add_follow_up(app, quiet_enquiry(app), builders.today(app), assigned_to_id=rita.id)
    html = my_day(client)
    row = html.split(f'id="follow-up-{follow_up}"', 1)[1].split("</tr>", 1)[0]
    assert re.search(rf'<a href="#complete-{follow_up}" [^>]*data-done[^>]*aria-controls="complete-{follow_up}">Done',
                     row)
    beneath = html.split(f'<tr id="complete-{follow_up}"', 1)[1].split("</tr>", 1)[0]
    assert f'action="/follow-ups/{follow_up}/complete"' in beneath and 'name="outcome"' in beneath
    assert 'href="/static/css/followups.css"' in html


def test_any_page_argument_never_fails(app, client, make_user):
    reception = make_user("reception")
    add_follow_up(app, quiet_enquiry(app), builders.today(app) - timedelta(days=1), assigned_to_id=reception.id)
    sign_in(client, reception)

    @PROPERTY
    @given(page=st.one_of(ANY_TEXT, st.integers().map(str)), section=st.sampled_from(["overdue", "today", "week"]))
    @example(page="9" * 5000, section="overdue")
    @example(page="\x00", section="today")
    @example(page="٣", section="week")
    def check(page, section):
        response = client.get("/follow-ups", query_string={f"{section}_page": page})
        assert response.status_code == 200, (page, response.status_code)

    check()
