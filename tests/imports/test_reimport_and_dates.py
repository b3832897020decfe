"""Re-importing an updated spreadsheet, US-format dates, two-digit birth years, and merged records in matching."""

import io
from datetime import date

import pytest
from sqlalchemy import select

from tests.builders import table_counts
from tests.imports.conftest import HEADER, csv_bytes, person, upload
from tests.imports.test_run import _run
from tests.imports.test_views import GUESS, _import
from tests.pages import redirect_token
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.imports import parse
from tracker.imports.rows import month_first, parse_date
from tracker.patients.models import Patient


def test_an_updated_copy_of_the_file_adds_no_enquiry_or_patient(app):
    _run(app, csv_bytes([person(1), person(2), person(3)]))
    before = table_counts(app)
    updated = [person(1, Status="Contacted", Message="Called back, wants prices", Marketing="yes"),
               person(2, Status="Lost", Reason="Price", Treatment="Microneedling",
                      **{"How did you hear about us?": "Facebook", "Concern": "Boxcar"}),
               person(3, DOB="05/04/1990"), person(4)]
    again = _run(app, csv_bytes(updated))
    assert (again.imported, again.already_imported) == (1, 3)
    after = table_counts(app)
    assert after["enquiries"] == before["enquiries"] + 1 and after["patients"] == before["patients"] + 1


def test_a_copy_mapped_with_fewer_or_more_columns_is_still_recognised(app):
    _run(app, csv_bytes([person(1), person(2, **{"Phone number": ""})]))
    fewer = [h for h in HEADER if h not in ("E-mail", "Message", "Status", "Marketing")]
    again = _run(app, csv_bytes([person(1), person(2, **{"Phone number": ""})], header=[*fewer, "E-mail"]))
    assert (again.imported, again.already_imported) == (0, 2)


def test_the_same_person_on_another_date_is_a_new_enquiry(app):
    _run(app, csv_bytes([person(1)]))
    again = _run(app, csv_bytes([person(1), person(1, **{"Enquiry date": "04/02/2025 09:00"})]))
    assert (again.imported, again.already_imported) == (1, 1)


@pytest.mark.parametrize("column", ["Enquiry date", "DOB"])
@pytest.mark.parametrize("commit", [False, True])
def test_a_file_with_month_first_dates_is_refused_whole_even_skipping_invalid_rows(app, column, commit):
    rows = [person(1, **{column: "02/03/2001"}), person(2, **{column: "02/13/2001"}), person(3)]
    before = table_counts(app)
    with pytest.raises(parse.FileError, match=r'Line 3: "02/13/2001" can only be month/day.*dd/mm/yyyy'):
        _run(app, csv_bytes(rows), commit=commit, skip_invalid=True)
    with app.app_context():
        db.session.rollback()
    assert table_counts(app) == before


def test_day_first_and_iso_dates_are_not_taken_for_month_first():
    assert month_first("02/13/2025") and month_first("2.13.25 10:00")
    assert not any(month_first(text) for text in ("13/02/2025", "02/03/2025", "2025-02-13", "12/12/2025", "",
                                                  "13/13/2025", "tomorrow"))


def test_the_preview_and_the_run_say_the_dates_look_month_first(app, client, login_as):
    login_as("manager")
    token = redirect_token(upload(client, csv_bytes([person(1), person(2, **{"Enquiry date": "12/31/2024"})])))
    query = "&".join(f"{k}={v}" for k, v in GUESS.items())
    page = client.get(f"/admin/import/{token}?preview=1&{query}").get_data(as_text=True)
    assert "look like month/day" in page
    response = _import(client, token, GUESS, skip_invalid="y")
    assert "look like month/day" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert table_counts(app)["enquiries"] == 0


def test_a_two_digit_birth_year_is_a_row_error_but_a_two_digit_enquiry_year_is_read(app):
    result = _run(app, csv_bytes([person(1, DOB="05/04/25"), person(2, **{"Enquiry date": "05/01/25"})]),
                  commit=False, rejected=(sink := io.StringIO()))
    assert (result.valid, result.invalid) == (1, 1)
    assert "Date of birth" in sink.getvalue() and "year in full" in sink.getvalue()
    with pytest.raises(ValueError, match="year in full"):
        parse_date("05/04/25", today=date(2026, 1, 1), short_year=False)


def test_a_record_merged_into_another_is_never_matched_even_if_restored(app, make_patient):
    kept = make_patient("Pat", "Kept", phone="+447700955555")
    ghost = make_patient("Pat", "Ghost", phone="+447700900001", email="pat2@example.com")
    with app.app_context():  # merged, then restored: live again but still merged
        db.session.get(Patient, ghost).merged_into_id = kept
        db.session.commit()
    _run(app, csv_bytes([person(1), person(2, **{"Phone number": ""})]))
    with app.app_context():
        assert db.session.scalars(select(Enquiry.match_patient_id)).all() == [None, None]
