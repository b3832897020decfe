"""The iCalendar feed: exactly the user's items, stable UIDs, no clinical text, ended by revoking or deactivating."""

import hashlib
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from tests.builders import local
from tests.calendar.conftest import clinic_today, follow_up_ids, session_item
from tests.conftest import count_queries
from tracker.audit.models import AuditAction, AuditEvent
from tracker.auth.models import User
from tracker.bookings.models import AppointmentKind, AppointmentStatus
from tracker.calendar import feeds
from tracker.calendar.models import CalendarFeed
from tracker.catalogue.models import Treatment
from tracker.extensions import db
from tracker.followups import services as follow_ups
from tracker.followups.models import FollowUp, FollowUpKind, FollowUpStatus

BASE_URL = "https://tracker.clinic.example:8443/app"
UID_DOMAIN = "tracker.clinic.example"


def make_feed(app, user) -> str:
    """A live feed for the user, committed; returns its token."""
    with app.app_context():
        token = feeds.create_feed(db.session.get(User, user.id))
        db.session.commit()
        return token


def fetch(client, token: str, address: str = "127.0.0.1", host: str = "localhost"):
    """GET the feed as a calendar program at `address` would, through the hostname `host`."""
    return client.get(f"/calendar/{token}.ics", base_url=f"http://{host}",
                      environ_base={"REMOTE_ADDR": address})


def events(response) -> dict[str, dict]:
    """The feed's events by UID, each as a dict of its properties (decoded)."""
    assert response.status_code == 200, response.status_code
    calendar = Calendar.from_ical(response.data)
    return {str(e["uid"]): {k.lower(): e.decoded(k) for k in e} for e in calendar.walk("VEVENT")}


@pytest.fixture(autouse=True)
def base_url(app) -> None:
    """Where staff reach the tracker: feed UIDs take their domain from it, not from the request."""
    app.config["BASE_URL"] = BASE_URL


def uid(prefix: str, record_id: int) -> str:
    return f"{prefix}-{record_id}@{UID_DOMAIN}"


def test_the_feed_holds_exactly_the_users_open_follow_ups_and_booked_or_attended_appointments_in_the_window(
        app, client, make_user, enquiry_for, make_follow_up, make_appointment):
    me, colleague = make_user("specialist", full_name="Sam Specialist"), make_user("specialist")
    today = clinic_today()
    enquiry = enquiry_for("Jane", "Doe")
    mine = {
        "all_day_today": make_follow_up(enquiry, today, assigned_to_id=me.id, straight=True),
        "timed": make_follow_up(enquiry, today + timedelta(days=3), "10:15", assigned_to_id=me.id,
                                kind=FollowUpKind.DECISION_CHASE, straight=True),
        "first_day": make_follow_up(enquiry, today - timedelta(days=7), assigned_to_id=me.id, straight=True),
        "last_day": make_follow_up(enquiry, today + timedelta(days=60), assigned_to_id=me.id, straight=True),
    }
    make_follow_up(enquiry, today - timedelta(days=8), assigned_to_id=me.id, straight=True)  # before the window
    make_follow_up(enquiry, today + timedelta(days=61), assigned_to_id=me.id, straight=True)  # after it
    make_follow_up(enquiry, today, assigned_to_id=me.id, status=FollowUpStatus.DONE, straight=True)
    make_follow_up(enquiry, today, assigned_to_id=me.id, status=FollowUpStatus.CANCELLED, straight=True)
    make_follow_up(enquiry, today, assigned_to_id=colleague.id, straight=True)
    make_follow_up(enquiry, today, assigned_to_id=None, straight=True)  # the reception team's
    soon = local(today + timedelta(days=1), "11:00")
    consultation = make_appointment(enquiry, me.id, soon, minutes=45)
    session = make_appointment(enquiry, me.id, local(today - timedelta(days=2), "14:00"),
                               kind=AppointmentKind.TREATMENT_SESSION, status=AppointmentStatus.ATTENDED,
                               plan_item_id=session_item(app, enquiry, me.id), session_number=1)
    make_appointment(enquiry, me.id, soon, status=AppointmentStatus.DID_NOT_ATTEND)
    make_appointment(enquiry, me.id, soon, status=AppointmentStatus.CANCELLED)
    make_appointment(enquiry, me.id, soon, status=AppointmentStatus.REBOOKED)
    make_appointment(enquiry, colleague.id, soon)
    make_appointment(enquiry, me.id, local(today + timedelta(days=61), "09:00"))
    make_appointment(enquiry, me.id, local(today - timedelta(days=8), "09:00"))

    found = events(fetch(client, make_feed(app, me)))

    expected_follow_ups = follow_up_ids(app, FollowUp.assigned_to_id == me.id, FollowUp.status == FollowUpStatus.OPEN,
                                        FollowUp.due_on.between(today - timedelta(days=7), today + timedelta(days=60)))
    assert expected_follow_ups == set(mine.values())
    assert set(found) == ({uid("follow-up", i) for i in expected_follow_ups}
                          | {uid("appointment", consultation), uid("appointment", session)})

    all_day = found[uid("follow-up", mine["all_day_today"])]
    assert all_day["dtstart"] == today and all_day["dtend"] == today + timedelta(days=1)  # a date: all day
    assert all_day["summary"] == "Call back: Jane D."
    timed = found[uid("follow-up", mine["timed"])]
    assert timed["dtstart"] == local(today + timedelta(days=3), "10:15")
    assert timed["dtend"] - timed["dtstart"] == timedelta(minutes=15)
    assert timed["summary"] == "Decision chase: Jane D."
    booked = found[uid("appointment", consultation)]
    assert (booked["dtstart"], booked["dtend"]) == (soon, soon + timedelta(minutes=45))
    assert booked["summary"] == "Consultation: Jane D."
    assert found[uid("appointment", session)]["summary"] == "Treatment session: Jane D."
    link = f"http://localhost/enquiries/{enquiry}"
    assert {str(e["url"]) for e in found.values()} == {link}
    assert {e["description"] for e in found.values()} == {link}


def test_the_feed_is_an_rfc5545_calendar_named_for_the_clinic_and_user_refreshed_every_15_minutes(
        app, client, make_user):
    me = make_user("reception", full_name="Rita Desk")
    response = fetch(client, make_feed(app, me))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    calendar = Calendar.from_ical(response.data)
    assert calendar.name == "VCALENDAR"
    assert str(calendar["version"]) == "2.0" and str(calendar["prodid"]) == feeds.PRODID
    assert str(calendar["x-wr-calname"]) == f"{app.config['CLINIC_NAME']} – Rita Desk"
    assert calendar.decoded("refresh-interval") == timedelta(minutes=15)
    assert str(calendar["x-published-ttl"]) == "PT15M"
    assert calendar.walk("VEVENT") == []


def test_uids_are_stable_across_fetches_and_an_edit_raises_the_sequence(app, client, make_user, enquiry_for,
                                                                      make_follow_up, make_appointment):
    me = make_user("specialist")
    today = clinic_today()
    enquiry = enquiry_for()
    follow_up_id = make_follow_up(enquiry, today + timedelta(days=2), "09:00", assigned_to_id=me.id, straight=True)
    make_appointment(enquiry, me.id, local(today + timedelta(days=4), "10:00"))
    token = make_feed(app, me)
    first, second = events(fetch(client, token)), events(fetch(client, token))
    assert first == second

    with app.app_context():
        follow_up = db.session.get(FollowUp, follow_up_id)
        follow_ups.reschedule(follow_up, due_on=today + timedelta(days=5), due_time=None, assigned_to_id=me.id,
                              note=None, version=follow_up.version, by_id=None)
        db.session.commit()
    third = events(fetch(client, token))
    assert set(third) == set(first)  # the same UIDs: calendars replace the event instead of adding one
    moved = uid("follow-up", follow_up_id)
    assert third[moved]["sequence"] > first[moved]["sequence"]
    assert third[moved]["dtstart"] == today + timedelta(days=5)
    assert third[moved]["last-modified"] >= first[moved]["last-modified"]


def test_uids_are_the_same_whichever_hostname_the_calendar_uses(app, client, make_user, enquiry_for, make_follow_up,
                                                               make_appointment):
    # A calendar subscribed through a second name of the tracker must not show every event twice.
    me = make_user("specialist")
    enquiry = enquiry_for()
    follow_up_id = make_follow_up(enquiry, clinic_today() + timedelta(days=1), assigned_to_id=me.id, straight=True)
    appointment_id = make_appointment(enquiry, me.id, local(clinic_today() + timedelta(days=2), "10:00"))
    token = make_feed(app, me)

    inside, outside = (events(fetch(client, token, host=host)) for host in ("tracker.local", "clinic.example"))

    assert set(inside) == set(outside) == {uid("follow-up", follow_up_id), uid("appointment", appointment_id)}


def test_the_feed_holds_no_clinical_details_or_contact_details(app, client, make_user, enquiry_for, make_follow_up,
                                                              make_appointment):
    me = make_user("specialist")
    today = clinic_today()
    enquiry = enquiry_for("Jane", "Featherstonehaugh", phone="+447700900321",
                          caller_words="Pangolinwords about my cheeks")
    make_follow_up(enquiry, today, assigned_to_id=me.id, note="Zebranote: discussed isotretinoin", straight=True)
    make_appointment(enquiry, me.id, local(today + timedelta(days=1), "10:00"), kind=AppointmentKind.TREATMENT_SESSION,
                     session_notes="Quokkasession 1.5mm depth", plan_item_id=session_item(app, enquiry, me.id),
                     session_number=1)
    response = fetch(client, make_feed(app, me))
    body = response.get_data(as_text=True).replace("\r\n ", "")  # unfold long lines before searching
    assert "Jane F." in body
    with app.app_context():
        treatments = list(db.session.scalars(select(Treatment.name)))
    for secret in ["Featherstonehaugh", "Pangolinwords", "Zebranote", "isotretinoin", "Quokkasession", "1.5mm",
                   "7700900321", "+44", *treatments]:
        assert secret.lower() not in body.lower(), secret


def test_a_revoked_feed_is_404(app, client, make_user):
    me = make_user("reception")
    token = make_feed(app, me)
    assert fetch(client, token).status_code == 200
    with app.app_context():
        feeds.revoke(db.session.get(User, me.id))
        db.session.commit()
    assert fetch(client, token).status_code == 404


def test_regenerating_ends_the_old_address_and_the_new_one_works(app, client, make_user):
    me = make_user("reception")
    old = make_feed(app, me)
    new = make_feed(app, me)
    assert old != new
    assert fetch(client, old).status_code == 404
    assert fetch(client, new).status_code == 200
    with app.app_context():
        rows = db.session.scalars(select(CalendarFeed).where(CalendarFeed.user_id == me.id)).all()
        assert [r.revoked_at is None for r in sorted(rows, key=lambda r: r.id)] == [False, True]


def test_a_deactivated_users_feed_is_404_and_returns_with_the_account(app, client, make_user):
    me = make_user("specialist")
    token = make_feed(app, me)
    with app.app_context():
        db.session.get(User, me.id).active = False
        db.session.commit()
    assert fetch(client, token).status_code == 404
    with app.app_context():
        db.session.get(User, me.id).active = True
        db.session.commit()
    assert fetch(client, token).status_code == 200


def test_unknown_and_malformed_tokens_are_404(app, client, make_user):
    make_feed(app, make_user("reception"))
    for token in ("A" * 43, "short", "x" * 200, "feed", "has space", "%00"):
        assert fetch(client, token).status_code == 404, token


def test_fetches_beyond_the_limit_get_429_for_that_feed_only(app, client, make_user):
    busy, other = make_feed(app, make_user("reception")), make_feed(app, make_user("reception"))
    assert all(fetch(client, busy).status_code == 200 for _ in range(30))
    assert fetch(client, busy).status_code == 429
    assert fetch(client, other).status_code == 200  # one calendar cannot use up another's allowance


def test_the_limit_can_be_set_in_the_settings(app, client, make_user):
    token = make_feed(app, make_user("reception"))
    app.config["CALENDAR_FEED_RATE_LIMIT"] = "2 per minute"
    assert [fetch(client, token).status_code for _ in range(3)] == [200, 200, 429]


def test_each_fetch_is_audited_as_a_view_by_the_feeds_user_and_noted_on_the_feed(app, client, make_user, audit_rows):
    me = make_user("reception")
    token = make_feed(app, me)
    with app.app_context():
        feed_id = feeds.live_feed(me.id).id
    before = datetime.now().astimezone()
    for _ in range(3):
        assert fetch(client, token).status_code == 200
    views = audit_rows(action=AuditAction.VIEW, entity_type="calendar_feeds")
    assert len(views) == 3
    assert {(v["entity_id"], v["actor_id"]) for v in views} == {(feed_id, me.id)}
    assert all(v["changes"] == {"viewed": "calendar feed", "events": 0} for v in views)
    with app.app_context():
        assert feeds.live_feed(me.id).last_fetched_at >= before - timedelta(seconds=1)
    fetch(client, "B" * 43)  # an unknown token is not audited: there is no feed to name
    assert len(audit_rows(action=AuditAction.VIEW, entity_type="calendar_feeds")) == 3


def test_the_database_holds_only_the_tokens_hash(app, client, make_user):
    me = make_user("reception")
    token = make_feed(app, me)
    fetch(client, token)
    with app.app_context():
        feed = feeds.live_feed(me.id)
        assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
        stored = [str(getattr(feed, c.key)) for c in CalendarFeed.__table__.columns]
        stored += [str(e.changes) for e in db.session.scalars(select(AuditEvent))]
    assert not any(token in value for value in stored)


def test_the_feed_runs_the_same_statements_for_2_items_as_for_30(app, client, make_user, enquiry_for, make_follow_up,
                                                                make_appointment):
    me = make_user("specialist")
    today = clinic_today()
    token = make_feed(app, me)
    fetch(client, token)  # first request: the app's one-off checks

    def add(n: int) -> None:
        for i in range(n):
            enquiry = enquiry_for(f"Pat{i}", "Doe")
            make_follow_up(enquiry, today + timedelta(days=i % 20), "09:00" if i % 2 else None, assigned_to_id=me.id,
                           straight=True)
            make_appointment(enquiry, me.id, local(today + timedelta(days=1 + i % 20), "10:00"))

    def statements() -> int:
        with count_queries(app) as seen:
            assert fetch(client, token).status_code == 200
        return len(seen)

    add(1)
    few = statements()
    add(14)
    assert len(events(fetch(client, token))) == 30
    assert statements() == few


def test_window_edges_follow_the_clinic_calendar(app, client, make_user, enquiry_for, make_follow_up):
    me = make_user("reception")
    today = clinic_today()
    enquiry = enquiry_for()
    late = make_follow_up(enquiry, today + timedelta(days=60), "23:59", assigned_to_id=me.id, straight=True)
    early = make_follow_up(enquiry, today - timedelta(days=7), "00:00", assigned_to_id=me.id, straight=True)
    found = events(fetch(client, make_feed(app, me)))
    assert {uid("follow-up", late), uid("follow-up", early)} <= set(found)
    assert found[uid("follow-up", late)]["dtstart"] == local(today + timedelta(days=60), "23:59")
    assert found[uid("follow-up", early)]["dtstart"] == local(today - timedelta(days=7), "00:00")
