"""The feed settings page: create, show once, copy, regenerate and revoke the address; audited; sign-in needed."""

import re

from sqlalchemy import func, select

from tracker.audit.models import AuditAction
from tracker.calendar import feeds
from tracker.calendar.models import CalendarFeed
from tracker.extensions import db


def shown_url(response) -> str | None:
    found = re.search(r'id="feed-url"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    return found.group(1) if found else None


def token_of(url: str) -> str:
    return re.fullmatch(r"http://localhost/calendar/([A-Za-z0-9_-]+)\.ics", url).group(1)


def live_count(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CalendarFeed).where(
            CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None)))


def test_without_a_feed_the_page_offers_to_create_one(client, login_as):
    login_as("reception")
    body = client.get("/calendar/feed").get_data(as_text=True)
    assert "You have no live feed address." in body
    assert "Create feed address" in body and "Regenerate address" not in body
    assert 'id="feed-url"' not in body
    for program in ("Outlook", "Google Calendar", "Apple Calendar"):
        assert program in body
    assert "Anyone who has it can see the entries" in body


def test_creating_shows_the_address_once_with_its_label_and_copy_button(app, client, login_as):
    me = login_as("specialist")
    response = client.post("/calendar/feed")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    url = shown_url(response)
    assert url is not None and len(token_of(url)) == 43  # secrets.token_urlsafe(32)
    assert '<label for="feed-url"' in body and "readonly" in body
    assert 'id="copy-feed-url"' in body and "js/calendar-feed.js" in body
    assert live_count(app, me.id) == 1
    assert client.get(f"/calendar/{token_of(url)}.ics").status_code == 200

    again = client.get("/calendar/feed")
    assert shown_url(again) is None and token_of(url) not in again.get_data(as_text=True)
    assert "You have a live feed address" in again.get_data(as_text=True)
    assert "Regenerate address" in again.get_data(as_text=True)
    with client.session_transaction() as sess:
        assert token_of(url) not in str(dict(sess))  # not kept in the (signed, readable) cookie


def test_regenerating_replaces_the_address_and_ends_the_old_one(app, client, login_as):
    me = login_as("reception")
    old = token_of(shown_url(client.post("/calendar/feed")))
    new = token_of(shown_url(client.post("/calendar/feed")))
    assert old != new and live_count(app, me.id) == 1
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200


def test_revoking_ends_the_feed_and_says_so(app, client, login_as):
    me = login_as("reception")
    token = token_of(shown_url(client.post("/calendar/feed")))
    response = client.post("/calendar/feed/revoke", follow_redirects=True)
    assert "Feed address revoked" in response.get_data(as_text=True)
    assert "You have no live feed address." in response.get_data(as_text=True)
    assert live_count(app, me.id) == 0
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    nothing = client.post("/calendar/feed/revoke", follow_redirects=True)
    assert "You have no feed address to revoke." in nothing.get_data(as_text=True)


def test_the_page_says_when_the_feed_was_made_and_last_fetched(app, client, login_as):
    login_as("reception")
    token = token_of(shown_url(client.post("/calendar/feed")))
    assert "not yet fetched by a calendar" in client.get("/calendar/feed").get_data(as_text=True)
    client.get(f"/calendar/{token}.ics")
    assert "last fetched by a calendar" in client.get("/calendar/feed").get_data(as_text=True)


def test_create_regenerate_and_revoke_are_audited_without_the_token(app, client, login_as, audit_rows):
    me = login_as("reception")
    client.post("/calendar/feed")
    client.post("/calendar/feed")
    client.post("/calendar/feed/revoke")
    rows = [r for r in audit_rows(entity_type="calendar_feeds") if r["action"] is not AuditAction.VIEW]
    assert [r["action"] for r in rows] == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.CREATE,
                                          AuditAction.UPDATE]
    assert {r["actor_id"] for r in rows} == {me.id}
    assert not any("token_hash" in (r["changes"] or {}) for r in rows)


def test_posts_need_the_csrf_token(app, client, login_as):
    me = login_as("reception")
    assert client.post("/calendar/feed", csrf=False).status_code == 400
    assert live_count(app, me.id) == 0


def test_anonymous_visitors_are_sent_to_sign_in(client, make_user):
    make_user("reception")
    for url in ("/calendar/feed", "/calendar"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    response = client.post("/calendar/feed")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_the_bench_can_make_a_feed_directly(app, make_user):
    from tracker.auth.models import User

    me = make_user("specialist")
    with app.app_context():
        token = feeds.create_feed(db.session.get(User, me.id))
        db.session.commit()
        assert feeds.feed_for_token(token).user_id == me.id
