"""Administrators manage accounts; every step is audited and no secret reaches the trail."""

import json

from sqlalchemy import select

from tests.conftest import PASSWORD, sign_in
from tracker.audit.models import AuditAction
from tracker.auth.models import User
from tracker.extensions import db

NEW = {"full_name": "Rita Reception", "email": "Rita@Clinic.example", "role": "reception",
       "password": "plum-orchard-lantern-42", "confirm": "plum-orchard-lantern-42"}


def _user(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def test_admin_creates_a_user_and_the_trail_records_it_without_secrets(app, client, login_as, audit_rows):
    admin = login_as("admin")
    response = client.post("/admin/users/new", data=NEW)
    assert response.status_code == 302
    with app.app_context():
        rita = db.session.scalar(select(User).where(User.email == "rita@clinic.example"))
        secrets = (rita.password_hash, rita.session_token)
    [row] = [r for r in audit_rows(action=AuditAction.CREATE) if r["entity_id"] == rita.id]
    assert row["actor_id"] == admin.id and row["entity_type"] == "users"
    assert row["changes"]["email"] == [None, "rita@clinic.example"]
    assert row["changes"]["role"] == [None, "reception"]
    assert "password_hash" not in row["changes"] and "session_token" not in row["changes"]
    trail = json.dumps([r["changes"] for r in audit_rows()])
    assert all(secret not in trail for secret in secrets) and NEW["password"] not in trail


def test_users_page_lists_accounts_with_role_counts(client, login_as, make_user):
    login_as("admin")
    make_user("reception", full_name="Rita Reception")
    make_user("reception", full_name="Ron Reception")
    page = client.get("/admin/users").data.decode()
    assert "Rita Reception" in page and "Ron Reception" in page
    assert "Reception 2" in page and "Admin 1" in page


def test_duplicate_email_is_refused_whatever_its_case(app, client, login_as, make_user):
    login_as("admin")
    make_user(email="rita@clinic.example")
    response = client.post("/admin/users/new", data=NEW)
    assert response.status_code == 200
    assert b"Another account already uses this e-mail." in response.data


def test_role_change_is_audited_with_old_and_new_values(app, client, login_as, make_user, audit_rows):
    admin = login_as("admin")
    rita = make_user("reception")
    response = client.post(f"/admin/users/{rita.id}/edit", data={
        "full_name": rita.full_name, "email": rita.email, "role": "specialist", "version": rita.version})
    assert response.status_code == 302
    [row] = audit_rows(action=AuditAction.UPDATE, entity_id=rita.id)
    assert row["changes"] == {"role": ["reception", "specialist"]}
    assert row["actor_id"] == admin.id
    assert _user(app, rita.id).role.value == "specialist"


def test_stale_edit_gets_409_naming_who_changed_it_and_keeps_the_input(app, client, login_as, make_user):
    login_as("admin", full_name="Alex Admin")
    rita = make_user("reception")
    other_admin = make_user("admin", full_name="Beth Boss")
    other = app.test_client()
    sign_in(other, other_admin)
    assert other.post(f"/admin/users/{rita.id}/edit", data={
        "full_name": "Rita R.", "email": rita.email, "role": "reception", "version": rita.version}).status_code == 302
    response = client.post(f"/admin/users/{rita.id}/edit", data={
        "full_name": "Rita Stale", "email": rita.email, "role": "manager", "version": rita.version})
    assert response.status_code == 409
    assert b"changed by Beth Boss" in response.data
    assert b'value="Rita Stale"' in response.data
    saved = _user(app, rita.id)
    assert (saved.full_name, saved.role.value) == ("Rita R.", "reception")


def test_deactivation_signs_the_user_out_at_once_and_is_audited(app, client, login_as, make_user, audit_rows):
    login_as("admin")
    rita = make_user("reception")
    rita_browser = app.test_client()
    sign_in(rita_browser, rita)
    assert rita_browser.get("/").status_code == 200
    response = client.post(f"/admin/users/{rita.id}/deactivate", data={"version": rita.version})
    assert response.status_code == 302
    assert rita_browser.get("/").status_code == 302
    [row] = audit_rows(action=AuditAction.UPDATE, entity_id=rita.id)
    assert row["changes"] == {"active": [True, False]}
    rita_browser.post("/login", data={"email": rita.email, "password": PASSWORD})
    assert rita_browser.get("/").status_code == 302


def test_reactivated_user_can_sign_in_again(app, client, login_as, make_user):
    login_as("admin")
    rita = make_user("reception", active=False)
    assert client.post(f"/admin/users/{rita.id}/reactivate", data={"version": rita.version}).status_code == 302
    assert _user(app, rita.id).active
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": rita.email, "password": PASSWORD}).status_code == 302


def test_admin_cannot_deactivate_themselves(app, client, login_as):
    admin = login_as("admin")
    client.post(f"/admin/users/{admin.id}/deactivate", data={"version": admin.version})
    assert _user(app, admin.id).active
    assert b"You cannot deactivate your own account." in client.get("/admin/users").data


def test_the_only_administrator_cannot_be_demoted(app, client, login_as):
    admin = login_as("admin")
    response = client.post(f"/admin/users/{admin.id}/edit", data={
        "full_name": admin.full_name, "email": admin.email, "role": "manager", "version": admin.version})
    assert response.status_code == 200
    assert b"only active administrator" in response.data
    assert _user(app, admin.id).role.value == "admin"


def test_setting_a_password_ends_the_users_sessions_and_is_audited(app, client, login_as, make_user, audit_rows):
    login_as("admin")
    rita = make_user("reception")
    rita_browser = app.test_client()
    sign_in(rita_browser, rita)
    new = "quiet-harbour-violet-77"
    assert client.post(f"/admin/users/{rita.id}/password", data={"password": new, "confirm": new}).status_code == 302
    assert rita_browser.get("/").status_code == 302
    assert audit_rows(action=AuditAction.PASSWORD_SET)[0]["entity_id"] == rita.id
    assert rita_browser.post("/login", data={"email": rita.email, "password": new}).status_code == 302


def test_unknown_user_id_is_404(client, login_as):
    login_as("admin")
    assert client.get("/admin/users/999999/edit").status_code == 404
    assert client.post("/admin/users/999999/deactivate", data={"version": 1}).status_code == 404


def test_two_admins_deactivating_each_other_at_once_leave_one_active(app, make_user):
    """PostgreSQL: guards the row lock on the administrators. SQLite: guards BEGIN IMMEDIATE
    (with a deferred BEGIN the second deactivation would fail with "database is locked")."""
    import threading

    from sqlalchemy import func

    from tracker.auth import services
    from tracker.permissions import Role

    alex, beth = make_user("admin"), make_user("admin")
    refused = []

    def beth_deactivates_alex():
        with app.app_context():
            try:
                services.deactivate(db.session.get(User, alex.id), version=alex.version,
                                    by=db.session.get(User, beth.id))
                db.session.commit()
            except services.AccountRuleError as error:
                refused.append(error)
                db.session.rollback()

    with app.app_context():
        services.deactivate(db.session.get(User, beth.id), version=beth.version, by=db.session.get(User, alex.id))
        db.session.flush()  # Alex's change is made but not committed
        other = threading.Thread(target=beth_deactivates_alex)
        other.start()
        other.join(timeout=1)  # without row locks it would finish here, seeing Beth still active
        db.session.commit()
    other.join()
    assert len(refused) == 1
    with app.app_context():
        active = select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active)
        assert db.session.scalar(active) == 1


def test_users_page_runs_the_same_few_queries_however_many_accounts(app, client, login_as, make_user):
    from tests.conftest import count_queries

    login_as("admin")
    client.get("/")  # the once-per-process first-run check is not part of the page's cost
    with count_queries(app) as few:
        assert client.get("/admin/users").status_code == 200
    for _ in range(15):
        make_user("reception")
    with count_queries(app) as many:
        assert client.get("/admin/users").status_code == 200
    assert len(many) == len(few) <= 3  # begin, the signed-in user, the accounts
