"""The enquiry list's CSV and XLSX exports: the list's rows under its filters, every column, for managers only."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import tracker.app  # noqa: F401  (every feature's export columns registered)
from tests.exports.conftest import column, csv_rows, seed_demo, sign_in_demo, xlsx_rows, xlsx_sheet
from tracker.consultations.models import Assessment
from tracker.enquiries.export import all_columns
from tracker.enquiries.models import Channel, Concern, Enquiry
from tracker.enquiries.services import EnquiryDetails, log_enquiry, mark_lost, stamp_first_contact
from tracker.extensions import db
from tracker.patients.services import PatientDetails, create_patient
from tracker.settings.models import Option, OptionKind

COLUMNS = all_columns()

LONDON = ZoneInfo("Europe/London")
BASE = {c.header for c in COLUMNS if not c.clinical}
CLINICAL = [c.header for c in COLUMNS if c.clinical]
FILTERS = ["", "stage=all", "stage=contacted", "stage=lost", "channel=web_form", "concern=rolling",
           "uncontacted=y", "assignee=none", "stage=all&received_from=2026-06-01&received_to=2026-08-31",
           "stage=all&sort=name", "stage=all&sort=oldest&channel=phone", "no_followup=y",
           "stage=all&reached=consultation_booked", "stage=all&lost_from=contacted&lost_reason=none"]


def _list_ids(client, query: str) -> list[int]:
    """The enquiry ids the list shows for a query, in order, page after page."""
    ids: list[int] = []
    for page in range(1, 40):
        html = client.get(f"/enquiries?{query}&page={page}").get_data(as_text=True)
        table = html.split('data-testid="enquiry-list"', 1)[1].split("</table>", 1)[0]
        found = [int(n) for n in re.findall(r'href="/enquiries/(\d+)"', table)]
        if not found or found[0] in ids:
            return ids
        ids += found
    raise AssertionError("the list did not end")


@pytest.fixture
def demo(app, client):
    """120 demo enquiries (every stage, channel, assessments, lost reasons), a manager signed in."""
    seed_demo(app, 120)
    sign_in_demo(app, client, "manager")
    return app


@pytest.mark.parametrize("query", FILTERS)
def test_csv_has_the_header_and_exactly_the_enquiries_the_list_shows_in_its_order(demo, client, query):
    expected = _list_ids(client, query)
    response = client.get(f"/enquiries/export.csv?{query}")
    assert response.status_code == 200
    rows = csv_rows(response.data)
    assert set(rows[0]) == BASE | set(CLINICAL)
    assert [int(n) for n in column(rows, "Enquiry")] == expected
    assert all(len(row) == len(rows[0]) for row in rows)


@pytest.mark.parametrize("query", ["", "stage=all", "stage=all&received_from=2026-06-01&received_to=2026-08-31",
                                   "concern=rolling&sort=name"])
def test_xlsx_has_the_header_and_exactly_the_enquiries_the_list_shows_in_its_order(demo, client, query):
    expected = _list_ids(client, query)
    response = client.get(f"/enquiries/export.xlsx?{query}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = xlsx_rows(response.data)
    assert set(rows[0]) == BASE | set(CLINICAL)
    assert column(rows, "Enquiry") == expected


def test_export_is_not_capped_at_the_lists_depth(app, client, monkeypatch):
    from tracker.enquiries import queries

    monkeypatch.setattr(queries, "LIST_DEPTH", 10)
    seed_demo(app, 60)
    sign_in_demo(app, client, "manager")
    with app.app_context():
        everything = db.session.scalar(select(db.func.count()).select_from(Enquiry).where(
            Enquiry.archived_at.is_(None)))
    assert len(csv_rows(client.get("/enquiries/export.csv?stage=all").data)) - 1 == everything > 10


def test_the_demo_clinics_clinical_columns_are_filled_from_the_latest_assessment(demo, client):
    rows = xlsx_rows(client.get("/enquiries/export.xlsx?stage=all").data)
    with demo.app_context():
        assessed = set(db.session.scalars(select(Assessment.enquiry_id)))
    graded = {enquiry for enquiry, grade in zip(column(rows, "Enquiry"),
                                                column(rows, "Severity grade (Goodman & Baron)"), strict=True)
              if grade is not None}
    assert assessed and graded == assessed
    assert {v for v in column(rows, "Skin type (Fitzpatrick)") if v} <= {"I", "II", "III", "IV", "V", "VI"}


@pytest.fixture
def one_enquiry(app, make_user):
    """One enquiry with every column filled: (enquiry id, received at, first contacted at)."""
    nurse = make_user("specialist", full_name="Nell Nurse")
    received = datetime(2025, 7, 3, 8, 15, tzinfo=UTC)  # 09:15 in London (summer time)
    contacted = datetime(2025, 12, 1, 17, 30, tzinfo=UTC)  # 17:30 in London (winter)
    with app.app_context():
        source = db.session.scalar(select(Option).where(Option.kind == OptionKind.SOURCE).order_by(Option.id))
        reason = db.session.scalar(select(Option).where(Option.kind == OptionKind.LOST_REASON).order_by(Option.id))
        from tracker.catalogue.models import Treatment
        treatments = db.session.scalars(select(Treatment).order_by(Treatment.position).limit(2)).all()
        patient = create_patient(PatientDetails(first_name="Zoë", last_name="O'Brien", phone="+447700900123",
                                                email="zoe@example.com"))
        enquiry = log_enquiry(patient, EnquiryDetails(
            channel=Channel.WEB_FORM, received_at=received, source=source, caller_words="Rolling scars, 10 years",
            concerns=[Concern.ROLLING, Concern.BOXCAR], treatments=list(reversed(treatments)),
            assigned_to_id=nurse.id), by_id=None)
        stamp_first_contact(enquiry, contacted, by_id=None)
        db.session.flush()
        mark_lost(enquiry, reason, by_id=None)
        db.session.commit()
        expected = {"source": source.label, "reason": reason.label, "treatments": ", ".join(t.name for t in treatments)}
        return enquiry.id, expected


def test_csv_row_shows_each_column_as_the_list_would_in_uk_format_and_clinic_time(app, client, manager, one_enquiry):
    enquiry_id, expected = one_enquiry
    rows = csv_rows(client.get("/enquiries/export.csv?stage=all").data)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row == {
        "Enquiry": str(enquiry_id), "Received": "03/07/2025 09:15", "Channel": "Web form",
        "How they heard of us": expected["source"], "First name": "Zoë", "Last name": "O'Brien",
        "Phone": "07700 900123", "E-mail": "zoe@example.com", "Stage": "Lost", "Assigned to": "Nell Nurse",
        "Concerns": "Boxcar scars, Rolling scars", "Treatments asked about": expected["treatments"],
        "In their own words": "Rolling scars, 10 years", "First contacted": "01/12/2025 17:30",
        "Next follow-up due": "", "Lost from stage": "Contacted", "Lost reason": expected["reason"],
        "Skin type (Fitzpatrick)": "", "Scar types seen": "", "Severity grade (Goodman & Baron)": "",
    }


def test_xlsx_keeps_numbers_and_dates_typed_in_clinic_time_with_a_bold_frozen_header(app, client, manager,
                                                                                       one_enquiry):
    enquiry_id, _expected = one_enquiry
    sheet = xlsx_sheet(client.get("/enquiries/export.xlsx?stage=all").data)
    header = [cell.value for cell in sheet[1]]
    received = sheet.cell(2, header.index("Received") + 1)
    contacted = sheet.cell(2, header.index("First contacted") + 1)
    assert sheet.cell(2, 1).value == enquiry_id
    assert received.value == datetime(2025, 7, 3, 9, 15) and received.number_format == "dd/mm/yyyy hh:mm"
    assert contacted.value == datetime(2025, 12, 1, 17, 30)
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])


def test_next_follow_up_due_is_the_soonest_open_follow_ups_day(app, client, manager, make_enquiry):
    enquiry_id = make_enquiry()  # the first-contact rule gives a new enquiry a call-back follow-up
    from tracker.followups.models import FollowUp, FollowUpStatus

    with app.app_context():
        due = db.session.scalars(select(FollowUp.due_on).where(FollowUp.enquiry_id == enquiry_id,
                                                                FollowUp.status == FollowUpStatus.OPEN)
                                 .order_by(FollowUp.overdue_at)).first()
    assert due is not None
    rows = xlsx_rows(client.get("/enquiries/export.xlsx").data)
    assert column(rows, "Next follow-up due") == [datetime.combine(due, datetime.min.time())]


INJECTIONS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]  # names are stored stripped: no tab or CR


@pytest.fixture
def injected(app, make_patient, make_enquiry):
    """An enquiry per hostile first name, and one whose caller's words are a formula."""
    for n, name in enumerate(INJECTIONS):
        make_enquiry(patient_id=make_patient(first_name=name, last_name=f"Hostile{n}"), hours_ago=n + 1)
    make_enquiry(caller_words="=1+1", hours_ago=20)


def test_csv_neutralises_text_a_spreadsheet_would_run_as_a_formula(client, manager, injected):
    rows = csv_rows(client.get("/enquiries/export.csv?sort=oldest").data)
    names = [name for name in column(rows, "First name") if name != "Ada"]
    assert sorted(names) == sorted("'" + name for name in INJECTIONS)
    assert "'=1+1" in column(rows, "In their own words")
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_xlsx_neutralises_formulas_and_writes_no_formula_cell(client, manager, injected):
    sheet = xlsx_sheet(client.get("/enquiries/export.xlsx?sort=oldest").data)
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    names = [cell.value for cell in cells if isinstance(cell.value, str) and cell.value.startswith("'")]
    assert sorted(names) == sorted(["'" + name for name in INJECTIONS] + ["'=1+1"])


@pytest.mark.parametrize("role", ["reception", "specialist"])
@pytest.mark.parametrize("url", ["/enquiries/export.csv", "/enquiries/export.xlsx"])
def test_only_managers_and_administrators_may_export(client, login_as, audit_rows, role, url):
    login_as(role)
    assert client.get(url).status_code == 403
    assert audit_rows(action="export") == []


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_administrators_get_the_clinical_columns(client, login_as, role):
    login_as(role)
    header = csv_rows(client.get("/enquiries/export.csv").data)[0]
    assert header[-len(CLINICAL):] == CLINICAL


def test_signed_out_export_goes_to_sign_in(client, make_user):
    make_user("manager")  # an account exists, so the first-run setup page is not what answers
    response = client.get("/enquiries/export.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_download_is_an_attachment_with_a_dated_file_name(client, manager):
    today = datetime.now(LONDON).date()
    csv_response = client.get("/enquiries/export.csv")
    csv_response.close()  # each body read or closed before the next request: a stream holds its request open
    xlsx_response = client.get("/enquiries/export.xlsx")
    xlsx_response.close()
    assert csv_response.headers["Content-Disposition"] == f'attachment; filename="enquiries-{today}.csv"'
    assert xlsx_response.headers["Content-Disposition"] == f'attachment; filename="enquiries-{today}.xlsx"'
    assert csv_response.mimetype == "text/csv"
    assert csv_response.headers["Cache-Control"] == "no-store"


def test_an_empty_list_exports_just_the_header(client, manager):
    assert len(csv_rows(client.get("/enquiries/export.csv").data)) == 1
    assert len(xlsx_rows(client.get("/enquiries/export.xlsx").data)) == 1


def test_archived_enquiries_are_not_exported(app, client, manager, make_enquiry):
    kept, archived = make_enquiry(), make_enquiry()
    with app.app_context():
        db.session.get(Enquiry, archived).archived_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    assert [int(n) for n in column(csv_rows(client.get("/enquiries/export.csv?stage=all").data), "Enquiry")] == [kept]


def test_a_received_date_range_counts_clinic_days(app, client, manager, make_enquiry):
    # 23:30 UTC on 31 May is 00:30 on 1 June in London: inside a range of 1 June alone; 23:30 on 1 June is not.
    inside, outside = make_enquiry(), make_enquiry()
    with app.app_context():
        db.session.get(Enquiry, inside).received_at = datetime(2025, 5, 31, 23, 30, tzinfo=UTC)
        db.session.get(Enquiry, outside).received_at = datetime(2025, 6, 1, 23, 30, tzinfo=UTC)
        db.session.commit()
    rows = csv_rows(client.get("/enquiries/export.csv?stage=all&received_from=2025-06-01&received_to=2025-06-01").data)
    assert column(rows, "Enquiry") == [str(inside)]
    assert column(rows, "Received") == ["01/06/2025 00:30"]
