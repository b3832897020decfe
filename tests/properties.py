"""Shared strategies and helpers for the property-based bad-input tests (test_bad_input_*.py).

The fixtures are function-scoped, so each test builds what it needs once and runs an inner
@given function; examples share the database, so every check is relative to the state read
just before the request.
"""

import itertools
import string
from html.parser import HTMLParser

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tracker.audit.models import AuditAction, AuditEvent
from tracker.auth.models import User
from tracker.auth.passwords import verify_password
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
ANY_CHAR = st.characters(exclude_categories=("Cs",)) | _CONTROLS
ANY_TEXT = st.one_of(st.text(ANY_CHAR, max_size=40), st.text(ANY_CHAR, min_size=200, max_size=2000))
NAME = st.text(string.ascii_letters + " -'", min_size=1, max_size=40)
STRONG_PASSWORD = st.text(string.ascii_letters + string.digits + "-_!", min_size=12, max_size=64)
EMAIL = st.one_of(ANY_TEXT, st.emails())
ROLE = st.one_of(st.sampled_from([r.value for r in Role]), ANY_TEXT)
VERSION_TEXT = st.one_of(ANY_TEXT, st.integers().map(str))
# Text str.isdigit() accepts but int() refuses (superscripts, circled digits), mixed with ASCII digits.
DIGIT_LIKE = st.text("0123456789\u00b2\u00b3\u00b9\u2460\u2468\uff11", min_size=1, max_size=6)
AUDIT_FIELDS = ("user", "record_type", "record_id", "action", "date_from", "date_to", "page")


# --- helpers ----------------------------------------------------------------------------------

def count_rows(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def user_creates(app) -> int:
    """Audit 'create' rows for user accounts."""
    return count_rows(app, AuditEvent, AuditEvent.action == AuditAction.CREATE, AuditEvent.entity_type == "users")


def account_row(app, user_id: int) -> dict:
    """Everything stored for one account, to compare before and after a request."""
    with app.app_context():
        user = db.session.get(User, user_id)
        return {c.key: getattr(user, c.key) for c in User.__table__.columns}


def password_works(app, user_id: int, password: str) -> bool:
    with app.app_context():
        return verify_password(db.session.get(User, user_id).password_hash, password)


def as_int(value: str) -> int | None:
    """What wtforms' IntegerField makes of the text (Python's int()), or None."""
    try:
        return int(value)
    except ValueError:
        return None


def explains(response) -> bool:
    """The page tells the user what is wrong: an error beside a field, above the form, or a conflict page."""
    body = response.get_data(as_text=True)
    if response.status_code == 409 and "while you were editing it" in body:
        return True
    return "invalid-feedback" in body or 'data-testid="form-errors"' in body


def take_flashes(client) -> list[tuple[str, str]]:
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


def input_value(response, name: str) -> str | None:
    """The value attribute of <input name=...>, unescaped as a browser would read it."""
    parser = _InputValues()
    parser.feed(response.get_data(as_text=True))
    return parser.values.get(name)


def same_site_path(location: str) -> str:
    """The Location as a path, accepting the test client's absolute http://localhost form."""
    for origin in ("http://localhost", "https://localhost"):
        if location.startswith(origin + "/"):
            return location[len(origin):]
    return location


@st.composite
def new_password_pair(draw) -> tuple[str, str]:
    """A new password and its confirmation: often matching and strong, often not."""
    password = draw(st.one_of(ANY_TEXT, STRONG_PASSWORD))
    confirm = draw(st.one_of(st.just(password), ANY_TEXT))
    return password, confirm


def addresses():
    """A fresh client address per example, so only the per-account throttle can engage."""
    return (f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}" for n in itertools.count(1))
