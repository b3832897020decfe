"""Bad input on user administration: never a 500, nothing changed unless saved."""

from hypothesis import event, example, given
from hypothesis import strategies as st

from tests.builders import row_count
from tests.conftest import PASSWORD
from tests.pages import explains, take_flashes
from tests.properties import (
    ANY_CHAR,
    ANY_TEXT,
    DIGIT_LIKE,
    EMAIL,
    NAME,
    PROPERTY,
    ROLE,
    VERSION_TEXT,
    account_row,
    addresses,
    as_int,
    new_password_pair,
    password_works,
    user_creates,
)
from tracker.auth.models import User
from tracker.permissions import Role


def test_admin_add_user_with_any_input_never_500_and_adds_nobody_when_refused(app, client, login_as, make_user):
    login_as("admin", email="boss@clinic.org")
    make_user("reception", email="taken@clinic.org")

    @PROPERTY
    @given(
        full_name=st.one_of(ANY_TEXT, NAME),
        email=st.one_of(EMAIL, st.sampled_from(["taken@clinic.org", "TAKEN@clinic.org", "boss@clinic.org"])),
        role=ROLE,
        passwords=new_password_pair(),
    )
    @example(full_name="Pat Lee", email="TAKEN@clinic.org", role="reception", passwords=(PASSWORD, PASSWORD))
    @example(full_name="Pat Lee", email="pat@clinic.org", role="superuser", passwords=(PASSWORD, PASSWORD))
    @example(full_name="Pat Lee", email="pat@clinic.org", role="specialist", passwords=(PASSWORD, PASSWORD))
    def check(full_name, email, role, passwords):
        password, confirm = passwords
        users_before, creates_before = row_count(app, User), user_creates(app)
        response = client.post("/admin/users/new", data={
            "full_name": full_name, "email": email, "role": role, "password": password, "confirm": confirm,
        })
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:
            assert explains(response)
            assert row_count(app, User) == users_before
            assert user_creates(app) == creates_before
        else:
            assert role in {r.value for r in Role}
            assert password == confirm
            assert row_count(app, User) == users_before + 1
            assert user_creates(app) == creates_before + 1

    check()


def _post_edit(app, client, user_id: int, full_name: str, email: str, role: str, version: str | None):
    """POST the edit form (version None: the row's current version); the row is unchanged unless 302."""
    before = account_row(app, user_id)
    sent = str(before["version"]) if version is None else version
    response = client.post(f"/admin/users/{user_id}/edit",
                           data={"full_name": full_name, "email": email, "role": role, "version": sent})
    event(f"status {response.status_code}")
    assert response.status_code in (200, 302, 409), response.status_code
    if response.status_code == 302:
        assert as_int(sent) == before["version"]
    else:
        assert account_row(app, user_id) == before
    return response, sent


def test_admin_edit_user_with_any_input_never_500_explains_refusals_and_changes_nothing_unless_saved(
    app, client, login_as, make_user
):
    login_as("admin", email="boss@clinic.org")
    target = make_user("reception", email="target@clinic.org")

    @PROPERTY
    @given(
        full_name=st.one_of(ANY_TEXT, NAME),
        email=st.one_of(EMAIL, st.sampled_from(["target@clinic.org", "boss@clinic.org", "BOSS@clinic.org"])),
        role=ROLE,
        version=st.one_of(st.none(), VERSION_TEXT, DIGIT_LIKE),
    )
    @example(full_name="Pat Lee", email="target@clinic.org", role="reception", version=None)
    @example(full_name="Pat Lee", email="BOSS@clinic.org", role="reception", version=None)
    @example(full_name="Pat Lee", email="target@clinic.org", role="root", version=None)
    @example(full_name="Pat Lee", email="target@clinic.org", role="reception", version="999999")
    @example(full_name="Pat Lee", email="target@clinic.org", role="reception", version="\u00b2")
    @example(full_name="Pat Lee", email="target@clinic.org", role="reception", version="9" * 5000)
    @example(full_name="Pat Lee", email="target@clinic.org", role="reception", version=str(2**63))
    def check(full_name, email, role, version):
        response, _ = _post_edit(app, client, target.id, full_name, email, role, version)
        if response.status_code != 302:
            assert explains(response)

    check()


def test_admin_edit_user_with_an_unusable_version_says_the_form_is_out_of_date(app, client, login_as, make_user):
    """Only the hidden version is wrong: its error must still be shown (above the form)."""
    login_as("admin", email="boss@clinic.org")
    target = make_user("reception", email="target@clinic.org")

    @PROPERTY
    @given(version=st.one_of(VERSION_TEXT, DIGIT_LIKE).filter(lambda v: as_int(v) is None or as_int(v) < 1))
    @example(version="abc")
    @example(version="")
    @example(version="0")
    def check(version):
        response, _ = _post_edit(app, client, target.id, "Pat Lee", "target@clinic.org", "reception", version)
        assert response.status_code == 200
        assert 'data-testid="form-errors"' in response.get_data(as_text=True)
        assert "out of date" in response.get_data(as_text=True)

    check()


def test_admin_account_steps_with_any_version_or_password_never_500_and_apply_only_a_current_version(
    app, client, login_as, make_user
):
    login_as("admin", email="boss@clinic.org")
    target = make_user("reception", email="target@clinic.org")

    @PROPERTY
    @given(
        step=st.sampled_from(["password", "deactivate", "reactivate"]),
        version=st.one_of(st.none(), VERSION_TEXT),
        passwords=new_password_pair(),
    )
    @example(step="deactivate", version=None, passwords=("", ""))
    @example(step="reactivate", version=None, passwords=("", ""))
    @example(step="deactivate", version="1_0", passwords=("", ""))
    @example(step="reactivate", version="9" * 5000, passwords=("", ""))
    def check(step, version, passwords):
        password, confirm = passwords
        before = account_row(app, target.id)
        sent = str(before["version"]) if version is None else version
        response = client.post(f"/admin/users/{target.id}/{step}",
                               data={"version": sent, "password": password, "confirm": confirm})
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302, 409), response.status_code
        after = account_row(app, target.id)
        flashed = {category for category, _ in take_flashes(client)}
        if response.status_code != 302:
            assert explains(response)
        if step == "password":
            if response.status_code == 302:
                assert password == confirm
                assert password_works(app, target.id, password)
                assert flashed == {"success"}
            else:
                assert after == before
        elif response.status_code == 302 and as_int(sent) == before["version"]:
            assert after["active"] is (step == "reactivate")
            assert flashed == {"success"}
        else:
            assert after == before
            if response.status_code == 302:
                assert flashed & {"warning", "danger"}  # the refusal is explained on the next page

    check()


# --- one's own password -----------------------------------------------------------------------

_USER_ROUTES = [("GET", "edit"), ("POST", "edit"), ("GET", "password"), ("POST", "password"),
                ("POST", "deactivate"), ("POST", "reactivate")]


def _request_user_route(client, method: str, route: str, user_id: int):
    url = f"/admin/users/{user_id}/{route}"
    return client.get(url) if method == "GET" else client.post(url, data={"version": "1"})


def test_unknown_user_ids_of_any_size_or_sign_are_404(app, client, login_as):
    login_as("admin")
    highest = row_count(app, User)

    @PROPERTY
    @given(
        user_id=st.one_of(st.integers(min_value=highest + 1), st.integers(min_value=2**31),
                          st.integers(max_value=0)),
        route=st.sampled_from(_USER_ROUTES),
    )
    @example(user_id=2**31 - 1, route=("POST", "deactivate"))
    @example(user_id=2**31, route=("GET", "edit"))
    @example(user_id=2**63, route=("POST", "edit"))
    @example(user_id=int("9" * 4000), route=("POST", "reactivate"))
    @example(user_id=0, route=("GET", "password"))
    @example(user_id=-1, route=("POST", "password"))
    def check(user_id, route):
        assert _request_user_route(client, *route, user_id).status_code == 404

    check()


# --- any form, any shape ----------------------------------------------------------------------

_FIELD_NAMES = ["email", "password", "remember", "full_name", "role", "confirm", "version", "current_password",
                "csrf_token"]


def test_every_form_with_fields_missing_repeated_or_unknown_never_500(app, client, login_as, make_user):
    """Whole forms of the wrong shape: any subset of fields, several values each, unknown names, a bad token."""
    login_as("admin", email="boss@clinic.org")
    target = make_user("reception", email="target@clinic.org")
    client_addresses = addresses()
    routes = ["/login", "/admin/users/new", "/account/password"] + [
        f"/admin/users/{target.id}/{step}" for step in ("edit", "password", "deactivate", "reactivate")
    ]

    @PROPERTY
    @given(
        route=st.sampled_from(routes),
        form=st.dictionaries(
            st.one_of(st.sampled_from(_FIELD_NAMES), st.text(ANY_CHAR, max_size=20)),
            st.lists(ANY_TEXT, min_size=1, max_size=3),
            max_size=8,
        ),
    )
    @example(route="/admin/users/new", form={})
    @example(route="/login", form={"email": ["a@b.c", "d@e.f"], "password": ["x", "y"]})
    @example(route=f"/admin/users/{target.id}/edit", form={"version": ["1", "2"], "csrf_token": ["forged"]})
    def check(route, form):
        browser = app.test_client() if route == "/login" else client
        users_before = row_count(app, User)
        response = browser.post(route, data=form, environ_base={"REMOTE_ADDR": next(client_addresses)})
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302, 400, 409, 429), response.status_code
        if response.status_code in (200, 409, 429):
            assert explains(response)
        if response.status_code != 302 or route != "/admin/users/new":
            assert row_count(app, User) == users_before

    check()
