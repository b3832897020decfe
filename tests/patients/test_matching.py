"""find_matches: further contacts count as strongly as the record's own, a similar name with the phone says so,
and archived or merged records are never offered."""

from datetime import date

from tests.patients.helpers import add_contact
from tracker.extensions import db
from tracker.patients import services
from tracker.patients.models import ContactKind, Patient
from tracker.patients.services import similar_names


def _found(app, **search) -> list[tuple[int, bool, str]]:
    with app.app_context():
        return [(m.patient.id, m.strong, m.reason) for m in services.find_matches(**search)]


def test_a_further_phone_number_is_a_strong_match(app, make_patient):
    pid = make_patient(first_name="Ada", last_name="King", phone="+447700900001")
    add_contact(app, pid, "+447700900999")
    assert _found(app, phones=["+447700900999"]) == [(pid, True, "same phone number")]


def test_a_further_e_mail_is_a_strong_match(app, make_patient):
    pid = make_patient(email="ada@home.example")
    add_contact(app, pid, "ada@work.example", ContactKind.EMAIL)
    assert _found(app, email="ada@work.example") == [(pid, True, "same e-mail")]


def test_a_further_phone_does_not_match_as_an_e_mail_and_other_numbers_do_not_match(app, make_patient):
    pid = make_patient(phone="+447700900001")
    add_contact(app, pid, "+447700900999")
    assert _found(app, phones=["+447700900555"]) == []


def test_a_similar_name_with_the_same_phone_is_strong_and_ranked_first_with_its_reason(app, make_patient):
    family = make_patient(first_name="John", last_name="Smith", phone="+447700900001")
    same = make_patient(first_name="Jo", last_name="Smith", phone="+447700900002")
    add_contact(app, same, "+447700900001")
    found = _found(app, phones=["+447700900001"], first_name="Joanna", last_name="Smith")
    assert found == [(same, True, "same phone number and a similar name"), (family, True, "same phone number")]


def test_the_same_name_with_the_same_phone_says_same_name(app, make_patient):
    pid = make_patient(first_name="Ada", last_name="King", phone="+447700900001")
    assert _found(app, phones=["+447700900001"], first_name="ADA", last_name="king") == [
        (pid, True, "same phone number and same name")]


def test_same_name_and_birth_date_alone_is_weak(app, make_patient):
    pid = make_patient(first_name="Ada", last_name="King", phone="+447700900001", date_of_birth=date(1990, 1, 2))
    assert _found(app, first_name="Ada", last_name="King", date_of_birth=date(1990, 1, 2)) == [
        (pid, False, "same name and date of birth")]


def test_archived_and_merged_patients_are_not_matched_by_any_detail(app, make_patient):
    archived = make_patient(phone="+447700900001")
    merged = make_patient(phone="+447700900002")
    add_contact(app, merged, "+447700900003")
    live = make_patient(phone="+447700900004")
    with app.app_context():
        db.session.get(Patient, archived).archived_at = db.func.now()
        db.session.get(Patient, merged).merged_into_id = live
        db.session.commit()
    assert _found(app, phones=["+447700900001", "+447700900002", "+447700900003"]) == []


def test_similar_names_need_the_same_surname_and_one_first_name_starting_the_other():
    assert similar_names("jo", "smith", "joanna", "smith")
    assert similar_names("j", "smith", "john", "smith")
    assert not similar_names("jane", "smith", "john", "smith")  # a family sharing a landline
    assert not similar_names("john", "smith", "john", "smyth")
    assert not similar_names("", "smith", "john", "smith")
