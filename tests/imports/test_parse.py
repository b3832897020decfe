"""Reading the file: encodings, delimiters, headers, bad files, UK dates, and the mapping guessed from headers."""

from datetime import date, time

import pytest

from tests.imports.conftest import csv_bytes, person
from tracker.imports import mapping, parse
from tracker.imports.rows import parse_date


def test_mapping_is_guessed_from_common_header_names():
    headers = ["First name", "Surname", "Mobile", "E-mail", "Date of birth", "Enquiry date", "Source", "Notes",
               "Treatment", "Concern", "Status", "Lost reason", "Marketing consent", "Channel"]
    assert mapping.guess(headers) == {
        "first_name": "First name", "last_name": "Surname", "phone": "Mobile", "email": "E-mail",
        "date_of_birth": "Date of birth", "received_at": "Enquiry date", "source": "Source",
        "caller_words": "Notes", "treatments": "Treatment", "concerns": "Concern", "stage": "Status",
        "lost_reason": "Lost reason", "marketing_consent": "Marketing consent", "channel": "Channel"}


@pytest.mark.parametrize(("headers", "expected"), [
    (["Name", "Tel", "Date"], {"full_name": "Name", "phone": "Tel", "received_at": "Date"}),
    (["Name", "Surname", "Phone number", "Date"],
     {"first_name": "Name", "last_name": "Surname", "phone": "Phone number", "received_at": "Date"}),
    (["How did you hear about us?", "Message", "Email address"],
     {"source": "How did you hear about us?", "caller_words": "Message", "email": "Email address"}),
    (["Mystery", "Other"], {}),
])
def test_mapping_guess_handles_spreadsheet_variants(headers, expected):
    assert mapping.guess(headers) == expected


def test_mapping_problems_name_missing_and_unknown_columns():
    headers = ["Name", "Date"]
    assert mapping.problems({"full_name": "Name", "received_at": "Date"}, headers) == []
    problems = mapping.problems({"full_name": "Name", "phone": "Nope", "bogus": "Date"}, headers)
    assert any("Unknown field: bogus" in p for p in problems)
    assert any("no column 'Nope'" in p for p in problems)
    assert any("enquiry date" in p for p in problems)
    assert any("chosen twice" in p for p in mapping.problems({"full_name": "Date", "received_at": "Date"}, headers))


def test_bom_and_semicolons_are_read_like_a_plain_csv():
    content = csv_bytes([person(1)], delimiter=";", bom=True)
    layout = parse.read_layout(content)
    assert layout.delimiter == ";" and layout.headers[0] == "Name"  # no BOM stuck to the first name
    (line, cells), = parse.data_rows(content, layout)
    assert line == 2 and cells[0] == "Pat Person1" and cells[4] == "03/02/2025 10:30"


@pytest.mark.parametrize(("text", "day", "clock"), [
    ("03/02/2025", date(2025, 2, 3), None),
    ("3/2/25", date(2025, 2, 3), None),
    ("2025-02-03", date(2025, 2, 3), None),
    ("03/02/2025 14:05", date(2025, 2, 3), time(14, 5)),
    ("2025-02-03 14:05:09", date(2025, 2, 3), time(14, 5, 9)),
    ("2025-02-03T14:05", date(2025, 2, 3), time(14, 5)),
    ("03-02-2025", date(2025, 2, 3), None),
    ("03.02.2025 9:30", date(2025, 2, 3), time(9, 30)),
    ("5/4/90", date(1990, 4, 5), None),  # a two-digit year is never in the future
])
def test_uk_date_forms_are_read_day_first(text, day, clock):
    assert parse_date(text, today=date(2026, 1, 1)) == (day, clock)


@pytest.mark.parametrize("text", ["31/02/2025", "2025/13/01", "yesterday", "03/02/2025 25:00", "03/02/2025 noon"])
def test_impossible_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text, today=date(2026, 1, 1))


def test_summer_times_are_read_as_london_time_and_stored_in_utc(app):
    from tracker.imports.rows import _clinic_instant

    with app.app_context():
        assert _clinic_instant(date(2025, 7, 1), time(9, 0)).hour == 8  # BST is UTC+1
        assert _clinic_instant(date(2025, 3, 30), time(1, 30)).hour == 1  # skipped hour: the hour after, 02:30 BST


@pytest.mark.parametrize(("content", "message"), [
    ("Name,Date\nJosé,01/01/2025\n".encode("latin-1"), "not in UTF-8"),
    ("Name,Date\nAnn,01/01/2025\n".encode("utf-16"), "UTF-16"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
    (b"", "empty"),
    (b"\n\n  \n", "empty"),
    (b"Ann Smith,07700900123,01/01/2025\nBob,07700900124,02/01/2025\n", "looks like data"),
    (b"Name,Phone,name\nAnn,1,2\n", 'Two columns are called "name"'),
    (b"Name,Date\n", "no rows under them"),
    (b"Name,Date\n" + b"\n" * 1_000_000, "no rows under them"),
    (b'Name,Date\n"Ann,01/01/2025\nBob,02/01/2025\n', "cannot be read"),
    (b'Name,Date\nAnn "the" Smith","01/01/2025"\n"Bob"x,02/01/2025\n', "Line 3 cannot be read"),
])
def test_bad_files_get_a_clear_error(content, message):
    with pytest.raises(parse.FileError, match=message):
        parse.check_encoding(content)
        layout = parse.read_layout(content)
        list(parse.data_rows(content, layout))


def test_files_with_more_rows_than_the_cap_are_refused(monkeypatch):
    monkeypatch.setattr(parse, "MAX_ROWS", 5)
    content = csv_bytes([person(n) for n in range(6)])
    layout = parse.read_layout(content)
    with pytest.raises(parse.FileError, match="more than 5 rows"):
        list(parse.data_rows(content, layout))


def test_blank_lines_between_rows_are_skipped_cheaply():
    content = b"Name,Date\n" + b"\r\n" * 500_000 + b",,\n" * 1000 + b"Ann,01/01/2025\n"
    layout = parse.read_layout(content)
    assert [cells for _, cells in parse.data_rows(content, layout)] == [["Ann", "01/01/2025"]]
