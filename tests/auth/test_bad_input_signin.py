"""Bad input when signing in, at first-run setup and when changing one's password: never a 500."""

from urllib.parse import urlsplit

import markupsafe
from hypothesis import event, example, given
from hypothesis import strategies as st
from sqlalchemy import select, text

from tests.builders import row_count
from tests.conftest import PASSWORD
from tests.pages import explains, input_value, same_site_path
from tests.properties import ANY_TEXT, EMAIL, NAME, PROPERTY, addresses, new_password_pair, password_works
from tracker.audit.models import AuditEvent
from tracker.auth.models import User
from tracker.auth.passwords import password_problem
from tracker.extensions import db
from tracker.permissions import Role


def test_login_with_any_text_answers_200_or_429_creates_no_user_and_signs_in_only_with_right_password(
    app, make_user
):
    user = make_user("admin", email="owner@clinic.test")
    users_before = row_count(app, User)
    client_addresses = addresses()

    @PROPERTY
    @given(
        email=st.one_of(ANY_TEXT, st.sampled_from([user.email, user.email.upper(), f"  {user.email} "])),
        password=st.one_of(ANY_TEXT, st.just(PASSWORD)),
        remember=ANY_TEXT,
    )
    @example(email=user.email, password=PASSWORD, remember="y")
    @example(email="\x00", password="\x00", remember="\x00")
    def check(email, password, remember):
        browser = app.test_client()
        response = browser.post(
            "/login", data={"email": email, "password": password, "remember": remember},
            environ_base={"REMOTE_ADDR": next(client_addresses)},
        )
        right = email.strip().lower() == user.email and password == PASSWORD
        event(f"status {response.status_code}")
        if right and response.status_code == 302:
            assert same_site_path(response.headers["Location"]) == "/"
        else:
            assert response.status_code in (200, 429), response.status_code
            assert "Location" not in response.headers
            assert explains(response)
            with browser.session_transaction() as session:
                assert "_user_id" not in session
        assert row_count(app, User) == users_before

    check()


def test_login_redirects_only_to_a_same_site_path_whatever_next_says(app, make_user):
    user = make_user("reception", email="nurse@clinic.test")

    @PROPERTY
    @given(next_value=st.one_of(
        ANY_TEXT,
        ANY_TEXT.map(lambda s: "/" + s),
        st.sampled_from(["//evil.example", "/\\evil.example", "/\t/evil.example", "https://evil.example/",
                         "http:///evil.example", " //evil.example", "javascript:alert(1)", "/admin/users?x=1"]),
    ))
    def check(next_value):
        browser = app.test_client()
        assert browser.get("/login", query_string={"next": next_value}).status_code == 200
        response = browser.post("/login", query_string={"next": next_value},
                                data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        location = same_site_path(response.headers["Location"])
        assert location.startswith("/")
        assert not location.startswith("//")
        assert not location.startswith("/\\")
        parts = urlsplit(location)
        assert parts.scheme == ""
        assert parts.netloc == ""

    check()


# --- first-run setup --------------------------------------------------------------------------

def test_setup_with_any_input_never_500_and_saves_the_admin_only_when_every_field_is_valid(app):
    @PROPERTY
    @given(
        full_name=st.one_of(ANY_TEXT, NAME),
        email=st.one_of(EMAIL, st.just("first@clinic.org")),
        passwords=new_password_pair(),
    )
    @example(full_name='O\'Brien "Pat" <b>&', email="not-an-email", passwords=("short", "short"))
    @example(full_name=" Pat Lee ", email=" First@Clinic.org", passwords=(PASSWORD, PASSWORD))
    @example(full_name="Pat Lee", email="first@clinic.org", passwords=(PASSWORD, PASSWORD))
    def check(full_name, email, passwords):
        password, confirm = passwords
        browser = app.test_client()
        response = browser.post(
            "/setup", data={"full_name": full_name, "email": email, "password": password, "confirm": confirm}
        )
        event(f"status {response.status_code}")
        if response.status_code == 302:
            assert full_name.strip() and len(full_name) <= 120
            assert password == confirm
            with app.app_context():
                assert password_problem(password) is None
                users = db.session.scalars(select(User)).all()
                assert [(u.email, u.full_name, u.role) for u in users] == [
                    (email.strip().lower(), full_name.strip(), Role.ADMIN)
                ]
                # Back to an empty database for the next example (core SQL: the ORM guards refuse).
                db.session.execute(text("DELETE FROM audit_events"))
                db.session.execute(text("DELETE FROM users"))
                db.session.commit()
            app.extensions.pop("tracker_has_users", None)
            return
        assert response.status_code == 200, response.status_code
        assert "invalid-feedback" in response.get_data(as_text=True)
        if full_name and full_name.isprintable() and len(full_name) <= 100:
            # Jinja/WTForms escape with markupsafe (' -> &#39;, " -> &#34;), not html.escape's &#x27; / &quot;.
            assert f'value="{markupsafe.escape(full_name)}"' in response.get_data(as_text=True)
            assert input_value(response, "full_name") == full_name
        assert row_count(app, User) == 0
        assert row_count(app, AuditEvent) == 0

    check()


# --- user administration ----------------------------------------------------------------------

def test_change_own_password_with_any_input_never_500_and_the_old_password_still_works_unless_changed(
    app, client, login_as
):
    user = login_as("reception")
    current = [PASSWORD]

    @PROPERTY
    @given(typed_current=st.one_of(st.none(), ANY_TEXT), passwords=new_password_pair())
    @example(typed_current=None, passwords=("short", "short"))
    @example(typed_current="wrong-but-long-enough-1", passwords=("lantern-plum-orchard-7", "lantern-plum-orchard-7"))
    @example(typed_current=None, passwords=("lantern-plum-orchard-7", "lantern-plum-orchard-7"))
    def check(typed_current, passwords):
        password, confirm = passwords
        sent = current[0] if typed_current is None else typed_current
        response = client.post("/account/password",
                               data={"current_password": sent, "password": password, "confirm": confirm})
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert sent == current[0]
            assert password == confirm
            assert password_works(app, user.id, password)
            current[0] = password
        else:
            assert explains(response)
            assert password_works(app, user.id, current[0])

    check()


# --- the audit trail --------------------------------------------------------------------------
