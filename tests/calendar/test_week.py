"""The week calendar: my week, a colleague's, everyone's; in day and time order; bad input handled; bounded."""

import html
import re
from datetime import date, timedelta

import pytest

from tests.builders import local
from tests.calendar.conftest import clinic_today, follow_up_ids, session_item
from tests.conftest import count_queries, sign_in
from tracker.bookings.models import AppointmentKind, AppointmentStatus
from tracker.calendar import queries
from tracker.followups.models import FollowUp, FollowUpKind, FollowUpStatus

AHEAD = queries.week_of(clinic_today()) + timedelta(days=14)  # a whole week in the future: nothing overdue


def days(response) -> dict[date, list[str]]:
    """Each day section's item keys ("follow-up-3", "appointment-1"), in the order shown."""
    assert response.status_code == 200, response.status_code
    body = response.get_data(as_text=True)
    sections = re.findall(r'<section class="cal-day[^"]*" aria-labelledby="day-([0-9-]+)"(.*?)</section>', body, re.S)
    return {date.fromisoformat(day): re.findall(r'data-key="([^"]+)"', inner) for day, inner in sections}


def item(response, key: str) -> str:
    """One item's text, tags removed and spaces collapsed."""
    found = re.search(rf'data-key="{key}">(.*?)</li>', response.get_data(as_text=True), re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def keyed(prefix: str, *ids: int) -> list[str]:
    return [f"{prefix}-{i}" for i in ids]


@pytest.fixture
def diary(app, make_user, enquiry_for, make_follow_up, make_appointment):
    """Two specialists' week ahead, and the team's; returns the people and the record ids by name."""
    me = make_user("specialist", full_name="Sam Specialist")
    colleague = make_user("specialist", full_name="Cora Colleague")
    jane, ann = enquiry_for("Jane", "Doe"), enquiry_for("Ann", "Bee")
    mon, tue, wed, fri, sun = (AHEAD + timedelta(days=n) for n in (0, 1, 2, 4, 6))
    ids = {
        "all_day": make_follow_up(jane, mon, assigned_to_id=me.id, straight=True),
        "chase": make_follow_up(ann, mon, "09:30", assigned_to_id=me.id, kind=FollowUpKind.DECISION_CHASE,
                                straight=True),
        "consultation": make_appointment(jane, me.id, local(mon, "09:00")),
        "done": make_follow_up(jane, tue, "08:00", assigned_to_id=me.id, status=FollowUpStatus.DONE, straight=True),
        "cancelled": make_follow_up(jane, tue, assigned_to_id=me.id, status=FollowUpStatus.CANCELLED, straight=True),
        "session": make_appointment(ann, me.id, local(wed, "14:00"), kind=AppointmentKind.TREATMENT_SESSION,
                                    status=AppointmentStatus.ATTENDED, plan_item_id=session_item(app, ann, me.id),
                                    session_number=1),
        "moved": make_appointment(jane, me.id, local(wed, "10:00"), status=AppointmentStatus.REBOOKED),
        "called_off": make_appointment(jane, me.id, local(wed, "11:00"), status=AppointmentStatus.CANCELLED),
        "missed": make_appointment(ann, me.id, local(fri, "16:00"), status=AppointmentStatus.DID_NOT_ATTEND),
        "late": make_follow_up(ann, sun, "23:30", assigned_to_id=me.id, straight=True),
        "next_week": make_follow_up(ann, sun + timedelta(days=1), assigned_to_id=me.id, straight=True),
        "last_week": make_follow_up(ann, mon - timedelta(days=1), "23:59", assigned_to_id=me.id, straight=True),
        "theirs": make_follow_up(ann, mon, "11:00", assigned_to_id=colleague.id, straight=True),
        "their_consultation": make_appointment(ann, colleague.id, local(tue, "10:00")),
        "team": make_follow_up(jane, wed, assigned_to_id=None, straight=True),
    }
    return me, colleague, ids


def test_my_week_shows_my_follow_ups_and_appointments_by_day_all_day_first_then_by_time(client, diary):
    me, _colleague, ids = diary
    sign_in(client, me)
    response = client.get("/calendar", query_string={"week": AHEAD.isoformat()})
    shown = days(response)
    assert list(shown) == [AHEAD + timedelta(days=n) for n in range(7)]
    assert list(shown.values()) == [
        [f"follow-up-{ids['all_day']}", f"appointment-{ids['consultation']}", f"follow-up-{ids['chase']}"],
        keyed("follow-up", ids["done"]),
        keyed("appointment", ids["session"]),
        [],
        keyed("appointment", ids["missed"]),
        [],
        keyed("follow-up", ids["late"]),
    ]
    body = response.get_data(as_text=True)
    assert f"Your calendar: {AHEAD:%d/%m/%Y} to {AHEAD + timedelta(days=6):%d/%m/%Y}" in body
    assert f"Monday {AHEAD:%d/%m/%Y}" in body and f"Sunday {AHEAD + timedelta(days=6):%d/%m/%Y}" in body
    assert body.count(">Nothing</p>") == 2
    assert item(response, f"follow-up-{ids['all_day']}") == "All day Call back Jane Doe Open"
    assert item(response, f"appointment-{ids['consultation']}") == "09:00 Consultation Jane Doe Booked"
    assert item(response, f"follow-up-{ids['chase']}") == "09:30 Decision chase Ann Bee Open"
    assert item(response, f"follow-up-{ids['done']}") == "08:00 Call back Jane Doe Done"
    assert item(response, f"appointment-{ids['session']}") == "14:00 Treatment session Ann Bee Attended"
    assert item(response, f"appointment-{ids['missed']}") == "16:00 Consultation Ann Bee Did not attend (DNA)"
    assert re.search(r'<a href="/enquiries/\d+">Jane Doe</a>', body)
    assert "Sam Specialist</span>" not in body  # no owner column on one person's week


def test_a_colleagues_week_shows_only_theirs(client, login_as, diary):
    _me, colleague, ids = diary
    login_as("reception")
    response = client.get("/calendar", query_string={"week": AHEAD.isoformat(), "who": str(colleague.id)})
    shown = days(response)
    assert shown[AHEAD] == keyed("follow-up", ids["theirs"])
    assert shown[AHEAD + timedelta(days=1)] == keyed("appointment", ids["their_consultation"])
    assert sum(len(keys) for keys in shown.values()) == 2
    assert "Calendar of Cora Colleague" in response.get_data(as_text=True)
    assert f'<option selected value="{colleague.id}">Cora Colleague</option>' in response.get_data(as_text=True)


def test_the_team_week_shows_everyones_with_owners_and_the_reception_teams_unassigned(app, client, login_as, diary):
    _me, _colleague, ids = diary
    login_as("manager")
    response = client.get("/calendar", query_string={"week": AHEAD.isoformat(), "who": "team"})
    shown = [key for keys in days(response).values() for key in keys]
    in_week = follow_up_ids(app, FollowUp.status.in_([FollowUpStatus.OPEN, FollowUpStatus.DONE]),
                            FollowUp.due_on.between(AHEAD, AHEAD + timedelta(days=6)))
    assert {ids["theirs"], ids["team"], ids["all_day"], ids["done"], ids["late"]} <= in_week
    assert not {ids["cancelled"], ids["next_week"], ids["last_week"]} & in_week
    appointments = {ids[k] for k in ("consultation", "session", "missed", "their_consultation")}
    assert sorted(shown) == sorted(keyed("follow-up", *in_week) + keyed("appointment", *appointments))
    assert item(response, f"follow-up-{ids['theirs']}") == "11:00 Call back Ann Bee with Cora Colleague Open"
    assert item(response, f"follow-up-{ids['team']}") == "All day Call back Jane Doe with Reception team Open"
    assert (item(response, f"appointment-{ids['consultation']}")
            == "09:00 Consultation Jane Doe with Sam Specialist Booked")
    assert "Everyone&#39;s calendar" in response.get_data(as_text=True)


def test_open_follow_ups_past_due_are_marked_overdue_and_today_is_marked(client, login_as, make_follow_up,
                                                                          enquiry_for):
    me = login_as("reception")
    today = clinic_today()
    enquiry = enquiry_for()
    late = make_follow_up(enquiry, today - timedelta(days=7), assigned_to_id=me.id, straight=True)
    done = make_follow_up(enquiry, today - timedelta(days=7), assigned_to_id=me.id, status=FollowUpStatus.DONE,
                          straight=True)
    last_week = client.get("/calendar", query_string={"week": (today - timedelta(days=7)).isoformat()})
    assert item(last_week, f"follow-up-{late}").endswith("Overdue")
    assert item(last_week, f"follow-up-{done}").endswith("Done")
    assert 'aria-current="date"' not in last_week.get_data(as_text=True)

    this_week = client.get("/calendar").get_data(as_text=True)  # no week given: this week
    monday = queries.week_of(today)
    assert f"Your calendar: {monday:%d/%m/%Y} to" in this_week
    assert re.search(rf'id="day-{today.isoformat()}"[^>]*aria-current="date">\s*{today:%A} {today:%d/%m/%Y} '
                     r'<span class="badge[^"]*">Today</span>', this_week)


def test_the_form_lists_me_the_team_and_each_person_as_my_day_does_and_links_the_weeks(client, login_as, make_user):
    login_as("specialist", full_name="Sam Specialist")
    make_user("reception", full_name="Rita Desk")
    make_user("reception", full_name="Gone Person", active=False)
    body = client.get("/calendar", query_string={"week": AHEAD.isoformat(), "who": "team"}).get_data(as_text=True)
    assert '<label class="form-label" for="who">Whose calendar</label>' in body
    assert '<option value="me">Me</option>' in body and '<option selected value="team">' in body
    # My day's Person list: active people by name, then the deactivated, marked so.
    names = re.findall(r'<option value="\d+">([^<]+)</option>', body)
    assert names.index("Rita Desk") < names.index("Gone Person (deactivated)")
    assert "Sam Specialist" in names
    assert '<label class="form-label" for="week">Week of</label>' in body and 'type="date"' in body
    for day in (AHEAD - timedelta(days=7), queries.week_of(clinic_today()), AHEAD + timedelta(days=7)):
        assert f'href="/calendar?who=team&amp;week={day.isoformat()}"' in body
    assert "css/calendar.css" in body


def test_a_deactivated_persons_week_can_still_be_opened(client, login_as, make_user, enquiry_for, make_follow_up):
    login_as("manager")
    gone = make_user("reception", full_name="Gone Person", active=False)
    left = make_follow_up(enquiry_for(), AHEAD, assigned_to_id=gone.id, straight=True)
    response = client.get("/calendar", query_string={"week": AHEAD.isoformat(), "who": str(gone.id)})
    assert days(response)[AHEAD] == [f"follow-up-{left}"]
    assert "Gone Person (deactivated)</option>" in response.get_data(as_text=True)


@pytest.mark.parametrize("week", ["2026-13-45", "yesterday", "0001-01-01", "9999-12-31", "2026-02-30", "1/1/1",
                                  "2026-11-23\x00"])
def test_a_bad_week_shows_this_week_with_a_message_beside_the_field(client, login_as, week):
    login_as("reception")
    response = client.get("/calendar", query_string={"week": week})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f"Your calendar: {queries.week_of(clinic_today()):%d/%m/%Y} to" in body
    assert re.search(r'id="week-error" class="invalid-feedback d-block">[^<]+</div>', body)
    assert 'aria-invalid="true"' in body


def test_a_uk_date_and_an_empty_week_are_understood(client, login_as):
    login_as("reception")
    uk = client.get("/calendar", query_string={"week": f"{AHEAD + timedelta(days=3):%d/%m/%Y}"})
    assert f"Your calendar: {AHEAD:%d/%m/%Y} to" in uk.get_data(as_text=True)
    empty = client.get("/calendar", query_string={"week": "", "who": "me"}).get_data(as_text=True)
    assert f"Your calendar: {queries.week_of(clinic_today()):%d/%m/%Y} to" in empty and "week-error" not in empty


@pytest.mark.parametrize("who", ["abc", "99999", "-1", "1.5", "", "\u0661", "team\x00"])
def test_an_unknown_person_shows_my_own_week_with_a_message(client, login_as, who):
    login_as("reception")
    response = client.get("/calendar", query_string={"who": who})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Your calendar:" in body
    assert re.search(r'id="who-error" class="invalid-feedback d-block">[^<]+</div>', body)


def test_more_than_the_cap_says_so(client, login_as, enquiry_for, make_follow_up, monkeypatch):
    me = login_as("reception")
    enquiry = enquiry_for()
    for hour in range(3):
        make_follow_up(enquiry, AHEAD, f"1{hour}:00", assigned_to_id=me.id, straight=True)
    monkeypatch.setattr(queries, "WEEK_CAP", 2)
    response = client.get("/calendar", query_string={"week": AHEAD.isoformat()})
    assert len(days(response)[AHEAD]) == 2
    assert "More than 2 follow-ups this week" in response.get_data(as_text=True)


def test_the_week_runs_the_same_statements_for_3_items_as_for_40(app, client, login_as, make_user, enquiry_for,
                                                                make_follow_up, make_appointment):
    login_as("manager")
    people = [make_user("specialist") for _ in range(3)]

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            enquiry = enquiry_for(f"Pat{i}", "Doe")
            owner = people[i % 3]
            if i % 2:
                make_follow_up(enquiry, AHEAD + timedelta(days=i % 7), "09:00" if i % 4 == 1 else None,
                               assigned_to_id=owner.id if i % 3 else None, straight=True)
            else:
                make_appointment(enquiry, owner.id, local(AHEAD + timedelta(days=i % 7), f"{8 + i % 10:02d}:00"))

    def statements() -> int:
        with count_queries(app) as seen:
            response = client.get("/calendar", query_string={"week": AHEAD.isoformat(), "who": "team"})
        assert response.status_code == 200
        return len(seen)

    client.get("/calendar")  # first request: the app's one-off checks
    add(3, 0)
    few = statements()
    add(37, 3)
    assert sum(len(keys) for keys in days(client.get(
        "/calendar", query_string={"week": AHEAD.isoformat(), "who": "team"})).values()) >= 40
    assert statements() == few


def test_the_print_stylesheet_hides_the_controls(client):
    css = client.get("/static/css/calendar.css").get_data(as_text=True)
    rules = css[css.index("@media print"):]
    for hidden in ("header", ".cal-controls", ".cal-nav", "form", "button"):
        assert hidden in rules.split("{")[1]


def test_items_just_after_midnight_in_summer_time_fall_on_their_clinic_day(client, login_as, enquiry_for,
                                                                           make_follow_up, make_appointment):
    me = login_as("specialist")
    enquiry = enquiry_for()
    monday = date(2027, 3, 29)  # the day after the clocks go forward: 00:30 here is 23:30 UTC on Sunday
    follow_up = make_follow_up(enquiry, monday, "00:15", assigned_to_id=me.id, straight=True)
    appointment = make_appointment(enquiry, me.id, local(monday, "00:30"))
    shown = days(client.get("/calendar", query_string={"week": monday.isoformat()}))
    assert shown[monday] == [f"follow-up-{follow_up}", f"appointment-{appointment}"]
    before = days(client.get("/calendar", query_string={"week": (monday - timedelta(days=1)).isoformat()}))
    assert not any(before.values())
