"""Adding, completing (with the next one, or a stage move), cancelling and rescheduling a follow-up from its pages."""

from datetime import time, timedelta

from sqlalchemy import select

from tests.builders import HAND_MADE, add_follow_up, follow_up_row, follow_up_rows, lost_reason, reschedules, today
from tests.conftest import sign_in
from tests.pages import field_error, same_site_path, take_flashes
from tracker.enquiries.models import ContactAttempt, ContactOutcome, Enquiry
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.followups.models import FollowUp, FollowUpKind, FollowUpStatus, Priority

# --- helpers shared by the follow-up page tests -------------------------------------------------


def reception_with_follow_up(app, login_as, make_enquiry, **kwargs) -> tuple:
    """Reception signed in, an enquiry of theirs, and a hand-made follow-up on it: (user, enquiry id, follow-up id)."""
    user = login_as("reception")
    enquiry_id = make_enquiry(by_id=user.id)
    return user, enquiry_id, add_follow_up(app, enquiry_id, by_id=user.id, assigned_to_id=user.id,
                                            **(HAND_MADE | kwargs))


def _redirected_to(response, path: str) -> None:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert same_site_path(response.headers["Location"]) == path


# --- adding -----------------------------------------------------------------------------------


def test_add_page_offers_the_next_working_day_and_the_enquiry_assignee(app, client, login_as, make_enquiry):
    user = login_as("reception")
    enquiry_id = make_enquiry(by_id=user.id)
    page = client.get(f"/enquiries/{enquiry_id}/follow-ups/new")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    due = today(app) + timedelta(days=1)
    while due.weekday() == 6:  # the seeded week: closed on Sundays
        due += timedelta(days=1)
    assert f'value="{due.isoformat()}"' in body
    assert f'<option selected value="{user.id}">' in body
    assert '<option value="team">Reception team</option>' in body


def test_adding_a_follow_up_stores_every_detail_and_returns_to_the_enquiry(app, client, login_as, make_enquiry,
                                                                             make_user):
    user = login_as("reception")
    colleague = make_user("specialist", full_name="Sam Specialist")
    enquiry_id = make_enquiry(by_id=user.id)
    due = today(app) + timedelta(days=4)
    response = client.post(f"/enquiries/{enquiry_id}/follow-ups/new", data={
        "kind": "decision_chase", "due_on": due.isoformat(), "due_time": "14:30", "assigned_to": str(colleague.id),
        "priority": "high", "note": "  Asked to call after payday  "})
    _redirected_to(response, f"/enquiries/{enquiry_id}")
    assert take_flashes(client) == [("success", f"Follow-up added: Decision chase, due {due:%d/%m/%Y} 14:30.")]
    made = [f for f in follow_up_rows(app, enquiry_id) if f.rule is None]
    assert len(made) == 1
    f = made[0]
    assert (f.kind, f.due_on, f.due_time, f.assigned_to_id, f.priority, f.note, f.status, f.created_by_id) == (
        FollowUpKind.DECISION_CHASE, due, time(14, 30), colleague.id, Priority.HIGH, "Asked to call after payday",
        FollowUpStatus.OPEN, user.id)


def test_a_follow_up_for_the_reception_team_has_no_assignee_and_may_be_all_day(app, client, login_as, make_enquiry):
    user = login_as("reception")
    enquiry_id = make_enquiry(by_id=user.id)
    due = today(app) + timedelta(days=2)
    response = client.post(f"/enquiries/{enquiry_id}/follow-ups/new", data={
        "kind": "other", "due_on": due.strftime("%d/%m/%Y"), "due_time": "", "assigned_to": "team",
        "priority": "normal", "next": "/follow-ups"})
    _redirected_to(response, "/follow-ups")
    f = next(f for f in follow_up_rows(app, enquiry_id) if f.rule is None)
    assert (f.assigned_to_id, f.due_on, f.due_time) == (None, due, None)


# --- completing -------------------------------------------------------------------------------


def test_completing_writes_the_outcome_closes_it_and_says_so(app, client, login_as, make_enquiry):
    user, enquiry_id, follow_up_id = reception_with_follow_up(app, login_as, make_enquiry)
    page = client.get(f"/follow-ups/{follow_up_id}/complete")
    assert page.status_code == 200 and "What came of it" in page.get_data(as_text=True)
    response = client.post(f"/follow-ups/{follow_up_id}/complete",
                           data={"outcome": " Sent the photos ", "version": "1"})
    _redirected_to(response, f"/enquiries/{enquiry_id}")
    assert take_flashes(client) == [("success", "Done: Other for Ada Lovelace")]
    done = follow_up_row(app, follow_up_id)
    assert (done.status, done.outcome, done.closed_by_id) == (FollowUpStatus.DONE, "Sent the photos", user.id)
    assert done.closed_at is not None


def test_completing_schedules_the_next_one_in_the_same_step(app, client, login_as, make_enquiry):
    user, enquiry_id, follow_up_id = reception_with_follow_up(app, login_as, make_enquiry)
    due = today(app) + timedelta(days=2)
    before = {f.id for f in follow_up_rows(app, enquiry_id)}
    response = client.post(f"/follow-ups/{follow_up_id}/complete", data={
        "outcome": "No answer; try again", "version": "1", "schedule_next": "y", "next_kind": "call_back",
        "next_due_on": due.isoformat(), "next_due_time": "09:15", "next_assigned_to": "team",
        "next_priority": "low", "next_note": "Second try"})
    _redirected_to(response, f"/enquiries/{enquiry_id}")
    assert follow_up_row(app, follow_up_id).status is FollowUpStatus.DONE
    new = [f for f in follow_up_rows(app, enquiry_id) if f.id not in before]
    assert [(f.kind, f.due_on, f.due_time, f.assigned_to_id, f.priority, f.note, f.created_by_id) for f in new] == [
        (FollowUpKind.CALL_BACK, due, time(9, 15), None, Priority.LOW, "Second try", user.id)]


def test_a_refused_next_one_saves_nothing_not_even_the_completion(app, client, login_as, make_enquiry):
    _user, enquiry_id, follow_up_id = reception_with_follow_up(app, login_as, make_enquiry)
    before = follow_up_rows(app, enquiry_id)
    response = client.post(f"/follow-ups/{follow_up_id}/complete", data={
        "outcome": "Left a voicemail", "version": "1", "schedule_next": "y", "next_kind": "call_back",
        "next_due_on": (today(app) - timedelta(days=30)).isoformat(), "next_assigned_to": "team",
        "next_priority": "normal"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="next_due_on-error"' in body and "before the enquiry was received" in body
    assert "Left a voicemail" in body  # the input is kept
    assert [(f.id, f.status, f.version) for f in follow_up_rows(app, enquiry_id)] == [
        (f.id, f.status, f.version) for f in before]


def test_completing_with_a_move_to_lost_marks_the_enquiry_lost_with_its_reason(app, client, login_as, make_enquiry):
    _user, enquiry_id, follow_up_id = reception_with_follow_up(app, login_as, make_enquiry)
    reason = lost_reason(app)
    page = client.get(f"/follow-ups/{follow_up_id}/complete").get_data(as_text=True)
    assert '<option value="lost">Lost</option>' in page
    response = client.post(f"/follow-ups/{follow_up_id}/complete", data={
        "outcome": "Decided against it", "version": "1", "move_to": "lost", "lost_reason": str(reason)})
    _redirected_to(response, f"/enquiries/{enquiry_id}")
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        assert (enquiry.stage, enquiry.lost_reason_id) == (Stage.LOST, reason)
    assert follow_up_row(app, follow_up_id).status is FollowUpStatus.DONE
    assert not [f for f in follow_up_rows(app, enquiry_id) if f.is_open]  # the rules closed the rest


def test_moving_to_lost_needs_a_reason_beside_its_field(app, client, login_as, make_enquiry):
    _user, _enquiry_id, follow_up_id = reception_with_follow_up(app, login_as, make_enquiry)
    response = client.post(f"/follow-ups/{follow_up_id}/complete",
                           data={"outcome": "Decided against it", "version": "1", "move_to": "lost"})
    assert response.status_code == 200
    assert 'id="lost_reason-error"' in response.get_data(as_text=True)
    assert follow_up_row(app, follow_up_id).is_open


def attempts(app, enquiry_id: int) -> list[tuple[ContactOutcome, str | None, int | None]]:
    """An enquiry's logged calls: (outcome, note, by), oldest first."""
    with app.app_context():
        return [(a.outcome, a.note, a.by_id) for a in db.session.scalars(
            select(ContactAttempt).where(ContactAttempt.enquiry_id == enquiry_id).order_by(ContactAttempt.id))]


def first_contact_call_back(app, enquiry_id: int) -> FollowUp:
    """The call-back the first-contact rule put on a new enquiry."""
    return next(f for f in follow_up_rows(app, enquiry_id) if f.rule == "first_contact")


def test_a_call_back_asks_for_its_call_result_and_other_kinds_offer_it_unlogged_by_default(app, client, login_as,
                                                                                          make_enquiry):
    user = login_as("reception")
    enquiry_id = make_enquiry(by_id=user.id)
    call_back = first_contact_call_back(app, enquiry_id)
    page = client.get(f"/follow-ups/{call_back.id}/complete").get_data(as_text=True)
    assert '<label class="form-label" for="call_result">Call result</label>' in page
    assert '<option selected value="">— choose —</option>' in page and "Not a call" not in page
    assert '<option value="reached">Reached</option>' in page
    assert '<option value="voicemail">Voicemail left</option>' in page
    other = add_follow_up(app, enquiry_id, by_id=user.id, **HAND_MADE)
    page = client.get(f"/follow-ups/{other}/complete").get_data(as_text=True)
    assert "<option selected value=\"\">Not a call / don&#39;t log</option>" in page
    assert client.post(f"/follow-ups/{other}/complete", data={"outcome": "Sent the photos", "version": "1"}
                       ).status_code == 302
    assert attempts(app, enquiry_id) == []  # not a call: nothing logged


def test_completing_a_call_back_as_reached_stamps_first_contact_and_moves_a_new_enquiry_to_contacted(
        app, client, login_as, make_enquiry):
    user = login_as("reception")
    enquiry_id = make_enquiry(by_id=user.id)
    call_back = first_contact_call_back(app, enquiry_id)
    response = client.post(f"/follow-ups/{call_back.id}/complete", data={
        "outcome": "Spoke to her; she will send photos", "call_result": "reached", "version": str(call_back.version),
        "next": "/follow-ups"})
    _redirected_to(response, "/follow-ups")
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        assert enquiry.stage is Stage.CONTACTED and enquiry.first_contacted_at is not None
    assert attempts(app, enquiry_id) == [(ContactOutcome.REACHED, "Spoke to her; she will send photos", user.id)]
    done = follow_up_row(app, call_back.id)
    assert (done.status, done.outcome, done.closed_by_id) == (
        FollowUpStatus.DONE, "Spoke to her; she will send photos", user.id)


def test_three_call_backs_completed_unanswered_make_the_no_reply_suggestion(app, client, login_as, make_enquiry):
    user = login_as("reception")
    enquiry_id = make_enquiry(by_id=user.id)
    call_backs = [first_contact_call_back(app, enquiry_id).id] + [
        add_follow_up(app, enquiry_id, by_id=user.id, kind=FollowUpKind.CALL_BACK, note=HAND_MADE["note"])
        for _ in range(2)]
    for follow_up_id, result in zip(call_backs, ("no_answer", "voicemail", "no_answer"), strict=True):
        assert not [f for f in follow_up_rows(app, enquiry_id) if f.rule == "no_reply"]
        response = client.post(f"/follow-ups/{follow_up_id}/complete", headers={"Accept": "application/json"},
                               data={"outcome": "Rang, no luck", "call_result": result,
                                     "version": str(follow_up_row(app, follow_up_id).version)})
        assert response.get_json()["ok"] is True
    assert [a[0] for a in attempts(app, enquiry_id)] == [
        ContactOutcome.NO_ANSWER, ContactOutcome.VOICEMAIL, ContactOutcome.NO_ANSWER]
    [suggestion] = [f for f in follow_up_rows(app, enquiry_id) if f.rule == "no_reply"]
    assert suggestion.is_open and "3 attempts unanswered" in suggestion.note
    with app.app_context():
        assert db.session.get(Enquiry, enquiry_id).first_contacted_at is None


def test_a_call_back_without_a_call_result_is_refused_beside_the_field_and_saves_nothing(app, client, login_as,
                                                                                        make_enquiry):
    user = login_as("reception")
    enquiry_id = make_enquiry(by_id=user.id)
    call_back = first_contact_call_back(app, enquiry_id)
    before = [(f.id, f.status, f.version) for f in follow_up_rows(app, enquiry_id)]
    for sent in ({}, {"call_result": ""}, {"call_result": "maybe"}):
        response = client.post(f"/follow-ups/{call_back.id}/complete", data={
            "outcome": "Spoke to her", "version": str(call_back.version), **sent})
        assert response.status_code == 200
        expected = "Choose a call result from the list." if sent.get("call_result") else "Say whether you reached them."
        assert field_error(response, "call_result") == expected
        assert "Spoke to her" in response.get_data(as_text=True)  # the input is kept
    refused = client.post(f"/follow-ups/{call_back.id}/complete", headers={"Accept": "application/json"},
                          data={"outcome": "Spoke to her", "version": str(call_back.version)})
    assert (refused.status_code, refused.get_json()) == (
        400, {"ok": False, "errors": {"call_result": ["Say whether you reached them."]}})
    assert [(f.id, f.status, f.version) for f in follow_up_rows(app, enquiry_id)] == before
    assert attempts(app, enquiry_id) == []
    with app.app_context():
        assert db.session.get(Enquiry, enquiry_id).stage is Stage.NEW


def test_completing_goes_back_to_a_same_site_next_only(app, client, login_as, make_enquiry):
    _user, enquiry_id, first = reception_with_follow_up(app, login_as, make_enquiry)
    second = add_follow_up(app, enquiry_id, **HAND_MADE)
    assert 'name="next" value="/follow-ups?person=all"' in client.get(
        f"/follow-ups/{first}/complete?next=/follow-ups?person=all").get_data(as_text=True)
    response = client.post(f"/follow-ups/{first}/complete",
                           data={"outcome": "Done", "version": "1", "next": "/follow-ups?person=all"})
    _redirected_to(response, "/follow-ups?person=all")
    response = client.post(f"/follow-ups/{second}/complete",
                           data={"outcome": "Done", "version": "1", "next": "//evil.example/x"})
    _redirected_to(response, f"/enquiries/{enquiry_id}")


# --- cancelling and rescheduling --------------------------------------------------------------


def test_cancelling_keeps_the_reason_and_who(app, client, login_as, make_enquiry):
    user, enquiry_id, follow_up_id = reception_with_follow_up(app, login_as, make_enquiry)
    assert client.get(f"/follow-ups/{follow_up_id}/cancel").status_code == 200
    refused = client.post(f"/follow-ups/{follow_up_id}/cancel", data={"reason": "   ", "version": "1"})
    assert refused.status_code == 200 and 'id="reason-error"' in refused.get_data(as_text=True)
    assert follow_up_row(app, follow_up_id).is_open
    response = client.post(f"/follow-ups/{follow_up_id}/cancel",
                           data={"reason": "Patient asked us not to call", "version": "1"})
    _redirected_to(response, f"/enquiries/{enquiry_id}")
    assert take_flashes(client) == [("success", "Cancelled: Other for Ada Lovelace")]
    cancelled = follow_up_row(app, follow_up_id)
    assert (cancelled.status, cancelled.cancel_reason, cancelled.closed_by_id) == (
        FollowUpStatus.CANCELLED, "Patient asked us not to call", user.id)


def test_rescheduling_keeps_the_history_and_moves_when_it_falls_overdue(app, client, login_as, make_enquiry,
                                                                        make_user):
    user, enquiry_id, follow_up_id = reception_with_follow_up(app, login_as, make_enquiry)
    colleague = make_user("reception", full_name="Rita Reception")
    old = follow_up_row(app, follow_up_id)
    page = client.get(f"/follow-ups/{follow_up_id}/reschedule").get_data(as_text=True)
    assert f'value="{old.due_on.isoformat()}"' in page
    new_day = old.due_on + timedelta(days=5)
    response = client.post(f"/follow-ups/{follow_up_id}/reschedule", data={
        "due_on": new_day.isoformat(), "due_time": "16:00", "assigned_to": str(colleague.id),
        "note": "On holiday until then", "version": "1"})
    _redirected_to(response, f"/enquiries/{enquiry_id}")
    moved = follow_up_row(app, follow_up_id)
    assert (moved.due_on, moved.due_time, moved.assigned_to_id, moved.is_open) == (
        new_day, time(16, 0), colleague.id, True)
    assert moved.overdue_at > old.overdue_at
    [history] = reschedules(app, follow_up_id)
    assert (history.from_due_on, history.to_due_on, history.from_assigned_to_id, history.to_assigned_to_id,
            history.note, history.by_id) == (old.due_on, new_day, user.id, colleague.id, "On holiday until then",
                                             user.id)


def test_rescheduling_to_the_same_date_time_and_person_is_refused(app, client, login_as, make_enquiry):
    user, _enquiry_id, follow_up_id = reception_with_follow_up(app, login_as, make_enquiry)
    old = follow_up_row(app, follow_up_id)
    response = client.post(f"/follow-ups/{follow_up_id}/reschedule", data={
        "due_on": old.due_on.isoformat(), "due_time": "", "assigned_to": str(user.id), "version": "1"})
    assert response.status_code == 200
    assert "Choose a different date, time or person." in response.get_data(as_text=True)
    assert reschedules(app, follow_up_id) == []


# --- conflicts, closed and archived -----------------------------------------------------------


def moved_by_a_colleague(app, make_user, follow_up_id: int):
    """Olive Other reschedules the follow-up a day later from her own session (version 1 → 2); returns the new date."""
    other = app.test_client()
    sign_in(other, make_user("reception", full_name="Olive Other"))
    moved_to = follow_up_row(app, follow_up_id).due_on + timedelta(days=1)
    assert other.post(f"/follow-ups/{follow_up_id}/reschedule", data={
        "due_on": moved_to.isoformat(), "assigned_to": "team", "version": "1"}).status_code == 302
    return moved_to


def test_a_stale_version_answers_409_naming_who_changed_it_and_saves_nothing(app, client, login_as, make_enquiry,
                                                                             make_user):
    _user, _enquiry_id, follow_up_id = reception_with_follow_up(app, login_as, make_enquiry)
    moved_to = moved_by_a_colleague(app, make_user, follow_up_id)
    for action, data in (("complete", {"outcome": "Booked"}), ("cancel", {"reason": "Not needed"}),
                         ("reschedule", {"due_on": (moved_to + timedelta(days=1)).isoformat(),
                                         "assigned_to": "team"})):
        response = client.post(f"/follow-ups/{follow_up_id}/{action}", data={**data, "version": "1"})
        assert response.status_code == 409, action
        body = response.get_data(as_text=True)
        assert "changed by Olive Other" in body
        assert 'name="version" type="hidden" value="2"' in body or 'value="2"' in body
    stored = follow_up_row(app, follow_up_id)
    assert (stored.is_open, stored.due_on, stored.version) == (True, moved_to, 2)


def test_a_closed_follow_up_pages_say_it_is_already_done(app, client, login_as, make_enquiry):
    _user, _enquiry_id, follow_up_id = reception_with_follow_up(app, login_as, make_enquiry)
    assert client.post(f"/follow-ups/{follow_up_id}/complete",
                       data={"outcome": "Booked in", "version": "1"}).status_code == 302
    for action in ("complete", "cancel", "reschedule"):
        page = client.get(f"/follow-ups/{follow_up_id}/{action}")
        assert page.status_code == 200
        assert "This follow-up is already done" in page.get_data(as_text=True)
        again = client.post(f"/follow-ups/{follow_up_id}/{action}",
                            data={"outcome": "x", "reason": "x", "due_on": "2030-01-01", "version": "2"})
        assert again.status_code == 409 and "already done" in again.get_data(as_text=True)
    assert follow_up_row(app, follow_up_id).outcome == "Booked in"


def test_an_archived_enquiry_follow_up_pages_are_not_found(app, client, login_as, make_enquiry):
    _user, enquiry_id, follow_up_id = reception_with_follow_up(app, login_as, make_enquiry)
    with app.app_context():
        from tracker.enquiries import services as enquiries

        enquiry = db.session.get(Enquiry, enquiry_id)
        enquiries.archive(enquiry, version=enquiry.version)
        db.session.commit()
    assert client.get(f"/enquiries/{enquiry_id}/follow-ups/new").status_code == 404
    for action in ("complete", "cancel", "reschedule"):
        assert client.get(f"/follow-ups/{follow_up_id}/{action}").status_code == 404
        assert client.post(f"/follow-ups/{follow_up_id}/{action}", data={"version": "1"}).status_code == 404
    assert client.get("/follow-ups/99999999/complete").status_code == 404


def test_a_manager_may_read_the_follow_ups_but_not_act_on_them(app, client, login_as, make_enquiry, make_user):
    reception = make_user("reception")
    enquiry_id = make_enquiry(by_id=reception.id)
    follow_up_id = add_follow_up(app, enquiry_id, by_id=reception.id, **HAND_MADE)
    login_as("manager")
    assert client.get(f"/follow-ups/{follow_up_id}/complete").status_code == 403
    assert client.post(f"/enquiries/{enquiry_id}/follow-ups/new", data={}).status_code == 403


# --- the JSON answer My day's in-place completion uses ----------------------------------------

JSON = {"Accept": "application/json"}


def test_json_completion_answers_ok_with_the_next_one_id(app, client, login_as, make_enquiry):
    _user, enquiry_id, follow_up_id = reception_with_follow_up(app, login_as, make_enquiry)
    response = client.post(f"/follow-ups/{follow_up_id}/complete", headers=JSON, data={
        "outcome": "Booked", "version": "1", "schedule_next": "y", "next_kind": "other",
        "next_due_on": (today(app) + timedelta(days=3)).isoformat(), "next_assigned_to": "team",
        "next_priority": "normal"})
    assert response.status_code == 200
    answer = response.get_json()
    newest = max(f.id for f in follow_up_rows(app, enquiry_id))
    assert answer == {"ok": True, "id": follow_up_id, "next_id": newest}
    assert follow_up_row(app, follow_up_id).status is FollowUpStatus.DONE


def test_json_completion_without_a_next_one_answers_a_null_next_id(app, client, login_as, make_enquiry):
    _user, _enquiry_id, follow_up_id = reception_with_follow_up(app, login_as, make_enquiry)
    response = client.post(f"/follow-ups/{follow_up_id}/complete", headers=JSON,
                           data={"outcome": "Booked", "version": "1", "next": "/follow-ups"})
    assert (response.status_code, response.get_json()) == (200, {"ok": True, "id": follow_up_id, "next_id": None})


def test_json_refusals_answer_400_with_field_messages_or_409_with_who(app, client, login_as, make_enquiry,
                                                                      make_user):
    _user, _enquiry_id, follow_up_id = reception_with_follow_up(app, login_as, make_enquiry)
    blank = client.post(f"/follow-ups/{follow_up_id}/complete", headers=JSON, data={"outcome": " ", "version": "1"})
    assert blank.status_code == 400
    assert blank.get_json() == {"ok": False, "errors": {"outcome": ["Say what came of it."]}}
    refused = client.post(f"/follow-ups/{follow_up_id}/complete", headers=JSON, data={
        "outcome": "x", "version": "1", "schedule_next": "y", "next_due_on": "2001-01-01", "next_kind": "other",
        "next_assigned_to": "team"})
    assert refused.status_code == 400 and list(refused.get_json()["errors"]) == ["next_due_on"]
    other = app.test_client()
    sign_in(other, make_user("reception", full_name="Olive Other"))
    assert other.post(f"/follow-ups/{follow_up_id}/cancel", data={"reason": "Dup", "version": "1"}).status_code == 302
    stale = client.post(f"/follow-ups/{follow_up_id}/complete", headers=JSON, data={"outcome": "x", "version": "1"})
    assert stale.status_code == 409
    assert stale.get_json() == {"ok": False, "conflict": "already cancelled (Olive Other)"}
    assert follow_up_row(app, follow_up_id).status is FollowUpStatus.CANCELLED


def test_json_stale_version_on_an_open_one_answers_409_changed_by(app, client, login_as, make_enquiry, make_user):
    _user, _enquiry_id, follow_up_id = reception_with_follow_up(app, login_as, make_enquiry)
    moved_by_a_colleague(app, make_user, follow_up_id)
    stale = client.post(f"/follow-ups/{follow_up_id}/complete", headers=JSON, data={"outcome": "x", "version": "1"})
    assert (stale.status_code, stale.get_json()) == (409, {"ok": False, "conflict": "changed by Olive Other"})
    assert follow_up_row(app, follow_up_id).is_open
