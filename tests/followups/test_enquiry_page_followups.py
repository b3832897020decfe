"""The enquiry page's follow-ups: open ones with their steps, closed ones, the no-next-step warning, the timeline."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.builders import HAND_MADE, add_follow_up, follow_up_rows, lost_reason, today
from tests.conftest import count_queries, sign_in
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import Enquiry
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.followups import services
from tracker.followups.models import FollowUp, FollowUpKind, Priority
from tracker.settings.models import Option

WARNING = "No next step: this enquiry has no open follow-up"


def _page(client, enquiry_id: int, **args) -> str:
    response = client.get(f"/enquiries/{enquiry_id}", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _item(page: str, follow_up_id: int) -> str:
    """The enquiry page's list item for one follow-up."""
    start = page.index(f'data-testid="follow-up-{follow_up_id}"')
    return page[start:page.index("</li>", start)]


def _timeline(page: str) -> str:
    return page[page.index('data-testid="timeline"'):]


def _cancel_all_open(app, enquiry_id: int, by_id: int | None) -> None:
    with app.app_context():
        for follow_up in db.session.scalars(select(FollowUp).where(FollowUp.enquiry_id == enquiry_id)):
            if follow_up.is_open:
                services.cancel(follow_up, reason="Not needed", version=follow_up.version, by_id=by_id)
        db.session.commit()


def _set(app, follow_up_id: int, **values) -> None:
    with app.app_context():
        follow_up = db.session.get(FollowUp, follow_up_id)
        for name, value in values.items():
            setattr(follow_up, name, value)
        db.session.commit()


@pytest.fixture
def desk(app, login_as, make_enquiry):
    """Reception signed in, with an enquiry of theirs: (user, enquiry id)."""
    user = login_as("reception")
    return user, make_enquiry(by_id=user.id)


def test_a_new_enquiry_lists_its_rule_made_call_back_with_the_rule_name_and_no_warning(app, client, desk):
    user, enquiry_id = desk
    [call_back] = follow_up_rows(app, enquiry_id)
    page = _page(client, enquiry_id)
    item = _item(page, call_back.id)
    assert "Call back" in item and "Made by rule: New enquiry: first contact" in item
    assert user.full_name in item and "High priority" in item
    for action in ("complete", "reschedule", "cancel"):
        assert f'href="/follow-ups/{call_back.id}/{action}"' in item
    assert WARNING not in page
    assert f'href="/enquiries/{enquiry_id}/follow-ups/new"' in page


def test_an_open_enquiry_without_an_open_follow_up_says_so_prominently(app, client, desk):
    user, enquiry_id = desk
    _cancel_all_open(app, enquiry_id, user.id)
    page = _page(client, enquiry_id)
    warning = page[page.index('data-testid="no-next-step"'):]
    warning = warning[:warning.index("</div>")]
    assert f"<h3 class=\"h6 mb-1\">{WARNING}</h3>" in warning
    assert f'href="/enquiries/{enquiry_id}/follow-ups/new"' in warning
    add_follow_up(app, enquiry_id, by_id=user.id, **HAND_MADE)
    assert WARNING not in _page(client, enquiry_id)


@pytest.mark.parametrize("stage", [Stage.LOST, Stage.COMPLETED])
def test_a_lost_or_completed_enquiry_shows_no_warning_and_no_add_button(app, client, desk, stage):
    user, enquiry_id = desk
    reason_id = lost_reason(app)
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        if stage is Stage.LOST:
            enquiries.mark_lost(enquiry, db.session.get(Option, reason_id), by_id=user.id)
        else:
            enquiry.stage = Stage.COMPLETED
        db.session.commit()
    assert not [f for f in follow_up_rows(app, enquiry_id) if f.is_open]
    page = _page(client, enquiry_id)
    assert WARNING not in page
    assert f'href="/enquiries/{enquiry_id}/follow-ups/new"' not in page


def test_each_open_one_says_how_it_stands_against_its_due_date(app, client, desk):
    user, enquiry_id = desk
    day = today(app)
    late = add_follow_up(app, enquiry_id, by_id=user.id, due_on=day, **HAND_MADE)
    with app.app_context():
        ended = services.overdue_instant(day - timedelta(days=2), None)
    _set(app, late, due_on=day - timedelta(days=2), overdue_at=ended)
    due_today = add_follow_up(app, enquiry_id, by_id=user.id, due_on=day, **HAND_MADE)
    later = add_follow_up(app, enquiry_id, by_id=user.id, due_on=day + timedelta(days=3), **HAND_MADE)
    page = _page(client, enquiry_id)
    assert "overdue by 2 days" in _item(page, late)
    assert f"due {day - timedelta(days=2):%d/%m/%Y}, all day" in _item(page, late)
    assert "due today" in _item(page, due_today)
    assert 'data-testid="due-badge"' not in _item(page, later)
    positions = [page.index(f'data-testid="follow-up-{i}"') for i in (late, due_today, later)]
    assert positions == sorted(positions)  # soonest first


def test_owners_priorities_and_notes_are_shown(app, client, desk, make_user):
    user, enquiry_id = desk
    colleague = make_user("specialist", full_name="Sam Specialist")
    team = add_follow_up(app, enquiry_id, by_id=user.id, note="Bring the consent form", kind=FollowUpKind.OTHER)
    mine = add_follow_up(app, enquiry_id, by_id=user.id, assigned_to_id=colleague.id, **HAND_MADE)
    _set(app, mine, priority=Priority.LOW)
    page = _page(client, enquiry_id)
    assert "Reception team" in _item(page, team) and "Bring the consent form" in _item(page, team)
    assert "priority" not in _item(page, team)
    assert "Sam Specialist" in _item(page, mine) and "Low priority" in _item(page, mine)


def test_closed_ones_show_what_came_of_them_who_and_when(app, client, desk):
    user, enquiry_id = desk
    done = add_follow_up(app, enquiry_id, by_id=user.id, **HAND_MADE)
    dropped = add_follow_up(app, enquiry_id, by_id=user.id, **HAND_MADE)
    assert client.post(f"/follow-ups/{done}/complete", data={"outcome": "Booked for Tuesday",
                                                             "version": "1"}).status_code == 302
    assert client.post(f"/follow-ups/{dropped}/cancel", data={"reason": "Duplicate of the call-back",
                                                              "version": "1"}).status_code == 302
    page = _page(client, enquiry_id)
    closed = page[page.index('data-testid="closed-followups"'):]
    closed = closed[:closed.index("</details>")]
    assert "Booked for Tuesday" in closed and "Duplicate of the call-back" in closed
    assert f"by {user.full_name}" in closed
    assert f'data-testid="follow-up-{done}"' not in page


def test_readers_without_followup_edit_see_the_follow_ups_but_no_steps(app, client, make_user, make_enquiry):
    reception = make_user("reception")
    enquiry_id = make_enquiry(by_id=reception.id)
    _cancel_all_open(app, enquiry_id, reception.id)
    follow_up_id = add_follow_up(app, enquiry_id, by_id=reception.id, **HAND_MADE)
    sign_in(client, make_user("manager"))
    page = _page(client, enquiry_id)
    assert "Ask about the photos" in _item(page, follow_up_id)
    assert f"/follow-ups/{follow_up_id}/complete" not in page
    assert f"/enquiries/{enquiry_id}/follow-ups/new" not in page


def test_the_timeline_shows_each_follow_up_done_cancelled_moved_or_made_by_a_rule(app, client, desk, make_user):
    user, enquiry_id = desk
    colleague = make_user("reception", full_name="Rita Reception")
    [call_back] = follow_up_rows(app, enquiry_id)
    moved = add_follow_up(app, enquiry_id, by_id=user.id, assigned_to_id=user.id, **HAND_MADE)
    day = follow_up_rows(app, enquiry_id)[-1].due_on
    assert client.post(f"/follow-ups/{moved}/reschedule", data={
        "due_on": (day + timedelta(days=2)).isoformat(), "due_time": "15:00", "assigned_to": str(colleague.id),
        "note": "She knows the patient", "version": "1"}).status_code == 302
    assert client.post(f"/follow-ups/{call_back.id}/complete", data={
        "outcome": "Booked a consultation", "call_result": "reached", "version": "1"}).status_code == 302
    assert client.post(f"/follow-ups/{moved}/cancel", data={"reason": "Covered by the call", "version": "2"}
                       ).status_code == 302
    people = _timeline(_page(client, enquiry_id))  # by default, what people did: the rule's line one click away
    assert "Call back scheduled by rule" not in people and "Call back done: Booked a consultation" in people
    timeline = _timeline(_page(client, enquiry_id, timeline="all"))
    assert "Call back scheduled by rule: New enquiry: first contact" in timeline
    assert "Call back done: Booked a consultation" in timeline
    assert "Other cancelled: Covered by the call" in timeline
    assert (f"Other moved from {day:%d/%m/%Y} to {day + timedelta(days=2):%d/%m/%Y} 15:00 and handed from "
            f"{user.full_name} to Rita Reception") in timeline
    assert "She knows the patient" in timeline
    assert "timeline-followup" in timeline


def test_follow_ups_a_rule_cancels_show_as_cancelled_automatically(app, client, desk):
    user, enquiry_id = desk
    add_follow_up(app, enquiry_id, by_id=user.id, **HAND_MADE)
    reason_id = lost_reason(app)
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        enquiries.mark_lost(enquiry, db.session.get(Option, reason_id), by_id=user.id)
        db.session.commit()
    assert "Other cancelled: The enquiry was lost" not in _timeline(_page(client, enquiry_id))
    timeline = _timeline(_page(client, enquiry_id, timeline="all"))
    assert "Other cancelled: The enquiry was lost" in timeline
    assert "· automatically" in timeline


def _statements(app, client, enquiry_id: int) -> int:
    with count_queries(app) as statements:
        _page(client, enquiry_id)
    return len(statements)


def test_the_page_reads_the_same_statements_with_one_follow_up_or_forty(app, client, desk, make_user,
                                                                        make_enquiry):
    user, few = desk
    colleague = make_user("reception")
    many = make_enquiry(by_id=user.id)
    for n in range(40):
        follow_up_id = add_follow_up(app, many, by_id=user.id, assigned_to_id=user.id if n % 2 else None,
                                     **HAND_MADE)
        if n % 3 == 0:
            assert client.post(f"/follow-ups/{follow_up_id}/reschedule", data={
                "due_on": (today(app) + timedelta(days=10)).isoformat(), "assigned_to": str(colleague.id),
                "version": "1"}).status_code == 302
        if n % 4 == 0:
            assert client.post(f"/follow-ups/{follow_up_id}/complete", data={
                "outcome": "Done", "version": "2" if n % 3 == 0 else "1"}).status_code == 302
    _statements(app, client, few)  # warm: the first request loads what every request shares
    assert _statements(app, client, few) == _statements(app, client, many)
