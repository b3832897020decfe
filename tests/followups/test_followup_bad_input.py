"""Bad input on the follow-up forms: a clear message beside the field, the input kept, nothing stored, never a 500."""

from datetime import date, timedelta

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.builders import HAND_MADE, add_follow_up, follow_up_rows, lost_reason, today
from tests.pages import explains, field_error, input_value, same_site_path
from tests.properties import (
    DIGIT_LIKE,
    HOSTILE,
    PROPERTY,
    VERSION_TEXT,
    as_int,
    checked,
    has_control,
    parses,
    storable_text,
)
from tracker.db import utcnow
from tracker.enquiries.models import ContactAttempt, Enquiry, StageChange
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.followups.models import FollowUp, FollowUpStatus, Reschedule


def _snapshot(app) -> dict:
    """Everything the follow-up forms can write, to compare before and after a refused request."""
    with app.app_context():
        follow_ups = [(f.id, f.status, f.version, f.due_on, f.due_time, f.assigned_to_id, f.outcome, f.cancel_reason)
                      for f in db.session.scalars(select(FollowUp).order_by(FollowUp.id))]
        enquiries = [(e.id, e.stage, e.version) for e in db.session.scalars(select(Enquiry).order_by(Enquiry.id))]
        counts = [db.session.scalar(select(func.count()).select_from(m))
                  for m in (Reschedule, StageChange, ContactAttempt)]
        return {"follow_ups": follow_ups, "enquiries": enquiries, "counts": counts}


def _valid(app, **changes) -> dict:
    data = {"kind": "call_back", "due_on": (today(app) + timedelta(days=2)).isoformat(), "due_time": "10:00",
            "assigned_to": "team", "priority": "normal", "note": "Keep this note"}
    return {**data, **changes}


def _set_stage(app, enquiry_id: int, stage: Stage) -> None:
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        enquiry.stage = stage
        enquiry.lost_from_stage = Stage.NEW if stage is Stage.LOST else None
        db.session.commit()


def _spring_forward_after(start: date) -> date:
    """The next last Sunday of March (the clocks go forward at 01:00 in Europe/London)."""
    for year in (start.year, start.year + 1):
        day = date(year, 3, 31)
        day -= timedelta(days=(day.weekday() + 1) % 7)
        if day > start:
            return day
    raise AssertionError("unreachable")


@pytest.fixture
def desk(app, login_as, make_enquiry):
    """Reception signed in, with an enquiry of theirs: (user, enquiry id)."""
    user = login_as("reception")
    return user, make_enquiry(by_id=user.id)


# --- each refusal the issue names ---------------------------------------------------------------

@pytest.mark.parametrize(("field", "changes", "message"), [
    ("due_on", {"due_on": "2001-01-01"}, "before the enquiry was received"),
    ("due_on", {"due_on": ""}, "Choose the date it is due."),
    ("due_on", {"due_on": "  "}, "Choose the date it is due."),
    ("due_on", {"due_on": "31/02/2026"}, "Enter a real date"),
    ("due_on", {"due_on": "0202-01-01"}, "Enter a date between 2000 and 2200."),
    ("due_time", {"due_time": "24:00"}, "from 00:00 to 23:59"),
    ("due_time", {"due_time": "12:60"}, "from 00:00 to 23:59"),
    ("due_time", {"due_time": "7pm"}, "from 00:00 to 23:59"),
    ("due_time", {"due_time": "-1:30"}, "from 00:00 to 23:59"),
    ("due_time", {"due_time": "\u0661\u0662:30"}, "from 00:00 to 23:59"),
    ("kind", {"kind": "lunch"}, "Choose a kind from the list."),
    ("priority", {"priority": "urgent"}, "Choose high, normal or low."),
    ("assigned_to", {"assigned_to": "99999"}, "Choose someone from the list, or the reception team."),
    ("assigned_to", {"assigned_to": "nobody"}, "Choose someone from the list, or the reception team."),
    ("note", {"note": "a\x00b"}, "cannot be stored"),
])
def test_adding_refuses_bad_input_beside_its_field_and_keeps_the_rest(app, client, desk, field, changes, message):
    _user, enquiry_id = desk
    before = _snapshot(app)
    response = client.post(f"/enquiries/{enquiry_id}/follow-ups/new", data=_valid(app, **changes))
    assert response.status_code == 200
    assert message in (field_error(response, field) or ""), response.get_data(as_text=True)[-3000:]
    if field != "due_on":
        assert input_value(response, "due_on") == _valid(app)["due_on"]
    assert _snapshot(app) == before


def test_a_due_date_more_than_two_years_ahead_is_refused(app, client, desk):
    _user, enquiry_id = desk
    too_far = today(app) + timedelta(days=2 * 366 + 1)
    response = client.post(f"/enquiries/{enquiry_id}/follow-ups/new",
                           data=_valid(app, due_on=too_far.isoformat()))
    assert "within the next 2 years" in field_error(response, "due_on")
    assert not [f for f in follow_up_rows(app, enquiry_id) if f.rule is None]


def test_a_time_the_clocks_skip_is_refused_beside_the_time(app, client, desk):
    _user, enquiry_id = desk
    day = _spring_forward_after(today(app))
    response = client.post(f"/enquiries/{enquiry_id}/follow-ups/new",
                           data=_valid(app, due_on=day.isoformat(), due_time="01:30"))
    assert "clocks go forward" in field_error(response, "due_time")
    assert input_value(response, "due_time") == "01:30"
    assert not [f for f in follow_up_rows(app, enquiry_id) if f.rule is None]


def test_a_deactivated_assignee_is_refused_by_name(app, client, desk, make_user):
    _user, enquiry_id = desk
    gone = make_user("reception", full_name="Gone Person", active=False)
    response = client.post(f"/enquiries/{enquiry_id}/follow-ups/new", data=_valid(app, assigned_to=str(gone.id)))
    assert "Gone Person is deactivated" in field_error(response, "assigned_to")
    assert input_value(response, "due_time") == "10:00"
    assert not [f for f in follow_up_rows(app, enquiry_id) if f.rule is None]


@pytest.mark.parametrize(("stage", "message"), [(Stage.LOST, "This enquiry is lost"),
                                                (Stage.COMPLETED, "This enquiry is completed")])
def test_a_lost_or_completed_enquiry_takes_no_follow_up(app, client, desk, stage, message):
    _user, enquiry_id = desk
    _set_stage(app, enquiry_id, stage)
    page = client.get(f"/enquiries/{enquiry_id}/follow-ups/new")
    assert page.status_code == 200 and message in page.get_data(as_text=True)
    before = _snapshot(app)
    response = client.post(f"/enquiries/{enquiry_id}/follow-ups/new", data=_valid(app))
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert _snapshot(app) == before


def test_an_archived_enquiry_takes_no_follow_up(app, client, desk):
    _user, enquiry_id = desk
    with app.app_context():
        db.session.get(Enquiry, enquiry_id).archived_at = utcnow()
        db.session.commit()
    assert client.post(f"/enquiries/{enquiry_id}/follow-ups/new", data=_valid(app)).status_code == 404


def test_the_next_one_is_checked_like_a_new_one_beside_its_own_fields(app, client, desk, make_user):
    user, enquiry_id = desk
    follow_up_id = add_follow_up(app, enquiry_id, by_id=user.id, **HAND_MADE)
    gone = make_user("reception", full_name="Gone Person", active=False)
    before = _snapshot(app)
    base = {"outcome": "Spoke to them", "version": "1", "schedule_next": "y", "next_kind": "other",
            "next_due_on": (today(app) + timedelta(days=1)).isoformat(), "next_assigned_to": "team",
            "next_priority": "normal"}
    for field, value, message in (("next_assigned_to", str(gone.id), "Gone Person is deactivated"),
                                  ("next_due_time", "25:00", "from 00:00 to 23:59"),
                                  ("next_kind", "lunch", "Choose a kind from the list."),
                                  ("next_due_on", "", "Choose the date the next one is due.")):
        response = client.post(f"/follow-ups/{follow_up_id}/complete", data={**base, field: value})
        assert response.status_code == 200
        assert message in (field_error(response, field) or ""), field
        assert "Spoke to them" in response.get_data(as_text=True)
    assert _snapshot(app) == before


def test_the_next_ones_fields_are_ignored_when_it_is_not_asked_for(app, client, desk):
    user, enquiry_id = desk
    follow_up_id = add_follow_up(app, enquiry_id, by_id=user.id, **HAND_MADE)
    response = client.post(f"/follow-ups/{follow_up_id}/complete", data={
        "outcome": "Spoke to them", "version": "1", "next_due_time": "99:99", "next_kind": "lunch"})
    assert response.status_code == 302
    assert [f.status for f in follow_up_rows(app, enquiry_id) if f.id == follow_up_id] == [FollowUpStatus.DONE]


def test_a_stage_move_the_page_does_not_offer_is_refused(app, client, desk):
    user, enquiry_id = desk
    follow_up_id = add_follow_up(app, enquiry_id, by_id=user.id, **HAND_MADE)
    before = _snapshot(app)
    for move in ("completed", "consulted", "contacted", "nowhere"):
        response = client.post(f"/follow-ups/{follow_up_id}/complete",
                               data={"outcome": "x", "version": "1", "move_to": move})
        assert "not offered" in (field_error(response, "move_to") or ""), move
    response = client.post(f"/follow-ups/{follow_up_id}/complete",
                           data={"outcome": "x", "version": "1", "move_to": "lost", "lost_reason": "99999"})
    assert field_error(response, "lost_reason")
    assert _snapshot(app) == before


def test_rescheduling_refuses_a_deactivated_new_owner_but_keeps_a_deactivated_current_one(app, client, desk,
                                                                                         make_user):
    user, enquiry_id = desk
    leaver = make_user("reception", full_name="Lee Leaver")
    follow_up_id = add_follow_up(app, enquiry_id, by_id=user.id, assigned_to_id=leaver.id, **HAND_MADE)
    gone = make_user("reception", full_name="Gone Person", active=False)
    with app.app_context():
        from tracker.auth.models import User

        db.session.get(User, leaver.id).active = False
        db.session.commit()
    page = client.get(f"/follow-ups/{follow_up_id}/reschedule").get_data(as_text=True)
    assert "Lee Leaver (deactivated)" in page
    day = follow_up_rows(app, enquiry_id)[-1].due_on
    refused = client.post(f"/follow-ups/{follow_up_id}/reschedule",
                          data={"due_on": day.isoformat(), "assigned_to": str(gone.id), "version": "1"})
    assert "Gone Person is deactivated" in field_error(refused, "assigned_to")
    moved = client.post(f"/follow-ups/{follow_up_id}/reschedule", data={
        "due_on": (day + timedelta(days=1)).isoformat(), "assigned_to": str(leaver.id), "version": "1"})
    assert moved.status_code == 302


# --- properties: arbitrary input never 500s and never saves half-way -------------------------

def _maybe(strategy):
    """A form value, or None for a field the request leaves out."""
    return st.one_of(st.none(), strategy)


def _forms(good: dict, bad: dict):
    """Form data: each field's good value, with up to two fields swapped for anything at all (or left out)."""

    @st.composite
    def build(draw) -> dict:
        data = {name: draw(strategy) for name, strategy in good.items()}
        for name in draw(st.sets(st.sampled_from(sorted(bad)), max_size=2)):
            data[name] = draw(_maybe(bad[name]))
        return data

    return build()


def _dates(app):
    start = today(app)
    return st.one_of(st.integers(-400, 900).map(lambda d: (start + timedelta(days=d)).isoformat()),
                     st.integers(-10, 900).map(lambda d: (start + timedelta(days=d)).strftime("%d/%m/%Y")),
                     st.sampled_from(["", "0202-01-01", "9999-12-31", "2026-02-30", "tomorrow"]), HOSTILE)


def _good_dates(app):
    start = today(app)
    return st.integers(0, 60).map(lambda d: (start + timedelta(days=d)).isoformat())


TIMES = st.one_of(st.sampled_from(["", "09:00", "00:00", "23:59", "24:00", "12:60", "7pm", " 08:30 ", "1:05"]),
                  st.times().map(lambda t: t.strftime("%H:%M")), HOSTILE)
GOOD_TIMES = st.sampled_from(["", "09:00", "17:45"])
KINDS = st.one_of(st.sampled_from(["call_back", "review", "other", "Call back", ""]), HOSTILE)
GOOD_KINDS = st.sampled_from(["call_back", "review", "other"])
PRIORITIES = st.one_of(st.sampled_from(["high", "normal", "low", "HIGH", ""]), HOSTILE)
GOOD_PRIORITIES = st.sampled_from(["high", "normal", "low"])
NOTES = st.one_of(storable_text(max_size=60), HOSTILE)
WORDS = st.text("abcdefghij XYZ'<>&", min_size=1, max_size=30).filter(str.strip)
VERSIONS = st.one_of(st.just("1"), VERSION_TEXT)
GOOD_CALLS = st.sampled_from(["", "reached", "no_answer", "voicemail", "wrong_number", "message_sent"])
CALLS = st.one_of(st.sampled_from(["", "reached", "Reached", "REACHED", "none", " no_answer"]), HOSTILE)


def _assignees(ids: list[int]):
    return st.one_of(st.sampled_from(["team", *map(str, ids), "0", "-1", "99999999999", ""]), DIGIT_LIKE, HOSTILE)


def _send(data: dict) -> dict:
    return {name: value for name, value in data.items() if value is not None}


def _refused_cleanly(app, response, before: dict) -> None:
    assert response.status_code in (200, 400, 409), response.status_code
    assert explains(response) or 'data-testid="refusal"' in response.get_data(as_text=True)
    assert _snapshot(app) == before


def _date_of(text: str | None):
    found = parses(text or "", "%Y-%m-%d", "%d/%m/%Y")
    return found.date() if found else None


def test_the_add_form_with_any_input_never_500s_and_stores_only_what_it_was_given(app, client, desk, make_user):
    user, enquiry_id = desk
    gone = make_user("reception", active=False)
    fields = _forms({"kind": GOOD_KINDS, "due_on": _good_dates(app), "due_time": GOOD_TIMES,
                     "assigned_to": st.sampled_from(["team", str(user.id)]), "priority": GOOD_PRIORITIES,
                     "note": storable_text(max_size=40)},
                    {"kind": KINDS, "due_on": _dates(app), "due_time": TIMES,
                     "assigned_to": _assignees([user.id, gone.id]), "priority": PRIORITIES, "note": NOTES})

    @PROPERTY
    @given(data=fields)
    def run(data):
        before = _snapshot(app)
        response = client.post(f"/enquiries/{enquiry_id}/follow-ups/new", data=_send(data))
        event(f"answered {response.status_code}")
        if response.status_code != 302:
            _refused_cleanly(app, response, before)
            return
        assert same_site_path(response.headers["Location"]) == f"/enquiries/{enquiry_id}"
        known = {f[0] for f in before["follow_ups"]}
        [new] = [f for f in follow_up_rows(app, enquiry_id) if f.id not in known]
        assert not any(has_control(v or "") for v in data.values())
        assert new.kind.value == (data["kind"] or "call_back") and new.due_on == _date_of(data["due_on"])
        assert new.assigned_to_id == (None if data["assigned_to"] == "team" else int(data["assigned_to"]))
        assert new.note == ((data["note"] or "").strip() or None)

    run()


def test_the_complete_form_with_any_input_never_500s_and_saves_all_or_nothing(app, client, desk):
    user, _enquiry_id = desk
    reason = lost_reason(app)
    fields = _forms(
        {"outcome": WORDS, "version": st.just("1"), "call_result": _maybe(GOOD_CALLS),
         "schedule_next": st.sampled_from([None, "y"]),
         "next_kind": GOOD_KINDS, "next_due_on": _good_dates(app), "next_due_time": GOOD_TIMES,
         "next_assigned_to": st.sampled_from(["team", str(user.id)]), "next_priority": GOOD_PRIORITIES,
         "next_note": storable_text(max_size=40), "move_to": st.sampled_from([None, "", "lost"]),
         "lost_reason": st.just(str(reason))},
        {"outcome": st.one_of(storable_text(max_size=40), HOSTILE), "version": VERSIONS, "call_result": CALLS,
         "schedule_next": st.sampled_from(["y", "", "false", "\x00", "on"]), "next_kind": KINDS,
         "next_due_on": _dates(app), "next_due_time": TIMES, "next_assigned_to": _assignees([user.id]),
         "next_priority": PRIORITIES, "next_note": NOTES,
         "move_to": st.one_of(st.sampled_from(["", "lost", "contacted", "completed"]), HOSTILE),
         "lost_reason": st.one_of(st.sampled_from(["", str(reason), "99999"]), HOSTILE, DIGIT_LIKE)})

    @PROPERTY
    @given(data=fields)
    def run(data):
        enquiry_id = _fresh_enquiry(app, user.id)
        follow_up_id = add_follow_up(app, enquiry_id, by_id=user.id, **HAND_MADE)
        before = _snapshot(app)
        response = client.post(f"/follow-ups/{follow_up_id}/complete", data=_send(data))
        event(f"answered {response.status_code}")
        if response.status_code != 302:
            _refused_cleanly(app, response, before)
            return
        after = follow_up_rows(app, enquiry_id)
        done = next(f for f in after if f.id == follow_up_id)
        assert (done.status, done.outcome) == (FollowUpStatus.DONE, data["outcome"].strip())
        made = [f for f in after if f.id > follow_up_id]
        assert len(made) == (1 if checked(data["schedule_next"]) else 0)
        with app.app_context():
            stage = db.session.get(Enquiry, enquiry_id).stage
        assert (stage is Stage.LOST) == (data["move_to"] == "lost")
        logged = [(a.outcome.value, a.note) for a in _attempts(app, enquiry_id)]
        assert logged == ([(data["call_result"], data["outcome"].strip())] if data["call_result"] else [])

    run()


def _attempts(app, enquiry_id: int) -> list[ContactAttempt]:
    with app.app_context():
        found = list(db.session.scalars(select(ContactAttempt).where(ContactAttempt.enquiry_id == enquiry_id)))
        db.session.expunge_all()
        return found


def _fresh_enquiry(app, by_id: int) -> int:
    from tracker.enquiries import services as enquiries
    from tracker.enquiries.models import Channel
    from tracker.patients import services as patients

    with app.app_context():
        patient = patients.create_patient(patients.PatientDetails(first_name="Ann", last_name="Lee",
                                                                  phone="+447700900123"))
        details = enquiries.EnquiryDetails(channel=Channel.PHONE, received_at=utcnow() - timedelta(hours=1))
        enquiry = enquiries.log_enquiry(patient, details, by_id=by_id)
        db.session.commit()
        return enquiry.id


def test_the_cancel_form_with_any_input_never_500s_and_cancels_only_with_a_reason(app, client, desk):
    user, enquiry_id = desk
    fields = _forms({"reason": WORDS, "version": st.just("1")},
                    {"reason": st.one_of(storable_text(max_size=40), HOSTILE), "version": VERSIONS})

    @PROPERTY
    @given(data=fields)
    def run(data):
        follow_up_id = add_follow_up(app, enquiry_id, by_id=user.id, **HAND_MADE)
        before = _snapshot(app)
        response = client.post(f"/follow-ups/{follow_up_id}/cancel", data=_send(data))
        event(f"answered {response.status_code}")
        if response.status_code != 302:
            _refused_cleanly(app, response, before)
            return
        cancelled = next(f for f in follow_up_rows(app, enquiry_id) if f.id == follow_up_id)
        assert (cancelled.status, cancelled.cancel_reason) == (FollowUpStatus.CANCELLED, data["reason"].strip())
        assert as_int(data["version"]) == 1 and not has_control(data["reason"])

    run()


def test_the_reschedule_form_with_any_input_never_500s_and_keeps_history_for_every_move(app, client, desk):
    user, enquiry_id = desk
    fields = _forms({"due_on": _good_dates(app), "due_time": GOOD_TIMES,
                     "assigned_to": st.sampled_from(["team", str(user.id)]), "note": storable_text(max_size=40),
                     "version": st.just("1")},
                    {"due_on": _dates(app), "due_time": TIMES, "assigned_to": _assignees([user.id]), "note": NOTES,
                     "version": VERSIONS})

    @PROPERTY
    @given(data=fields)
    def run(data):
        follow_up_id = add_follow_up(app, enquiry_id, by_id=user.id, **HAND_MADE)
        before = _snapshot(app)
        response = client.post(f"/follow-ups/{follow_up_id}/reschedule", data=_send(data))
        event(f"answered {response.status_code}")
        if response.status_code != 302:
            _refused_cleanly(app, response, before)
            return
        moved = next(f for f in follow_up_rows(app, enquiry_id) if f.id == follow_up_id)
        assert moved.is_open and moved.due_on == _date_of(data["due_on"]) and moved.version == 2
        with app.app_context():
            history = list(db.session.scalars(select(Reschedule).where(Reschedule.follow_up_id == follow_up_id)))
        assert [(h.to_due_on, h.to_due_time, h.to_assigned_to_id) for h in history] == [
            (moved.due_on, moved.due_time, moved.assigned_to_id)]

    run()
