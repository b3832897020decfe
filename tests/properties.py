"""Shared strategies and helpers for the property-based bad-input tests (test_bad_input_*.py).

The fixtures are function-scoped, so each test builds what it needs once and runs an inner
@given function; examples share the database, so every check is relative to the state read
just before the request.
"""

import itertools
import string

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.builders import row_count
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

def user_creates(app) -> int:
    """Audit 'create' rows for user accounts."""
    return row_count(app, AuditEvent, AuditEvent.action == AuditAction.CREATE, AuditEvent.entity_type == "users")


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


@st.composite
def new_password_pair(draw) -> tuple[str, str]:
    """A new password and its confirmation: often matching and strong, often not."""
    password = draw(st.one_of(ANY_TEXT, STRONG_PASSWORD))
    confirm = draw(st.one_of(st.just(password), ANY_TEXT))
    return password, confirm


def addresses():
    """A fresh client address per example, so only the per-account throttle can engage."""
    return (f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}" for n in itertools.count(1))


# --- the reception desk: patients and enquiries -------------------------------------------------

# What TrackerForm refuses in any field (tab and line breaks are allowed).
CONTROL_CHARS = frozenset(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
# Text a person could type or paste and the forms must store as typed: markup, SQL, template
# syntax, entities, right-to-left and invisible characters, emoji, decomposed accents.
MARKUP_SAMPLES = [
    '<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "'><svg/onload=alert(1)>",
    "</textarea><script>alert(1)</script>", "<a href=javascript:alert(1)>x</a>", "javascript:alert(1)",
    "'; DROP TABLE patients; --", "' OR '1'='1", "Robert'); DELETE FROM enquiries; --", "1 UNION SELECT 1--",
    "{{ 7*7 }}", "{% raw %}", "${7*7}", "%s%n%x", "&amp; &lt; &#x3c;script&#x3e;", "\u202eevil", "\ufeffbom",
    "Zoë Ó'Brien-Łukasz", "A\u0308rzte", "\U0001d4e4nicode \U0001f600 \u5317\u4eac",
    "line\nbreak", "tab\there", "\u00a0 padded \u3000",
]
# ...and what a hostile client could send that no person types: controls, NUL, huge strings.
HOSTILE_SAMPLES = [*MARKUP_SAMPLES, "\x00", "a\x00b", "\x1b[31m", "\x7f", "\x1c", "A" * 5000, "9" * 5000]
HOSTILE = st.one_of(
    ANY_TEXT,
    st.sampled_from(HOSTILE_SAMPLES),
    st.tuples(st.sampled_from(HOSTILE_SAMPLES), ANY_TEXT).map("".join),
)
STORABLE_CHAR = st.characters(exclude_categories=("Cs",), exclude_characters="".join(CONTROL_CHARS))


def storable_text(min_size: int = 0, max_size: int = 40):
    """Text a form must accept and store as typed (once stripped): no control characters."""
    return st.one_of(
        st.text(STORABLE_CHAR, min_size=min_size, max_size=max_size),
        st.sampled_from([s for s in MARKUP_SAMPLES if min_size <= len(s) <= max_size]),
    )


def has_control(text: str) -> bool:
    return any(c in CONTROL_CHARS for c in text)


def desk_counts(app) -> dict[str, int]:
    """Rows in every table the patient and enquiry forms can write, to compare before and after a request."""
    from tracker.enquiries.models import ContactAttempt, Enquiry, EnquiryNote, StageChange
    from tracker.patients.models import Patient

    with app.app_context():
        return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Patient, Enquiry, StageChange, ContactAttempt, EnquiryNote, AuditEvent)}


def checked(raw: str | None) -> bool:
    """What a wtforms BooleanField makes of a submitted value (None: not sent)."""
    return raw is not None and raw not in ("false", "")


def parses(text: str, *formats: str):
    """What wtforms' date and datetime fields make of the text (strptime with each format in turn), or None."""
    from datetime import datetime

    for fmt in formats:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


PERSON_LIMITS = {"first_name": 80, "last_name": 80, "phone": 40, "email": 320, "phone_alt": 40,
                 "preferred_times": 120, "notes": 4000}


def person_refusals(app, data: dict[str, str | None]) -> set[str]:
    """The patient fields the form must refuse, each with an error beside it, by the rules the form states.

    Phones and e-mails are judged by the app's own normalisers: that is where their rules live.
    (Names left blank are refused too, but reported separately: see person_missing.)
    """
    from datetime import date

    from email_validator import EmailNotValidError

    from tracker.patients.models import ConsentMethod, ContactMethod
    from tracker.patients.phones import InvalidPhone, normalise_phone
    from tracker.patients.services import normalise_email

    bad = {name for name, limit in PERSON_LIMITS.items() if has_control(data[name]) or len(data[name]) > limit}
    with app.app_context():
        for name in ("phone", "phone_alt"):
            try:
                if data[name].strip():
                    normalise_phone(data[name])
            except InvalidPhone:
                bad.add(name)
        try:
            if data["email"].strip():
                normalise_email(data["email"])
        except EmailNotValidError:
            bad.add("email")
    born = data["date_of_birth"]
    if born.strip():  # Optional(): blank (even blank control characters) is no date
        parsed = parses(born, "%Y-%m-%d")
        if has_control(born) or parsed is None or not 1900 <= parsed.year <= 2100 or parsed.date() > date.today():
            bad.add("date_of_birth")
    if data["preferred_contact"] not in {m.value for m in ContactMethod}:
        bad.add("preferred_contact")
    method = data["marketing_consent_method"]
    if method not in {"", *(m.value for m in ConsentMethod)}:
        bad.add("marketing_consent_method")
    if data.get("marketing_consent") is not None and has_control(data["marketing_consent"]):
        bad.add("marketing_consent")
    if checked(data.get("marketing_consent")) and not method:
        bad.add("marketing_consent_method")
    return bad


def person_missing(data: dict[str, str | None]) -> set[str]:
    """Required patient details left blank: the names, and a phone or e-mail (its error goes beside the phone)."""
    missing = {name for name in ("first_name", "last_name") if not data[name].strip()}
    if not data["phone"].strip() and not data["email"].strip():
        missing.add("phone")
    return missing


def expected_person(app, data: dict[str, str | None]) -> dict:
    """The patient columns an accepted form must store: the text as typed (stripped), phones and e-mail normalised."""
    from tracker.patients.phones import normalise_phone
    from tracker.patients.services import normalise_email

    with app.app_context():
        phone, alt, email = (data[name].strip() for name in ("phone", "phone_alt", "email"))
        born = data["date_of_birth"]
        return {
            "first_name": data["first_name"].strip(), "last_name": data["last_name"].strip(),
            "phone": normalise_phone(phone) if phone else None, "phone_alt": normalise_phone(alt) if alt else None,
            "email": normalise_email(email) if email else None,
            "date_of_birth": parses(born, "%Y-%m-%d").date() if born.strip() else None,
            "preferred_contact": data["preferred_contact"],
            "preferred_times": data["preferred_times"].strip() or None, "notes": data["notes"].strip() or None,
            "marketing_consent": checked(data.get("marketing_consent")),
        }


def stored_person(app, patient_id: int) -> dict:
    """The same columns as stored (enums as their values)."""
    from tracker.patients.models import Patient

    with app.app_context():
        patient = db.session.get(Patient, patient_id)
        row = {name: getattr(patient, name) for name in ("first_name", "last_name", "phone", "phone_alt", "email",
                                                         "date_of_birth", "preferred_times", "notes",
                                                         "marketing_consent")}
        return {**row, "preferred_contact": patient.preferred_contact.value}
