"""A caller found by the last six or more digits of either of their numbers, national or international."""

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.patients import services
from tracker.patients.models import Patient
from tracker.patients.phones import phone_search_suffix, reversed_digits


@pytest.fixture
def callers(make_patient):
    return {
        "zoe": make_patient("Zoë", "Okafor", phone="+447700900123"),
        "jean": make_patient("Jean", "Moreau", phone="+441134960000", phone_alt="+33612345678"),
        "ines": make_patient("Inês", "Costa", phone="+351912300123"),  # ends like Zoë's, but in more digits
    }


def _found(app, typed) -> set[str]:
    with app.app_context():
        found, _more = services.search(typed)
        return {p.first_name for p in found}


@pytest.mark.parametrize(("typed", "expected"), [
    ("900123", {"Zoë"}), ("900 123", {"Zoë"}), ("0900123", {"Zoë"}), ("7700 900123", {"Zoë"}),
    ("00123", set()),  # five digits: too few to look for
    ("345678", {"Jean"}), ("12 34 56 78", {"Jean"}), ("612345678", {"Jean"}),  # the second number, abroad
    ("300123", {"Inês"}),
    ("4960000", {"Jean"}),
])
def test_the_last_digits_find_the_caller(app, callers, typed, expected):
    assert _found(app, typed) == expected


def test_the_same_six_digits_find_every_number_that_ends_with_them(app, make_patient):
    make_patient("Ann", "Lee", phone="+447700900456")
    make_patient("Bea", "Lee", phone="+441632900456")
    assert _found(app, "900456") == {"Ann", "Bea"}


def test_a_plus_means_the_start_of_a_number_not_its_end(app, callers):
    assert phone_search_suffix("+44 7700") is None
    assert _found(app, "+900123") == set()


def test_the_web_page_lists_a_caller_found_by_the_end_of_their_number(client, login_as, callers):
    login_as("reception")
    page = client.get("/search", query_string={"q": "900123"}).get_data(as_text=True)
    assert "Zoë Okafor" in page and "Inês" not in page


def test_archived_and_merged_patients_are_left_out(app, make_patient):
    archived = make_patient("Rhys", "Hale", phone="+447700900321")
    make_patient("Ruth", "Hale", phone="+447700900654", phone_alt="+447700900321")
    with app.app_context():
        db.session.get(Patient, archived).archived_at = db.session.get(Patient, archived).created_at
        db.session.commit()
    assert _found(app, "900321") == {"Ruth"}


def test_the_reversed_digits_follow_every_change_of_number(app, make_patient):
    patient_id = make_patient("Ada", "King", phone="+447700900111")
    with app.app_context():
        patient = db.session.get(Patient, patient_id)
        patient.phone, patient.phone_alt = "+447700900222", "+447700900333"
        db.session.commit()
        patient.phone_alt = None
        db.session.commit()
        row = db.session.execute(select(Patient.phone_reversed, Patient.phone_alt_reversed)
                                 .where(Patient.id == patient_id)).one()
    assert tuple(row) == ("222009007744", None)
    assert _found(app, "900222") == {"Ada"} and _found(app, "900111") == set() and _found(app, "900333") == set()
    assert reversed_digits(None) is None


def _all_in_step(app) -> bool:
    with app.app_context():
        rows = db.session.execute(select(Patient.phone, Patient.phone_alt, Patient.phone_reversed,
                                         Patient.phone_alt_reversed)).all()
    assert any(row.phone for row in rows)
    return all((row.phone_reversed, row.phone_alt_reversed) == (reversed_digits(row.phone),
                                                                 reversed_digits(row.phone_alt)) for row in rows)


def test_demo_patients_written_in_bulk_carry_their_reversed_digits(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--enquiries", "60", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert _all_in_step(app)


def test_imported_patients_written_in_bulk_carry_their_reversed_digits(app):
    from tests.imports.conftest import csv_bytes, person
    from tracker.imports import mapping, parse
    from tracker.imports import services as imports

    content = csv_bytes([person(n) for n in range(1, 4)])
    with app.app_context():
        chosen = mapping.guess(parse.read_layout(content).headers)
        imports.process(content, "clinic.csv", chosen, commit=True, skip_invalid=False, by_id=None, rejected=None)
        db.session.commit()
    assert _all_in_step(app)
    assert _found(app, "900002") == {"Pat"}
