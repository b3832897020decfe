"""The API keys page: list, make (the secret shown once, only its hash kept), revoke; who may use it."""

import re

import pytest
from sqlalchemy import select

from tests.conftest import count_queries
from tests.intake.api_helpers import key_row, make_key, send
from tracker.audit.models import AuditAction
from tracker.extensions import db
from tracker.intake import keys
from tracker.intake.models import ApiKey

PAGE = "/admin/api-keys"


def _secret_on(page: str) -> str:
    found = re.search(r'value="(ct_[0-9a-f]{8}_[A-Za-z0-9_-]{43})"', page)
    assert found, "the new key is not on the page"
    return found[1]


def test_making_a_key_shows_it_once_uncached_and_stores_only_its_hash(app, client, login_as, audit_rows):
    login_as("admin")
    response = client.post(PAGE, data={"name": "Clinic website"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = _secret_on(response.get_data(as_text=True))
    with client.session_transaction() as session:
        assert secret not in repr(dict(session))  # not in a flash, nor anywhere else in the cookie
    with app.app_context():
        key = db.session.scalar(select(ApiKey))
        assert (key.name, key.secret_hash, key.prefix) == ("Clinic website", keys.key_hash(secret), secret[3:11])
        assert secret not in repr({c.name: getattr(key, c.name) for c in ApiKey.__table__.columns})
    assert secret not in client.get(PAGE).get_data(as_text=True)
    created = audit_rows(entity_type="api_keys", action=AuditAction.CREATE)
    assert len(created) == 1
    assert "secret_hash" not in created[0]["changes"]


@pytest.mark.parametrize(("name", "message"), [("", "Enter a name for the key."),
                                               ("x" * 81, "Field cannot be longer than 80 characters.")])
def test_a_key_needs_a_name_of_at_most_80_characters(app, client, login_as, name, message):
    login_as("admin")
    response = client.post(PAGE, data={"name": name})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ApiKey)) is None


def test_the_list_shows_each_key_with_its_maker_last_use_and_revocation(app, client, login_as, make_user):
    admin = login_as("admin", full_name="Grace Admin")
    with app.app_context():
        _, used_secret = keys.create_key("Clinic website", by_id=admin.id)
        gone, _ = keys.create_key("Old site", by_id=admin.id)
        db.session.flush()
        keys.revoke_key(gone, version=gone.version, by_id=admin.id)
        db.session.commit()
    assert send(client, used_secret).status_code == 201
    page = client.get(PAGE).get_data(as_text=True)
    assert "1 active of 2" in page
    assert page.index("Clinic website") < page.index("Old site")  # active keys first
    assert "by Grace Admin" in page
    assert "Revoked" in page
    rows = page.split('data-testid="key-row"')[1:]
    assert "Never" not in rows[0].split('data-testid="last-used"')[1].split("</td>")[0]
    assert "Never" in rows[1].split('data-testid="last-used"')[1].split("</td>")[0]


def test_revoking_a_key_is_audited_and_its_requests_then_get_403(app, client, login_as, audit_rows):
    admin = login_as("admin")
    with app.app_context():
        key, secret = keys.create_key("Clinic website", by_id=admin.id)
        db.session.commit()
        key_id, version = key.id, key.version
    response = client.post(f"{PAGE}/{key_id}/revoke", data={"version": version})
    assert response.status_code == 302
    revoked = key_row(app, key_id)
    assert (revoked.revoked_by_id, revoked.revoked_at is not None) == (admin.id, True)
    assert [row["actor_id"] for row in audit_rows(entity_type="api_keys", action=AuditAction.REVOKE)] == [admin.id]
    assert send(client, secret).status_code == 403
    assert "Revoked" in client.get(PAGE).get_data(as_text=True)


def test_revoking_from_a_stale_page_is_409_and_changes_nothing(app, client, login_as):
    admin = login_as("admin")
    with app.app_context():
        key, _ = keys.create_key("Clinic website", by_id=admin.id)
        db.session.commit()
        key.name = "Renamed"
        db.session.commit()
        key_id = key.id
    response = client.post(f"{PAGE}/{key_id}/revoke", data={"version": 1})
    assert response.status_code == 409
    assert key_row(app, key_id).revoked_at is None


@pytest.mark.parametrize("role", ["reception", "specialist", "manager"])
def test_only_administrators_manage_keys(app, client, login_as, role):
    login_as(role)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data={"name": "Sneaky"}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(ApiKey)) is None


def test_the_list_runs_a_bounded_number_of_queries_however_many_keys(app, client, login_as, make_user):
    login_as("admin")

    def queries() -> int:
        with count_queries(app) as statements:
            assert client.get(PAGE).status_code == 200
        return len(statements)

    make_key(app, make_user)
    queries()  # the first request also notes, once per process, that accounts exist
    few = queries()
    for n in range(6):
        make_key(app, make_user, f"Site {n}")
    assert queries() == few
