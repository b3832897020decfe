"""Bad input on every form and endpoint gets a clear answer: never a 500, nothing saved half-way.

Property-based (hypothesis). The fixtures are function-scoped, so each test builds what it
needs once and runs an inner @given function; examples share the database, so every check
is relative to the state read just before the request.
"""

import itertools
import string
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markupsafe
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from tests.conftest import PASSWORD
from tracker.audit.models import AuditAction, AuditEvent
from tracker.auth.models import User
from tracker.auth.passwords import password_problem, verify_password
from tracker.extensions import db
from tracker.permissions import Role

PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

# Any character a browser or a script could send: every Unicode category except the
# surrogates (not encodable), with the C0/C1 controls and a few invisible ones made likely.
_CONTROLS = st.characters(min_codepoint=0, max_codepoint=0x1F) | st.sampled_from(
    ["\x7f", "\x85", "\u2028", "\u200b", "\ufeff", "\u202e"]
)
_CHAR = st.characters(exclude_categories=("Cs",)) | _CONTROLS
ANY_TEXT = st.one_of(st.text(_CHAR, max_size=40), st.text(_CHAR, min_size=200, max_size=2000))
NAME = st.text(string.ascii_letters + " -'", min_size=1, max_size=40)
STRONG_PASSWORD = st.text(string.ascii_letters + string.digits + "-_!", min_size=12, max_size=64)
EMAIL = st.one_of(ANY_TEXT, st.emails())
ROLE = st.one_of(st.sampled_from([r.value for r in Role]), ANY_TEXT)
VERSION_TEXT = st.one_of(ANY_TEXT, st.integers().map(str))
# Text str.isdigit() accepts but int() refuses (superscripts, circled digits), mixed with ASCII digits.
DIGIT_LIKE = st.text("0123456789\u00b2\u00b3\u00b9\u2460\u2468\uff11", min_size=1, max_size=6)
AUDIT_FIELDS = ("user", "record_type", "record_id", "action", "date_from", "date_to", "page")


# --- helpers ----------------------------------------------------------------------------------

def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _user_creates(app) -> int:
    """Audit 'create' rows for user accounts."""
    return _count(app, AuditEvent, AuditEvent.action == AuditAction.CREATE, AuditEvent.entity_type == "users")


def _row(app, user_id: int) -> dict:
    """Everything stored for one account, to compare before and after a request."""
    with app.app_context():
        user = db.session.get(User, user_id)
        return {c.key: getattr(user, c.key) for c in User.__table__.columns}


def _password_works(app, user_id: int, password: str) -> bool:
    with app.app_context():
        return verify_password(db.session.get(User, user_id).password_hash, password)


def _as_int(value: str) -> int | None:
    """What wtforms' IntegerField makes of the text (Python's int()), or None."""
    try:
        return int(value)
    except ValueError:
        return None


def _explains(response) -> bool:
    """The page tells the user what is wrong: an error beside a field, above the form, or a conflict page."""
    body = response.get_data(as_text=True)
    if response.status_code == 409 and "Reload it to see their changes" in body:
        return True
    return "invalid-feedback" in body or 'data-testid="form-errors"' in body


def _take_flashes(client) -> list[tuple[str, str]]:
    """The (category, message) pairs flashed for the next page, removed from the session."""
    with client.session_transaction() as session:
        return session.pop("_flashes", [])


class _InputValues(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name"):
            self.values[attributes["name"]] = attributes.get("value") or ""


def _input_value(response, name: str) -> str | None:
    """The value attribute of <input name=...>, unescaped as a browser would read it."""
    parser = _InputValues()
    parser.feed(response.get_data(as_text=True))
    return parser.values.get(name)


def _same_site_path(location: str) -> str:
    """The Location as a path, accepting the test client's absolute http://localhost form."""
    for origin in ("http://localhost", "https://localhost"):
        if location.startswith(origin + "/"):
            return location[len(origin):]
    return location


@st.composite
def _new_password_pair(draw) -> tuple[str, str]:
    """A new password and its confirmation: often matching and strong, often not."""
    password = draw(st.one_of(ANY_TEXT, STRONG_PASSWORD))
    confirm = draw(st.one_of(st.just(password), ANY_TEXT))
    return password, confirm


def _addresses():
    """A fresh client address per example, so only the per-account throttle can engage."""
    return (f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}" for n in itertools.count(1))


# --- sign-in ----------------------------------------------------------------------------------

def test_login_with_any_text_answers_200_or_429_creates_no_user_and_signs_in_only_with_right_password(
    app, make_user
):
    user = make_user("admin", email="owner@clinic.test")
    users_before = _count(app, User)
    addresses = _addresses()

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
            environ_base={"REMOTE_ADDR": next(addresses)},
        )
        right = email.strip().lower() == user.email and password == PASSWORD
        event(f"status {response.status_code}")
        if right and response.status_code == 302:
            assert _same_site_path(response.headers["Location"]) == "/"
        else:
            assert response.status_code in (200, 429), response.status_code
            assert "Location" not in response.headers
            assert _explains(response)
            with browser.session_transaction() as session:
                assert "_user_id" not in session
        assert _count(app, User) == users_before

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
        location = _same_site_path(response.headers["Location"])
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
        passwords=_new_password_pair(),
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
            assert _input_value(response, "full_name") == full_name
        assert _count(app, User) == 0
        assert _count(app, AuditEvent) == 0

    check()


# --- user administration ----------------------------------------------------------------------

def test_admin_add_user_with_any_input_never_500_and_adds_nobody_when_refused(app, client, login_as, make_user):
    login_as("admin", email="boss@clinic.org")
    make_user("reception", email="taken@clinic.org")

    @PROPERTY
    @given(
        full_name=st.one_of(ANY_TEXT, NAME),
        email=st.one_of(EMAIL, st.sampled_from(["taken@clinic.org", "TAKEN@clinic.org", "boss@clinic.org"])),
        role=ROLE,
        passwords=_new_password_pair(),
    )
    @example(full_name="Pat Lee", email="TAKEN@clinic.org", role="reception", passwords=(PASSWORD, PASSWORD))
    @example(full_name="Pat Lee", email="pat@clinic.org", role="superuser", passwords=(PASSWORD, PASSWORD))
    @example(full_name="Pat Lee", email="pat@clinic.org", role="specialist", passwords=(PASSWORD, PASSWORD))
    def check(full_name, email, role, passwords):
        password, confirm = passwords
        users_before, creates_before = _count(app, User), _user_creates(app)
        response = client.post("/admin/users/new", data={
            "full_name": full_name, "email": email, "role": role, "password": password, "confirm": confirm,
        })
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:
            assert _explains(response)
            assert _count(app, User) == users_before
            assert _user_creates(app) == creates_before
        else:
            assert role in {r.value for r in Role}
            assert password == confirm
            assert _count(app, User) == users_before + 1
            assert _user_creates(app) == creates_before + 1

    check()


def _post_edit(app, client, user_id: int, full_name: str, email: str, role: str, version: str | None):
    """POST the edit form (version None: the row's current version); the row is unchanged unless 302."""
    before = _row(app, user_id)
    sent = str(before["version"]) if version is None else version
    response = client.post(f"/admin/users/{user_id}/edit",
                           data={"full_name": full_name, "email": email, "role": role, "version": sent})
    event(f"status {response.status_code}")
    assert response.status_code in (200, 302, 409), response.status_code
    if response.status_code == 302:
        assert _as_int(sent) == before["version"]
    else:
        assert _row(app, user_id) == before
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
            assert _explains(response)

    check()


def test_admin_edit_user_with_an_unusable_version_says_the_form_is_out_of_date(app, client, login_as, make_user):
    """Only the hidden version is wrong: its error must still be shown (above the form)."""
    login_as("admin", email="boss@clinic.org")
    target = make_user("reception", email="target@clinic.org")

    @PROPERTY
    @given(version=st.one_of(VERSION_TEXT, DIGIT_LIKE).filter(lambda v: _as_int(v) is None or _as_int(v) < 1))
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
        passwords=_new_password_pair(),
    )
    @example(step="deactivate", version=None, passwords=("", ""))
    @example(step="reactivate", version=None, passwords=("", ""))
    @example(step="deactivate", version="1_0", passwords=("", ""))
    @example(step="reactivate", version="9" * 5000, passwords=("", ""))
    def check(step, version, passwords):
        password, confirm = passwords
        before = _row(app, target.id)
        sent = str(before["version"]) if version is None else version
        response = client.post(f"/admin/users/{target.id}/{step}",
                               data={"version": sent, "password": password, "confirm": confirm})
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302, 409), response.status_code
        after = _row(app, target.id)
        flashed = {category for category, _ in _take_flashes(client)}
        if response.status_code != 302:
            assert _explains(response)
        if step == "password":
            if response.status_code == 302:
                assert password == confirm
                assert _password_works(app, target.id, password)
                assert flashed == {"success"}
            else:
                assert after == before
        elif response.status_code == 302 and _as_int(sent) == before["version"]:
            assert after["active"] is (step == "reactivate")
            assert flashed == {"success"}
        else:
            assert after == before
            if response.status_code == 302:
                assert flashed & {"warning", "danger"}  # the refusal is explained on the next page

    check()


# --- one's own password -----------------------------------------------------------------------

def test_change_own_password_with_any_input_never_500_and_the_old_password_still_works_unless_changed(
    app, client, login_as
):
    user = login_as("reception")
    current = [PASSWORD]

    @PROPERTY
    @given(typed_current=st.one_of(st.none(), ANY_TEXT), passwords=_new_password_pair())
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
            assert _password_works(app, user.id, password)
            current[0] = password
        else:
            assert _explains(response)
            assert _password_works(app, user.id, current[0])

    check()


# --- the audit trail --------------------------------------------------------------------------

_PLAUSIBLE_FILTER = st.one_of(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)).map(date.isoformat),
    st.integers(min_value=-(10**6), max_value=10**6).map(str),
    st.sampled_from([a.value for a in AuditAction] + ["users", "audit_events", ""]),
)


def test_audit_trail_with_any_filter_text_answers_200(app, client, login_as):
    """Every filter arbitrary, whitespace-only ones included."""
    login_as("manager")
    values = st.one_of(ANY_TEXT, _PLAUSIBLE_FILTER)

    @PROPERTY
    @given(params=st.fixed_dictionaries({}, optional={
        name: values for name in AUDIT_FIELDS
    }))
    @example(params={"date_from": "2026-02-01", "date_to": "2026-01-01"})
    @example(params={"user": "99999999999999999999999", "record_id": "99999999999999999999999", "page": "-3"})
    @example(params={"user": " ", "record_type": " ", "record_id": " ", "date_from": " ", "page": " "})
    def check(params):
        response = client.get("/audit", query_string=params)
        assert response.status_code == 200, response.status_code

    check()


def test_audit_trail_with_any_action_text_answers_200(app, client, login_as):
    login_as("manager")

    @PROPERTY
    @given(action=st.one_of(ANY_TEXT, st.text(" \t\n\r\x0b\x0c\x85\u00a0\u2028\u3000", min_size=1)))
    @example(action=" ")
    def check(action):
        assert client.get("/audit", query_string={"action": action}).status_code == 200

    check()


def test_audit_trail_with_any_calendar_date_answers_200_and_explains_dates_it_refuses(app, client, login_as):
    login_as("manager")

    @PROPERTY
    @given(date_from=st.one_of(st.none(), st.dates()), date_to=st.dates())
    @example(date_from=None, date_to=date.max)
    @example(date_from=date.min, date_to=date(2026, 1, 1))
    def check(date_from, date_to):
        params = {"date_to": date_to.isoformat()}
        if date_from is not None:
            params["date_from"] = date_from.isoformat()
        response = client.get("/audit", query_string=params)
        assert response.status_code == 200
        if not all(1900 <= d.year <= 2200 for d in (date_from, date_to) if d is not None):
            assert "invalid-feedback" in response.get_data(as_text=True)

    check()


def test_audit_trail_with_any_page_number_answers_200(app, client, login_as):
    login_as("manager")

    @PROPERTY
    @given(page=st.one_of(st.integers(), st.integers(min_value=2**31)))
    @example(page=2**62)
    @example(page=-(2**63))
    def check(page):
        assert client.get("/audit", query_string={"page": str(page)}).status_code == 200

    check()


# --- unknown accounts -------------------------------------------------------------------------

_USER_ROUTES = [("GET", "edit"), ("POST", "edit"), ("GET", "password"), ("POST", "password"),
                ("POST", "deactivate"), ("POST", "reactivate")]


def _request_user_route(client, method: str, route: str, user_id: int):
    url = f"/admin/users/{user_id}/{route}"
    return client.get(url) if method == "GET" else client.post(url, data={"version": "1"})


def test_unknown_user_ids_of_any_size_or_sign_are_404(app, client, login_as):
    login_as("admin")
    highest = _count(app, User)

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
    addresses = _addresses()
    routes = ["/login", "/admin/users/new", "/account/password"] + [
        f"/admin/users/{target.id}/{step}" for step in ("edit", "password", "deactivate", "reactivate")
    ]

    @PROPERTY
    @given(
        route=st.sampled_from(routes),
        form=st.dictionaries(
            st.one_of(st.sampled_from(_FIELD_NAMES), st.text(_CHAR, max_size=20)),
            st.lists(ANY_TEXT, min_size=1, max_size=3),
            max_size=8,
        ),
    )
    @example(route="/admin/users/new", form={})
    @example(route="/login", form={"email": ["a@b.c", "d@e.f"], "password": ["x", "y"]})
    @example(route=f"/admin/users/{target.id}/edit", form={"version": ["1", "2"], "csrf_token": ["forged"]})
    def check(route, form):
        browser = app.test_client() if route == "/login" else client
        users_before = _count(app, User)
        response = browser.post(route, data=form, environ_base={"REMOTE_ADDR": next(addresses)})
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302, 400, 409, 429), response.status_code
        if response.status_code in (200, 409, 429):
            assert _explains(response)
        if response.status_code != 302 or route != "/admin/users/new":
            assert _count(app, User) == users_before

    check()
