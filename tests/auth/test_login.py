"""Signing in and out: messages, throttling, safe redirects, cookies and session lifetimes."""

import time

import pytest
from limits.storage import memory

from tests.conftest import PASSWORD, sign_in
from tracker.audit.models import AuditAction

GENERIC = b"That e-mail and password do not match an active account."


def _login(client, email, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def test_correct_credentials_sign_in_and_audit_the_login(client, make_user, audit_rows):
    user = make_user("specialist")
    response = _login(client, user.email.upper())  # e-mail is case-insensitive
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    [row] = audit_rows(action=AuditAction.LOGIN)
    assert row["actor_id"] == user.id and row["entity_id"] == user.id
    assert row["ip_address"] == "127.0.0.1" and row["request_id"]


def test_unknown_user_and_wrong_password_get_the_same_message_and_are_audited(client, make_user, audit_rows):
    user = make_user()
    unknown = _login(client, "nobody@clinic.example")
    wrong = _login(client, user.email, "not-the-right-password")
    assert unknown.status_code == wrong.status_code == 200
    assert GENERIC in unknown.data and GENERIC in wrong.data
    assert b'value="nobody@clinic.example"' in unknown.data  # the input is kept
    failures = audit_rows(action=AuditAction.LOGIN_FAILED)
    assert [f["actor_label"] for f in failures] == ["nobody@clinic.example", user.email]
    assert failures[1]["entity_id"] == user.id
    assert client.get("/").status_code == 302


def test_deactivated_account_cannot_sign_in(client, make_user):
    user = make_user(active=False)
    response = _login(client, user.email)
    assert GENERIC in response.data
    assert client.get("/").status_code == 302


def test_five_failures_lock_the_account_for_fifteen_minutes(client, make_user, audit_rows, monkeypatch):
    user = make_user()
    for _ in range(5):
        assert _login(client, user.email, "wrong-password-xx").status_code == 200
    locked = _login(client, user.email)  # even the right password is refused now
    assert locked.status_code == 429
    assert b"Sign-in is paused for 15 minutes" in locked.data
    assert audit_rows(action=AuditAction.LOGIN_THROTTLED)[0]["actor_label"] == user.email
    # Fourteen minutes on, still locked; sixteen minutes on, the right password works.
    now = time.time()
    monkeypatch.setattr(memory.time, "time", lambda: now + 14 * 60)
    assert _login(client, user.email).status_code == 429
    monkeypatch.setattr(memory.time, "time", lambda: now + 16 * 60)
    assert _login(client, user.email).status_code == 302


def test_twenty_failures_from_one_address_lock_that_address(client, make_user):
    user = make_user()
    for n in range(20):
        assert _login(client, f"guess{n}@clinic.example", "wrong-password-xx").status_code == 200
    assert _login(client, user.email).status_code == 429
    other_address = client.post("/login", data={"email": user.email, "password": PASSWORD},
                                 environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other_address.status_code == 302


def test_successful_sign_in_clears_the_account_failure_count(client, make_user):
    user = make_user()
    for _ in range(4):
        _login(client, user.email, "wrong-password-xx")
    assert _login(client, user.email).status_code == 302
    client.post("/logout")
    for _ in range(4):
        assert _login(client, user.email, "wrong-password-xx").status_code == 200
    assert _login(client, user.email).status_code == 302


@pytest.mark.parametrize("target", [
    "https://example.org/", "//example.org/", "/\\example.org", "////example.org", "http:///example.org",
    "/\t/example.org", "javascript:alert(1)", "https:example.org",
])
def test_next_never_leads_off_site(client, make_user, target):
    user = make_user()
    response = client.post("/login", query_string={"next": target}, data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_on_this_site_is_followed(client, make_user):
    user = make_user("admin")
    response = client.post("/login?next=/admin/users", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/admin/users"


def test_session_cookie_is_http_only_and_same_site_lax(client, make_user):
    user = make_user()
    response = _login(client, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires" not in cookie  # without "remember me" the cookie ends with the browser


def test_remember_me_keeps_the_cookie_for_at_most_the_session_limit(client, make_user):
    user = make_user()
    response = _login(client, user.email, remember="y")
    cookie = client.get_cookie("session")
    assert "Expires" in response.headers["Set-Cookie"]
    assert cookie.expires is not None
    assert cookie.expires.timestamp() - time.time() <= 12 * 3600 + 5


def test_sign_in_starts_a_fresh_session(client, make_user):
    user = make_user()
    with client.session_transaction() as sess:
        sess["planted"] = "by someone else"
    _login(client, user.email)
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_logout_needs_post(client, login_as):
    login_as()
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_cookie_replayed_after_logout_leads_to_sign_in(client, make_user, audit_rows):
    user = make_user()
    _login(client, user.email)
    saved = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    assert audit_rows(action=AuditAction.LOGOUT)[0]["actor_id"] == user.id
    client.set_cookie("session", saved)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, make_user, audit_rows):
    user = make_user()
    other_device = app.test_client()
    sign_in(other_device, user)
    sign_in(client, user)
    new = "quiet-harbour-violet-77"
    response = client.post("/account/password", data={"current_password": PASSWORD, "password": new, "confirm": new})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other_device.get("/").status_code == 302
    assert audit_rows(action=AuditAction.PASSWORD_CHANGED)[0]["actor_id"] == user.id
    client.post("/logout")
    assert _login(client, user.email, new).status_code == 302


def test_wrong_current_password_is_reported_beside_the_field(client, login_as):
    login_as()
    new = "quiet-harbour-violet-77"
    response = client.post("/account/password", data={"current_password": "nope-nope-nope", "password": new,
                                                      "confirm": new})
    assert response.status_code == 200
    assert b"The current password is not right." in response.data


def _age_session(client, *, idle: int, since_login: int):
    now = int(time.time())
    with client.session_transaction() as sess:
        sess["seen_at"] = now - idle
        sess["auth_at"] = now - since_login


def test_session_ends_after_thirty_minutes_idle(client, login_as):
    login_as()
    _age_session(client, idle=29 * 60, since_login=3600)
    assert client.get("/").status_code == 200
    _age_session(client, idle=31 * 60, since_login=3600)
    response = client.get("/audit")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/audit")
    assert client.get("/").status_code == 302  # and the session is gone, not just refused once


def test_session_ends_twelve_hours_after_sign_in_even_when_active(client, login_as):
    login_as()
    _age_session(client, idle=10, since_login=12 * 3600 - 60)
    assert client.get("/").status_code == 200
    _age_session(client, idle=10, since_login=12 * 3600 + 60)
    assert client.get("/").status_code == 302


def test_signed_in_user_visiting_login_goes_home(client, login_as):
    login_as()
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_changing_own_password_keeps_the_original_sign_in_time(client, login_as):
    login_as()
    with client.session_transaction() as sess:
        sess["auth_at"] = signed_in_at = int(time.time()) - 3600
    new = "quiet-harbour-violet-77"
    client.post("/account/password", data={"current_password": PASSWORD, "password": new, "confirm": new})
    with client.session_transaction() as sess:
        assert sess["auth_at"] == signed_in_at
    assert client.get("/").status_code == 200


def test_remember_me_lifetime_follows_the_configured_session_limit(database_uri):
    from datetime import timedelta

    from tests.conftest import make_test_app

    assert make_test_app(database_uri, SESSION_MAX_HOURS=1).config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=1)


def test_sign_in_succeeds_when_an_admin_saves_the_account_during_the_password_check(app, client, make_user,
                                                                                   monkeypatch):
    import threading

    from tracker.auth import services
    from tracker.auth.models import User
    from tracker.extensions import db

    user = make_user()
    real_verify = services.verify_password

    def rename():
        with app.app_context():
            db.session.get(User, user.id).full_name = "Renamed Meanwhile"
            db.session.commit()

    def verify_while_an_admin_saves(stored_hash, password):
        admin = threading.Thread(target=rename)
        admin.start()
        admin.join(timeout=1)  # PostgreSQL: the save commits now; SQLite: it waits for our write lock
        verify_while_an_admin_saves.admin = admin
        return real_verify(stored_hash, password)

    monkeypatch.setattr(services, "verify_password", verify_while_an_admin_saves)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    verify_while_an_admin_saves.admin.join()
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).full_name == "Renamed Meanwhile"
