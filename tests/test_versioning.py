"""The version counter rises with real changes only, so concurrent edits are caught but bookkeeping is not."""

from tests.conftest import PASSWORD
from tracker.auth.models import User
from tracker.extensions import db


def _version(app, user_id: int) -> int:
    with app.app_context():
        return db.session.get(User, user_id).version


def test_version_rises_when_a_person_changes_the_record(app, make_user):
    user = make_user()
    with app.app_context():
        db.session.get(User, user.id).full_name = "Changed"
        db.session.commit()
    assert _version(app, user.id) == user.version + 1


def test_a_colleague_signing_in_does_not_make_an_open_edit_form_stale(app, client, login_as, make_user):
    login_as("admin")
    rita = make_user("reception")
    form_version = rita.version  # the admin opens Rita's edit form now
    assert app.test_client().post("/login", data={"email": rita.email, "password": PASSWORD}).status_code == 302
    assert _version(app, rita.id) == form_version
    response = client.post(f"/admin/users/{rita.id}/edit", data={
        "full_name": "Rita R.", "email": rita.email, "role": "reception", "version": form_version})
    assert response.status_code == 302
