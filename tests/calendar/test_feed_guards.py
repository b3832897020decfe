"""What guards a feed's secret address: never logged, guesses held off per client address, and a guess writes
nothing (so it never queues the clinic's writers behind it)."""

import json
import logging
import secrets

from sqlalchemy import event, func, select, update

from tests.calendar.test_feed import fetch, make_feed
from tracker.audit.models import AuditAction, AuditEvent
from tracker.calendar import feeds
from tracker.calendar.models import CalendarFeed
from tracker.db import utcnow
from tracker.extensions import db
from tracker.web import JsonFormatter

OTHER_ADDRESS = "192.0.2.7"


def guess() -> str:
    """A token of the real shape that opens no feed."""
    return secrets.token_urlsafe(32)


def test_no_fetch_writes_the_token_to_any_log(app, client, make_user, caplog):
    token, unknown = make_feed(app, make_user("reception")), guess()
    app.config["CALENDAR_FEED_RATE_LIMIT"] = "2 per minute"
    caplog.set_level(logging.DEBUG)

    statuses = [fetch(client, t).status_code for t in (token, token, token, unknown, "short")]

    assert statuses == [200, 200, 429, 404, 404]
    for record in caplog.records:
        logged = repr(vars(record)) + record.getMessage()
        assert token not in logged and unknown not in logged, record.name
    access = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "tracker.access"]
    assert [(line["path"], line["status"]) for line in access] == [
        ("/calendar/<redacted>.ics", status) for status in statuses]
    assert all(r.getMessage().startswith("GET /calendar/<redacted>.ics ") for r in caplog.records
               if r.name == "tracker.access")


def test_other_paths_are_logged_as_they_are(client, caplog):
    caplog.set_level("INFO", logger="tracker.access")
    client.get("/healthz")
    assert [json.loads(JsonFormatter().format(r))["path"] for r in caplog.records if r.name == "tracker.access"] == [
        "/healthz"]


def test_guessing_tokens_from_one_address_gets_429_after_the_limit_and_other_addresses_are_unaffected(
        app, client, make_user):
    token = make_feed(app, make_user("reception"))
    app.config["CALENDAR_FEED_ADDRESS_LIMIT"] = "5 per minute"

    guesses = [fetch(client, guess()).status_code for _ in range(6)]

    assert guesses == [404] * 5 + [429]  # each guess is a fresh token: the per-feed limit alone never stops them
    assert fetch(client, token).status_code == 429  # the guessing address is held off every feed for a while
    assert fetch(client, token, address=OTHER_ADDRESS).status_code == 200
    assert fetch(client, guess(), address=OTHER_ADDRESS).status_code == 404


def test_real_feeds_fetched_from_one_address_do_not_use_up_its_allowance(app, client, make_user):
    # A calendar service (Google's, Microsoft's) fetches many clinics' and staff's feeds from few addresses.
    app.config["CALENDAR_FEED_ADDRESS_LIMIT"] = "2 per minute"
    tokens = [make_feed(app, make_user("reception")) for _ in range(3)]

    assert [fetch(client, t).status_code for t in tokens * 2] == [200] * 6
    assert [fetch(client, guess()).status_code for _ in range(3)] == [404, 404, 429]


def test_an_unknown_token_leaves_the_database_untouched_and_takes_no_write_lock(app, client, make_user, audit_rows):
    token = make_feed(app, make_user("reception"))
    fetch(client, token)  # first request: the app's one-off checks
    before = audit_rows()
    with app.app_context():
        feed_before = {c.key: getattr(row, c.key) for row in db.session.scalars(select(CalendarFeed))
                       for c in CalendarFeed.__table__.columns}
        engine = db.engine
    sent: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        sent.append(statement.lstrip().upper())

    event.listen(engine, "before_cursor_execute", note)
    try:
        assert fetch(client, guess()).status_code == 404
    finally:
        event.remove(engine, "before_cursor_execute", note)

    assert sent  # the token was looked up...
    # ...by reading only: no write, and on SQLite no BEGIN IMMEDIATE (which would queue every writer behind it).
    assert not [s for s in sent if s.startswith(("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE"))], sent
    assert audit_rows() == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == len(before)
        assert {c.key: getattr(row, c.key) for row in db.session.scalars(select(CalendarFeed))
                for c in CalendarFeed.__table__.columns} == feed_before


def test_a_known_token_is_still_recorded_after_the_read(app, client, make_user, audit_rows):
    token = make_feed(app, make_user("reception"))
    assert fetch(client, token).status_code == 200
    with app.app_context():
        feed = db.session.scalar(select(CalendarFeed))
        assert feed.last_fetched_at is not None
    assert len(audit_rows(entity_type="calendar_feeds", action=AuditAction.VIEW)) == 1


def test_another_worker_writing_while_the_feed_is_read_does_not_fail_the_fetch(app, client, make_user, monkeypatch,
                                                                                audit_rows):
    # On SQLite a transaction that has read cannot then write once another worker has written (it fails at
    # once, whatever the busy timeout): the fetch is recorded in a transaction of its own, begun by the write.
    token, other = make_feed(app, make_user("reception")), make_user("reception")
    make_feed(app, other)
    ics = feeds.ics

    def ics_while_another_worker_writes(*args, **kwargs):
        made = ics(*args, **kwargs)
        with db.engine.begin() as connection:
            connection.execute(update(CalendarFeed.__table__).where(CalendarFeed.user_id == other.id)
                               .values(last_fetched_at=utcnow()))
        return made

    monkeypatch.setattr(feeds, "ics", ics_while_another_worker_writes)

    assert fetch(client, token).status_code == 200
    assert len(audit_rows(entity_type="calendar_feeds", action=AuditAction.VIEW)) == 1
