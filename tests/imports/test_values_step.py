"""The value-mapping step and what it feeds: remembered mappings, new list entries, history age, follow-up dates,
named-month dates and Excel workbooks; bad input on the step never answers 500 and saves nothing."""

import io
import re
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import select

from tests.builders import table_counts
from tests.imports.conftest import csv_bytes, person, upload
from tests.pages import redirect_token
from tests.properties import ANY_TEXT, PROPERTY
from tracker.clock import clinic_today
from tracker.db import utcnow
from tracker.enquiries.models import Enquiry, EnquiryNote
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.followups import rules
from tracker.followups.models import FollowUp, FollowUpStatus
from tracker.imports import mapping, parse, services
from tracker.imports.models import ImportUpload
from tracker.imports.rows import parse_date
from tracker.settings.models import Option, OptionKind

GUESS = "full_name=Name&phone=Phone+number&received_at=Enquiry+date&source=How+did+you+hear+about+us%3F" \
        "&treatments=Treatment&stage=Status&lost_reason=Reason"


def _selected(page: str, value: str) -> tuple[str, str]:
    """(the option selected, the hint under it) for the select labelled with this value."""
    name = re.search(rf'<label for="([a-z_]+-\d+)">{re.escape(value)}</label>', page)[1]
    body = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>(.*?)</td>', page, re.S)
    chosen = re.search(r'<option selected value="([^"]*)"', body[1])
    return (chosen[1] if chosen else ""), re.sub(r"<[^>]+>|\s+", " ", body[2]).strip()


def _source(app, label: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Option.id).where(Option.kind == OptionKind.SOURCE, Option.label == label))


def test_a_mapping_chosen_once_prefills_the_next_file(app, client, login_as):
    login_as("manager")
    instagram = f"option:{_source(app, 'Instagram')}"
    token = redirect_token(upload(client, csv_bytes([person(1, **{"How did you hear about us?": "insta "})])))
    page = client.get(f"/admin/import/{token}/values?{GUESS}").get_data(as_text=True)
    assert _selected(page, "insta")[0] == "?"  # no idea yet: the manager must choose
    name = re.search(r'<label for="(source-\d+)">insta</label>', page)[1]
    fields = dict(re.findall(r'name="([a-z_]+-\d+)"[^>]*>.*?<option selected value="([^"]*)"', page, re.S))
    response = client.post(f"/admin/import/{token}/values?{GUESS}",
                           data={**fields, name: instagram, "history_days": "30"})
    assert response.status_code == 302
    run = dict(p.split("=") for p in GUESS.replace("+", " ").replace("%3F", "?").split("&"))
    assert client.post(f"/admin/import/{token}/run", data={**run, "confirm": "y"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Enquiry.source_id)) == int(instagram.split(":")[1])

    second = redirect_token(upload(client, csv_bytes([person(2, **{"How did you hear about us?": "INSTA"})])))
    page = client.get(f"/admin/import/{second}/values?{GUESS}").get_data(as_text=True)
    assert _selected(page, "INSTA") == (instagram, "Remembered from the last import")


def test_add_as_new_is_refused_beside_the_value_when_the_list_has_the_name_retired(app, client, login_as):
    login_as("manager")
    with app.app_context():
        db.session.add(Option(kind=OptionKind.SOURCE, label="Radio", active=False, position=99))
        db.session.commit()
    token = redirect_token(upload(client, csv_bytes([person(1, **{"How did you hear about us?": "Radio"})])))
    page = client.get(f"/admin/import/{token}/values?{GUESS}").get_data(as_text=True)
    fields = dict(re.findall(r'name="([a-z_]+-\d+)"[^>]*>.*?<option selected value="([^"]*)"', page, re.S))
    name = re.search(r'<label for="(source-\d+)">Radio</label>', page)[1]
    before = table_counts(app)
    response = client.post(f"/admin/import/{token}/values?{GUESS}", data={**fields, name: "new", "history_days": "30"})
    assert response.status_code == 400
    assert "already has this name (perhaps retired)" in response.get_data(as_text=True)
    assert table_counts(app) == before


def test_bad_input_on_the_values_step_never_answers_500_and_saves_nothing(app, client, login_as):
    login_as("manager")
    rows = [person(1, Status="Called back"), person(2, Treatment="CO2 laser; not sure"),
            person(3, **{"How did you hear about us?": " Friend "})]
    token = redirect_token(upload(client, csv_bytes(rows)))
    names = [f"{kind}-{n}" for kind in ("status", "source", "treatment", "lost_reason", "channel") for n in range(3)]

    @PROPERTY
    @given(values=st.dictionaries(st.sampled_from([*names, "history_days", "csrf_token"]),
                                  st.one_of(ANY_TEXT, st.sampled_from(["?", "new", "", "stage:lost", "option:1",
                                                                       "treatment:999", "-1", "99999999999"])),
                                  max_size=8),
           query=st.one_of(st.just(GUESS), ANY_TEXT.map(lambda t: f"stage={t}")))
    def check(values, query):
        before = table_counts(app)
        with app.app_context():
            choices = db.session.scalar(select(ImportUpload.choices))
        response = client.post(f"/admin/import/{token}/values?{query}", data=values)
        assert response.status_code in (302, 400), response.status_code
        assert table_counts(app) == before
        if response.status_code == 400:
            with app.app_context():
                assert db.session.scalar(select(ImportUpload.choices)) == choices

    check()


def _process(app, rows, **kwargs) -> services.Result:
    content = csv_bytes(rows)
    with app.app_context():
        chosen = mapping.guess(parse.read_layout(content).headers)
        result = services.process(content, "clinic.csv", chosen, commit=True, skip_invalid=True, **kwargs)
        db.session.commit()
        return result


def test_an_old_new_enquiry_comes_in_as_history_and_the_rules_never_make_its_call_back(app):
    result = _process(app, [person(1, **{"Enquiry date": "2024-03-05"})], history_days=30)
    assert (result.imported, result.history) == (1, 1)
    with app.app_context():
        enquiry = db.session.scalars(select(Enquiry)).one()
        first = db.session.scalars(select(FollowUp)).one()
        assert enquiry.stage is Stage.NEW and enquiry.next_follow_up_at is None
        assert first.status is FollowUpStatus.CANCELLED and first.rule == "first_contact"
        assert first.cancel_reason.startswith("Imported as history")
        rules.run_for({enquiry.id})  # what any later change to the enquiry does
        db.session.commit()
        assert db.session.scalars(select(FollowUp.status)).all() == [FollowUpStatus.CANCELLED]


def test_follow_up_dates_become_the_next_follow_up_unless_old_and_past(app):
    with app.app_context():
        today = clinic_today()
    header_rows = [
        person(1, **{"Enquiry date": f"{today - timedelta(days=3):%d/%m/%Y}"}, Follow=f"{today - timedelta(days=1)}"),
        person(2, **{"Enquiry date": "2024-03-05"}, Follow=f"{today - timedelta(days=1):%d/%m/%Y}"),
        person(3, **{"Enquiry date": "5 Mar 2024"}, Follow=f"{today + timedelta(days=6):%-d %b %Y}"),
    ]
    content = csv_bytes(header_rows, [*header_rows[0].keys()])
    with app.app_context():
        chosen = mapping.guess(parse.read_layout(content).headers) | {"follow_up_on": "Follow"}
        services.process(content, "clinic.csv", chosen, commit=True, history_days=30)
        db.session.commit()
        open_ones = {f.enquiry_id: f for f in db.session.scalars(select(FollowUp).where(
            FollowUp.status == FollowUpStatus.OPEN))}
        ids = dict(db.session.execute(select(Enquiry.caller_words, Enquiry.id)).all())
        assert open_ones[ids["Hello 1"]].due_on == today - timedelta(days=1)  # recent: real work, overdue
        assert ids["Hello 2"] not in open_ones  # old, and its date passed: history
        assert open_ones[ids["Hello 3"]].due_on == today + timedelta(days=6)
        assert open_ones[ids["Hello 3"]].overdue_at > utcnow()


def test_a_status_date_dates_the_history_note(app):
    rows = [person(1, Status="Consulted", Updated="12/03/2024", **{"Enquiry date": "2024-03-05"})]
    content = csv_bytes(rows, [*rows[0].keys()])
    with app.app_context():
        chosen = mapping.guess(parse.read_layout(content).headers)
        assert chosen["stage_on"] == "Updated"
        services.process(content, "clinic.csv", chosen, commit=True,
                         values={"status": {"consulted": "history:consulted"}})
        db.session.commit()
        note = db.session.scalars(select(EnquiryNote)).one()
        assert note.body == 'Imported history: reached consulted on 12/03/2024 (status "Consulted").'
        assert db.session.scalar(select(Enquiry.stage)) is Stage.CONTACTED


@pytest.mark.parametrize(("text", "expected"), [
    ("5 Mar 2024", (date(2024, 3, 5), None)), ("05-Mar-24", (date(2024, 3, 5), None)),
    ("5th March 2024", (date(2024, 3, 5), None)), ("5 march, 2024", (date(2024, 3, 5), None)),
    ("5 Sept 2024 10:30", (date(2024, 9, 5), time(10, 30))), ("2024-03-05", (date(2024, 3, 5), None)),
    ("5/3/24", (date(2024, 3, 5), None)),
])
def test_dates_with_month_names_iso_and_uk_forms_are_read(text, expected):
    assert parse_date(text, today=date(2026, 1, 1)) == expected


@pytest.mark.parametrize("text", ["5 Foo 2024", "5 Marchy 2024", "31 Feb 2024"])
def test_nonsense_named_dates_are_refused(text):
    with pytest.raises(ValueError, match=r"not a month|does not exist"):
        parse_date(text, today=date(2026, 1, 1))


def test_a_file_mixing_iso_and_month_first_dates_is_still_refused(app):
    content = csv_bytes([person(1, **{"Enquiry date": "2024-03-05"}), person(2, **{"Enquiry date": "03/13/2024"})])
    with app.app_context():
        chosen = mapping.guess(parse.read_layout(content).headers)
        try:
            services.process(content, "us.csv", chosen)
        except parse.FileError as error:
            assert "month/day" in str(error)
        else:
            raise AssertionError("a month/day file was read")


def test_an_excel_workbook_is_read_like_its_csv(app, client, login_as):
    login_as("manager")
    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Phone number", "Enquiry date", "Status"])
    sheet.append(["Wendy Workbook", "07700 900777", datetime(2024, 3, 5, 9, 30), "New"])
    sheet.append([None, None, None, None])
    sheet.append(["Ned Number", 447700900778, "5 Mar 2024", "Called back"])
    buffer = io.BytesIO()
    book.save(buffer)
    token = redirect_token(upload(client, buffer.getvalue(), "enquiries.xlsx"))
    page = client.get(f"/admin/import/{token}?preview=1&full_name=Name&phone=Phone+number"
                      "&received_at=Enquiry+date").get_data(as_text=True)
    assert "2024-03-05 09:30" in page and "447700900778" in page
    assert 'Valid, to import</dt><dd class="col-sm-9">2<' in page
    assert upload(client, b"PK\x03\x04not really a workbook", "broken.xlsx").status_code == 400
