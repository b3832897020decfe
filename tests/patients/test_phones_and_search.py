"""Phone numbers typed any common way are stored in E.164 and found; names are found by any start, case or accent."""

import pytest

from tracker.extensions import db
from tracker.patients import services
from tracker.patients.models import Patient
from tracker.patients.names import name_key
from tracker.patients.phones import InvalidPhone, display_phone, normalise_phone, phone_search_prefix

SAME_NUMBER = ["07700 900123", "+44 7700 900123", "447700900123", "07700-900-123", "(07700) 900 123",
               "0044 7700 900123", "+447700900123", " 07700900123 ", "+44 (0)7700 900123"]


@pytest.mark.parametrize("typed", SAME_NUMBER)
def test_common_forms_of_a_uk_number_normalise_to_one_e164(app, typed):
    with app.app_context():
        assert normalise_phone(typed) == "+447700900123"


@pytest.mark.parametrize(("typed", "why"), [("123", "too short"), ("0770090012345678", "too long"),
                                             ("call me", "digits"), ("07700 900123 ext", "digits"), ("", "digits")])
def test_unreadable_numbers_are_refused_with_a_reason(app, typed, why):
    with app.app_context(), pytest.raises(InvalidPhone, match=why):
        normalise_phone(typed)


def test_numbers_are_shown_nationally_at_home_and_internationally_abroad(app):
    with app.app_context():
        assert display_phone("+447700900123") == "07700 900123"
        assert display_phone(normalise_phone("+33 1 42 68 53 00")) == "+33 1 42 68 53 00"


@pytest.mark.parametrize(("typed", "prefix"), [("07700 900", "+447700900"), ("+44 7700 9", "+4477009"),
                                                ("447700 90", "+44770090"), ("12", None), ("Smith", None)])
def test_partial_numbers_search_by_their_e164_start(app, typed, prefix):
    with app.app_context():
        assert phone_search_prefix(typed) == prefix


def test_name_keys_fold_case_accents_and_punctuation():
    assert name_key("Siobhán O'Connor-Dúnlaing") == "siobhan oconnordunlaing"
    assert name_key("  ZOË   Łukasz ") == "zoe lukasz"


@pytest.fixture
def people(make_patient):
    return {
        "zoe": make_patient("Zoë", "O'Connor", phone="+447700900123", email="zoe@example.com"),
        "john": make_patient("John", "Smith", phone="+441134960000", phone_alt="+447700900555"),
        "jo": make_patient("Joanna", "Smithers", phone=None, email="jo.smithers@example.org"),
        "maria": make_patient("María José", "de la Cruz", phone="+447700900777"),
    }


def _found(client, q) -> set[str]:
    page = client.get("/search", query_string={"q": q}).get_data(as_text=True)
    return {name for name in ("Zo&#235;", "Zoë", "John Smith", "Joanna Smithers", "María José de la Cruz")
            if name in page}


@pytest.mark.parametrize("typed", SAME_NUMBER)
def test_search_finds_a_caller_by_any_form_of_their_number(client, login_as, people, typed):
    login_as("reception")
    assert _found(client, typed) == {"Zoë"}


@pytest.mark.parametrize(("q", "expected"), [
    ("zoe", {"Zoë"}), ("ZOË", {"Zoë"}), ("o'con", {"Zoë"}), ("ocon", {"Zoë"}), ("zoe o", {"Zoë"}),
    ("smith", {"John Smith", "Joanna Smithers"}), ("SMITHE", {"Joanna Smithers"}),
    ("jo", {"John Smith", "Joanna Smithers"}),
    ("john smi", {"John Smith"}), ("jo smi", {"John Smith", "Joanna Smithers"}), ("jo smithe", {"Joanna Smithers"}),
    ("smith jo", {"John Smith", "Joanna Smithers"}), ("smith joh", {"John Smith"}),
    ("de la cr", {"María José de la Cruz"}), ("maria jose", {"María José de la Cruz"}),
    ("nobody", set()),
])
def test_search_finds_names_by_first_or_last_name_start_in_any_case_or_accent(client, login_as, people, q, expected):
    login_as("reception")
    assert _found(client, q) == expected


@pytest.mark.parametrize(("q", "expected"), [
    ("connor", {"Zoë"}), ("CONN", {"Zoë"}), ("mith", {"John Smith", "Joanna Smithers"}),
    ("ithers", {"Joanna Smithers"}),
    ("cruz", {"María José de la Cruz"}), ("anna smi", {"Joanna Smithers"}), ("ohn mit", {"John Smith"}),
    ("jose", {"María José de la Cruz"}), ("mithx", set()),
])
def test_search_finds_names_by_any_part_of_three_letters_or_more(client, login_as, people, q, expected):
    login_as("reception")
    assert _found(client, q) == expected


def test_a_short_part_inside_a_name_is_not_a_match(client, login_as, people):
    login_as("reception")
    assert _found(client, "mi") == set()  # only Smith contains it, and two letters match by the start only


def test_names_starting_with_the_search_come_before_names_containing_it(client, login_as, make_patient):
    make_patient("Adam", "Goldsmith", phone=None)
    make_patient("Zara", "Smith", phone=None)
    login_as("reception")
    page = client.get("/search", query_string={"q": "smith"}).get_data(as_text=True)
    assert page.index("Zara Smith") < page.index("Adam Goldsmith")


def test_renamed_and_archived_patients_leave_the_part_search(app, client, login_as, make_patient):
    renamed = make_patient("Ruth", "Fairweather", phone=None)
    archived = make_patient("Rhys", "Weatherall", phone=None)
    login_as("reception")
    with app.app_context():
        patient = db.session.get(Patient, renamed)
        patient.last_name = "Brown"
        db.session.get(Patient, archived).archived_at = patient.created_at
        db.session.commit()
    page = client.get("/search", query_string={"q": "eather"}).get_data(as_text=True)
    assert "Ruth" not in page and "Rhys" not in page  # the index forgot the old name; archived ones are left out
    assert "Ruth Brown" in client.get("/search", query_string={"q": "rown"}).get_data(as_text=True)


def test_search_finds_by_second_number_and_by_email(client, login_as, people):
    login_as("reception")
    assert _found(client, "07700 900555") == {"John Smith"}
    assert _found(client, "JO.SMITHERS@example.org") == {"Joanna Smithers"}
    assert _found(client, "zoe@") == {"Zoë"}


def test_duplicate_matching_is_strong_on_phone_or_email_and_weak_on_name_and_birth_date(app, make_patient):
    from datetime import date

    same_phone = make_patient("Ann", "Other", phone="+447700900321")
    same_email = make_patient("Bea", "Other", phone=None, email="bea@example.com")
    same_name_dob = make_patient("Cara", "Náire", phone="+447700900999", date_of_birth=date(1990, 5, 1))
    make_patient("Cara", "Naire", phone="+447700900998", date_of_birth=date(1991, 5, 1))  # other birthday
    with app.app_context():
        found = services.find_matches(phones=["+447700900321"], email="bea@example.com", first_name="cara",
                                      last_name="NAIRE", date_of_birth=date(1990, 5, 1))
        result = {m.patient.id: (m.strong, m.reason) for m in found}
    assert result == {same_phone: (True, "same phone number"), same_email: (True, "same e-mail"),
                      same_name_dob: (False, "same name and date of birth")}


def test_a_search_matching_more_than_a_page_shows_a_page_in_surname_order_and_says_there_are_more(app, make_patient):
    for first, last in (("Cara", "Smith"), ("Ann", "Smith"), ("Bob", "Smithson"), ("Ann", "Smart")):
        make_patient(first, last, phone=None)
    with app.app_context():
        found, more = services.search("smi", limit=2)
        assert [p.full_name for p in found] == ["Ann Smith", "Cara Smith"] and more
        found, more = services.search("smi", limit=3)
        assert [p.full_name for p in found] == ["Ann Smith", "Cara Smith", "Bob Smithson"] and not more
