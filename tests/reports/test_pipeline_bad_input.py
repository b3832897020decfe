"""Any query string for the pipeline report and its table exports: never a 500; the page is a 200 that explains a
refused field beside it and shows a range it can stand behind; an export is a file, or a 404 for an unknown table.
"""

import re
import string

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from tests.pages import field_error, injected_markup, input_value
from tests.properties import HOSTILE, PROPERTY, has_control
from tracker.enquiries.models import Channel, Concern
from tracker.reports.filters import PRESETS

FIELDS = ("preset", "start", "end", "channel", "source", "assignee", "specialist", "treatment", "concern")
DATES = ["2026-10-01", "2026-10-31", "2026-02-29", "2026-13-01", "0001-01-01", "9999-12-31", "1999-12-31",
         "2101-01-01", "2000-01-01", "2100-12-31", "31/10/2026", "2026-1-5", ""]
JUNK = ["0", "-1", "2147483648", str(2**63), "9" * 60, "None", "null", "' OR '1'='1", "1; DROP TABLE enquiries",
        "<script>alert(1)</script>", "\u0661", "\u00b2", "custom ", "CUSTOM", "%00", "1e3", "1.0"]


def _value(name: str):
    good = {"preset": list(PRESETS), "channel": [c.value for c in Channel], "concern": [c.value for c in Concern],
            "assignee": ["none", "1", "2"], "start": DATES, "end": DATES}.get(name, ["1", "2", "3"])
    return st.one_of(st.sampled_from(good), st.sampled_from(JUNK), HOSTILE, st.integers().map(str))


QUERY = st.fixed_dictionaries({}, optional={name: _value(name) for name in FIELDS})
@pytest.fixture
def people(app, make_user, login_as, make_enquiry):
    """A manager signed in, a specialist, and an enquiry in the default range, so the page has figures."""
    make_user("specialist", full_name="Sam Stone")
    make_enquiry(hours_ago=48)
    return login_as("manager")


@PROPERTY
@given(query=QUERY)
@example(query={"preset": "custom", "start": "2026-10-31", "end": "2026-10-01"})
@example(query={"preset": "custom", "start": "0001-01-01", "end": "9999-12-31"})
@example(query={"preset": "custom", "start": "2000-01-01", "end": "2100-12-31"})
@example(query={"channel": "' OR '1'='1", "source": "9" * 60, "specialist": "-1", "treatment": "\u0661",
                "concern": "<script>alert(1)</script>", "assignee": "2147483648"})
def test_any_query_gives_the_page_with_refused_fields_explained(client, people, query):
    response = client.get("/reports/pipeline", query_string=query)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert set(injected_markup(response)) <= {"<svg>"}  # the charts' own, nothing from the input
    assert re.search(r'data-testid="range">Enquiries received \d\d/\d\d/\d{4} to \d\d/\d\d/\d{4}<', page)
    refused = [name for name in FIELDS if field_error(response, name) is not None]
    for name in set(refused) & {"start", "end"}:  # a refused date is kept as typed, to correct
        if not has_control(query[name]):
            assert input_value(response, name) == query[name]
    if query.get("preset") == "custom" and not refused:
        start, end = query["start"], query["end"]
        shown = re.search(r'data-testid="range">Enquiries received (\S+) to (\S+)<', page).groups()
        assert shown == tuple("/".join(reversed(d.strip().split("-"))) for d in (start, end))


def test_a_junk_filter_is_refused_beside_its_field_and_the_report_still_shows(client, people):
    response = client.get("/reports/pipeline?channel=carrier-pigeon&specialist=99999&treatment=x")
    assert response.status_code == 200
    assert field_error(response, "channel") == "Not a valid choice."
    assert field_error(response, "specialist") and field_error(response, "treatment")
    assert 'data-count="1"' in response.get_data(as_text=True)  # no filter applied: the one enquiry


# --- the table exports ------------------------------------------------------------------------------------

TABLES = ["funnel", "speed", "time-in-stage", "lost-reasons", "lost-stages", "channels", "sources", "specialists",
          "treatments", "trend", "overdue", "value"]
KEY_CHARS = string.ascii_letters + string.digits + "-_.~"  # what may stand in a URL's path segment unescaped


def fetch(client, url: str, **kwargs) -> tuple[int, bytes, dict]:
    """Status, the whole streamed body and the headers, the response closed (the stream's audit row written)."""
    response = client.get(url, **kwargs)
    try:
        return response.status_code, response.get_data(), dict(response.headers)
    finally:
        response.close()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_each_table_downloads_for_a_manager_and_is_audited(client, people, audit_rows, fmt):
    for key in TABLES:
        status, body, headers = fetch(client, f"/reports/pipeline/{key}.{fmt}?preset=30d")
        assert status == 200, key
        assert f"pipeline-{key}-" in headers["Content-Disposition"] and body, key
    exports = [row for row in audit_rows() if row["action"].value == "export"]
    ends = [row for row in audit_rows() if row["action"].value == "export_ended"]
    assert len(exports) == len(ends) == len(TABLES)
    assert all(row["changes"]["format"] == fmt for row in exports)
    assert all(row["changes"]["completed"] for row in ends)


@pytest.mark.parametrize("key", ["nope", "funnel2", "..", "FUNNEL", "%3Cscript%3E", "9" * 300])
def test_an_unknown_table_is_a_404(client, people, key):
    assert fetch(client, f"/reports/pipeline/{key}.csv")[0] == 404


@PROPERTY
@given(query=QUERY, key=st.one_of(st.sampled_from(TABLES), st.text(KEY_CHARS, min_size=1, max_size=30)),
       fmt=st.sampled_from(["csv", "xlsx"]))
@example(query={"preset": "custom", "start": "2026-10-31", "end": "2026-10-01"}, key="funnel", fmt="csv")
def test_any_export_query_is_a_file_or_a_404(client, people, query, key, fmt):
    assume(key not in (".", ".."))
    status, _body, _headers = fetch(client, f"/reports/pipeline/{key}.{fmt}", query_string=query)
    assert status == (200 if key in TABLES else 404), (key, status)
