"""Calendar feed addresses (made, regenerated, revoked, looked up) and the iCalendar body a feed serves.

The token is shown once, when it is made; only its SHA-256 is stored, so a copy of the database
cannot be used to read anyone's feed. The body holds no clinical details: the kind of item, the
patient's first name and surname initial, and a link to the enquiry, which asks for a sign-in.
"""

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import date, timedelta
from urllib.parse import urlsplit

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from tracker.audit import services as audit
from tracker.audit.models import AuditAction
from tracker.auth.models import User
from tracker.calendar.models import CalendarFeed
from tracker.calendar.queries import Entry, feed_entries
from tracker.db import utcnow
from tracker.extensions import db
from tracker.patients.names import short_name

# What secrets.token_urlsafe(32) makes (43 characters), with room to spare; anything else is not a token.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")
PRODID = "-//Clinic tracker//Follow-ups calendar//EN"
REFRESH = timedelta(minutes=15)


def token_hash(token: str) -> str:
    """The SHA-256 hex of a token: what is stored, looked up and rate-limited on."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def live_feed(user_id: int) -> CalendarFeed | None:
    """The user's feed that is not revoked, if any."""
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user_id,
                                                        CalendarFeed.revoked_at.is_(None)))


def _lock_user(user_id: int) -> None:
    # Two clicks at once (two tabs) would each revoke and add; the second waits here instead of
    # tripping the one-live-feed index. SQLite's write transactions are serial already.
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())


def revoke(user: User) -> CalendarFeed | None:
    """End the user's live feed (calendars subscribed to it get 404 from now on); the feed, or None."""
    _lock_user(user.id)
    feed = live_feed(user.id)
    if feed is not None:
        feed.revoked_at = utcnow()
        db.session.flush()
    return feed


def create_feed(user: User) -> str:
    """A new feed address for the user, replacing any live one; returns the token (shown once, never stored)."""
    revoke(user)
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarFeed(user_id=user.id, token_hash=token_hash(token), created_at=utcnow()))
    db.session.flush()
    return token


def feed_for_token(token: str) -> CalendarFeed | None:
    """The live feed a token opens, with its user; None when unknown, revoked, or its user is deactivated."""
    if not _TOKEN_SHAPE.fullmatch(token):
        return None
    stmt = (select(CalendarFeed).join(CalendarFeed.user).options(contains_eager(CalendarFeed.user))
            .where(CalendarFeed.token_hash == token_hash(token), CalendarFeed.revoked_at.is_(None), User.active))
    return db.session.scalar(stmt)


def record_fetch(feed: CalendarFeed, events: int) -> None:
    """Note that a calendar program fetched the feed (when, and an audit VIEW by the feed's user), in a transaction
    that starts with the write; the caller commits.

    The token was looked up and the body read in a transaction of their own, ended here (the loaded objects stay
    as they were). So a token that opens nothing never takes a write lock (on SQLite, one write at a time: guesses
    would queue every writer behind them), and SQLite never has to turn a reading transaction into a writing one,
    which fails at once if another worker wrote in between (as audit.record_view_after_reading).
    """
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("record_fetch would discard pending changes; commit or roll back first")
    db.session.close()
    db.session.add(feed)  # back into the session as it was loaded: no read
    feed.last_fetched_at = utcnow()
    audit.record(AuditAction.VIEW, entity=feed, actor_id=feed.user_id,
                 changes={"viewed": "calendar feed", "events": events})


def summary(entry: Entry) -> str:
    """What a calendar shows for an item: "Call back: Jane D." (first name and surname initial only)."""
    return f"{entry.kind}: {short_name(entry.first_name, entry.last_name)}"


def uid_domain(base_url: str) -> str:
    """The domain of every event's UID: BASE_URL's host, the same whichever hostname a calendar fetched through
    (a request's Host would make a second subscription's events look new, so show twice)."""
    return (urlsplit(base_url).hostname or "localhost").lower()


def _event(entry: Entry, *, domain: str, url: str) -> Event:
    event = Event()
    event.add("uid", f"{entry.key}@{domain}")
    # No METHOD on the calendar, so DTSTAMP is the item's last change (RFC 5545 3.8.7.2).
    event.add("dtstamp", entry.updated_at)
    event.add("last-modified", entry.updated_at)
    event.add("sequence", max(0, entry.version - 1))
    event.add("summary", summary(entry))
    if entry.starts_at is None:  # an all-day follow-up
        event.add("dtstart", entry.day)
        event.add("dtend", entry.day + timedelta(days=1))
    else:
        event.add("dtstart", entry.starts_at)
        event.add("dtend", entry.ends_at)
    event.add("url", url)
    event.add("description", url)
    event.add("class", "PRIVATE")
    # A follow-up is a task, not a meeting: it should not block the day in free/busy.
    event.add("transp", "TRANSPARENT" if entry.key.startswith("follow-up-") else "OPAQUE")
    return event


def ics(feed: CalendarFeed, *, clinic_name: str, domain: str, enquiry_url: Callable[[int], str],
        today: date) -> tuple[bytes, int]:
    """The feed's iCalendar body (RFC 5545) and how many events it holds."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{clinic_name} – {feed.user.full_name}")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    entries = sorted(feed_entries(feed.user_id, today), key=lambda e: e.sort_key)
    for entry in entries:
        calendar.add_component(_event(entry, domain=domain, url=enquiry_url(entry.enquiry_id)))
    return calendar.to_ical(), len(entries)
