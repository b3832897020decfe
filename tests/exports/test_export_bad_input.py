"""Any query string: the exports never 500, export exactly what the list shows, and record only the filters used."""

import re
from datetime import date

from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from tests.enquiries.bad_input import CHANNELS, CONCERNS, ID_TEXT, STAGES, examples
from tests.exports.conftest import column, csv_rows, xlsx_rows
from tests.properties import ANY_CHAR, ANY_TEXT, HOSTILE, desk_counts
from tracker.audit.models import AuditAction, AuditEvent
from tracker.enquiries.models import Channel, Concern
from tracker.extensions import db


def _list_ids(client, args: dict) -> list[int]:
    """The ids on the list's first page (the tests keep fewer enquiries than a page holds)."""
    html = client.get("/enquiries", query_string=args).get_data(as_text=True)
    table = html.split('data-testid="enquiry-list"', 1)[1].split("</table>", 1)[0]
    return [int(n) for n in re.findall(r'href="/enquiries/(\d+)"', table)]


def _last_export(app) -> dict:
    with app.app_context():
        return db.session.scalars(select(AuditEvent.changes).where(AuditEvent.action == AuditAction.EXPORT)
                                  .order_by(AuditEvent.id.desc()).limit(1)).one()


def _filters():
    dates = st.one_of(st.dates(date(1999, 1, 1), date(2101, 12, 31)).map(date.isoformat), HOSTILE,
                      st.sampled_from(["2026-02-30", "0000-01-01", "31/12/2026", " "]))
    stages = ["", "all", *sorted(STAGES)]
    return {
        "stage": st.one_of(st.sampled_from(stages), HOSTILE),
        "channel": st.one_of(st.sampled_from(["", *sorted(CHANNELS)]), HOSTILE),
        "source": ID_TEXT, "assignee": st.one_of(st.sampled_from(["", "me", "none"]), ID_TEXT),
        "concern": st.one_of(st.sampled_from(["", *sorted(CONCERNS)]), HOSTILE), "treatment": ID_TEXT,
        "received_from": dates, "received_to": dates,
        "uncontacted": st.one_of(st.sampled_from(["", "y"]), HOSTILE),
        "no_followup": st.one_of(st.sampled_from(["", "y"]), HOSTILE),
        "sort": st.one_of(st.sampled_from(["newest", "oldest", "name"]), HOSTILE),
        "reached": st.one_of(st.sampled_from(stages[2:]), HOSTILE), "lost_reason": st.one_of(ID_TEXT, st.just("none")),
        "contact": st.one_of(st.sampled_from(["within", "late", "none", "contacted"]), HOSTILE),
        "overdue": st.one_of(ID_TEXT, st.just("team")), "specialist": ID_TEXT, "entered_from": dates,
    }


def test_exports_with_any_filters_never_500_match_the_list_and_record_the_filters_used(app, client, login_as,
                                                                                       make_enquiry):
    login_as("manager")
    make_enquiry(channel=Channel.WEB_FORM, concerns=[Concern.ROLLING], hours_ago=3)
    make_enquiry(caller_words="=cmd|' /C calc'!A0", hours_ago=30)
    make_enquiry(channel=Channel.EMAIL, hours_ago=24 * 90)

    @examples(30)
    @given(args=st.fixed_dictionaries({}, optional=_filters()))
    @example(args={"received_from": "2026-02-30", "received_to": "0000-01-01", "stage": "all"})
    @example(args={"stage": "lost\x00", "channel": "\x00", "assignee": "9" * 5000, "sort": "<script>"})
    @example(args={"stage": "all", "lost_reason": "99999999999999999999", "specialist": str(2**63)})
    def check(args):
        expected = _list_ids(client, args)
        counts = desk_counts(app)
        response = client.get("/enquiries/export.csv", query_string=args)
        assert response.status_code == 200, response.status_code
        assert [int(n) for n in column(csv_rows(response.data), "Enquiry")] == expected
        used = _last_export(app)["filters"]
        assert used.items() <= args.items() and all(used.values())
        counts["audit_events"] += 2
        assert desk_counts(app) == counts  # nothing written but the export's own audit events (start and end)
        response = client.get("/enquiries/export.xlsx", query_string=args)
        assert response.status_code == 200
        assert column(xlsx_rows(response.data), "Enquiry") == expected
        assert _last_export(app)["filters"] == used

    check()


def test_exports_with_any_query_string_keys_never_500_and_record_none_of_the_unknown_ones(app, client, login_as):
    login_as("admin")

    @examples(25)
    @given(args=st.dictionaries(
        st.one_of(st.sampled_from(["stage", "page", "endpoint", "_method", "format", "filename"]),
                  st.text(ANY_CHAR, min_size=1, max_size=20)),
        st.one_of(ANY_TEXT, st.sampled_from(["x", "1", "https", "all"])), max_size=4))
    @example(args={"endpoint": "x", "filename": "../../etc/passwd"})
    def check(args):
        for file_format in ("csv", "xlsx"):
            response = client.get(f"/enquiries/export.{file_format}", query_string=args)
            assert response.status_code == 200 and response.data
            assert response.headers["Content-Disposition"].startswith('attachment; filename="enquiries-')
            assert set(_last_export(app)["filters"]) <= {"stage"}

    check()
