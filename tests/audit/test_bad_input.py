"""Bad input on the audit trail's filters and pages: always an answer, never a 500."""

from datetime import date

from hypothesis import example, given
from hypothesis import strategies as st

from tests.properties import (
    ANY_TEXT,
    AUDIT_FIELDS,
    PROPERTY,
)
from tracker.audit.models import AuditAction

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
