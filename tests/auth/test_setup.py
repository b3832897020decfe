"""First run: with no account, everything leads to creating the first administrator."""

from sqlalchemy import func, select

from tracker.audit.models import AuditAction
from tracker.auth.models import User
from tracker.extensions import db

GOOD = {"full_name": "Ada Admin", "email": "Ada@Clinic.example", "password": "plum-orchard-lantern-42",
        "confirm": "plum-orchard-lantern-42"}


def _users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_every_page_leads_to_setup_while_there_is_no_account(client):
    for path in ("/", "/login", "/audit", "/admin/users", "/account/password"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/setup", path


def test_health_check_answers_before_setup(client):
    assert client.get("/healthz").status_code == 200


def test_setup_creates_an_administrator_signs_them_in_and_audits_it(app, client, audit_rows):
    response = client.post("/setup", data=GOOD)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    assert client.get("/admin/users").status_code == 200
    with app.app_context():
        admin = db.session.scalar(select(User))
        assert (admin.email, admin.role.value, admin.active) == ("ada@clinic.example", "admin", True)
    [created] = audit_rows(action=AuditAction.CREATE)
    assert created["entity_type"] == "users" and created["changes"]["role"] == [None, "admin"]


def test_setup_is_gone_once_an_account_exists(client, make_user):
    make_user()
    assert client.get("/setup").status_code == 404
    assert client.post("/setup", data=GOOD).status_code == 404


def test_weak_password_is_refused_beside_the_field_and_input_kept(app, client):
    response = client.post("/setup", data={**GOOD, "password": "password1234", "confirm": "password1234"})
    assert response.status_code == 200
    assert b"too common" in response.data and b'value="Ada Admin"' in response.data
    assert _users(app) == 0


def test_short_or_mismatched_password_is_refused(app, client):
    short = client.post("/setup", data={**GOOD, "password": "Sh0rt-pass", "confirm": "Sh0rt-pass"})
    assert b"at least 12 characters" in short.data
    differ = client.post("/setup", data={**GOOD, "confirm": "something-else-entirely"})
    assert b"The two passwords differ." in differ.data
    assert _users(app) == 0


def test_setup_without_csrf_token_is_refused_with_a_friendly_page(app, client):
    response = client.post("/setup", data=GOOD, csrf=False)
    assert response.status_code == 400
    assert b"Please try again" in response.data
    assert _users(app) == 0
