"""Security headers, CSRF, error pages, health check and proxy handling."""

import pytest
from sqlalchemy import func, select

from tests.conftest import make_test_app
from tracker.auth.models import User
from tracker.extensions import db
from tracker.permissions import public


def test_every_page_carries_the_security_headers(client, login_as):
    login_as()
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # only in production, behind TLS


def test_production_adds_hsts_and_secure_cookies(database_uri, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_uri)
    from tracker import create_app

    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": database_uri, "SECRET_KEY": "s" * 40})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_post_without_csrf_token_gets_a_friendly_400_and_changes_nothing(app, client, login_as):
    login_as("admin")
    response = client.post("/admin/users/new", csrf=False, data={
        "full_name": "X", "email": "x@clinic.example", "role": "reception",
        "password": "plum-orchard-lantern-42", "confirm": "plum-orchard-lantern-42"})
    assert response.status_code == 400 and b"Please try again" in response.data
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_logout_button_without_csrf_token_is_refused(client, login_as):
    login_as()
    assert client.post("/logout", csrf=False).status_code == 400
    assert client.get("/").status_code == 200


def test_unknown_page_is_a_friendly_404(client, login_as):
    login_as()
    response = client.get("/no-such-page")
    assert response.status_code == 404 and b"Not found" in response.data


def test_wrong_method_is_405_with_allow_header(client, login_as):
    login_as()
    response = client.post("/audit")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_unexpected_error_is_a_500_page_with_request_id_rolled_back_and_no_trace(database_uri, make_user, caplog):
    make_user()  # past first-run, so /boom itself runs
    app = make_test_app(database_uri)

    @app.route("/boom")
    @public
    def boom():
        db.session.add(User(email="half@clinic.example", full_name="Half", role="admin", password_hash="x"))
        db.session.flush()
        raise RuntimeError("kaboom")

    response = app.test_client().get("/boom", headers={"X-Request-ID": "req-12345"})
    assert response.status_code == 500
    assert b"req-12345" in response.data and b"kaboom" not in response.data and b"Traceback" not in response.data
    assert "req-12345" in caplog.text and "kaboom" in caplog.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.full_name == "Half")) == 0


def test_health_check_reports_ok_with_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "queue": "ok", "oldest_waiting_seconds": None}


def test_health_check_is_503_when_the_database_is_unreachable(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] != "ok"


@pytest.mark.parametrize(("hops", "expected"), [(0, "127.0.0.1"), (1, "203.0.113.9")])
def test_proxy_fix_decides_which_address_limits_and_audit_see(database_uri, make_user, audit_rows, hops, expected):
    app = make_test_app(database_uri, PROXY_FIX_HOPS=hops)
    user = make_user()
    app.test_client().post("/login", headers={"X-Forwarded-For": "203.0.113.9"},
                           data={"email": user.email, "password": "wrong-password-xx"})
    assert audit_rows()[-1]["ip_address"] == expected
