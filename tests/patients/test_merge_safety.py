"""The merge reads both records afresh before it acts, always moves the kept record's version on, never fails on a
number held twice, keeps a differing birth date and best times on the live record, and takes along the pairs someone
said are different people."""

from datetime import date

import pytest
from sqlalchemy import select, update

from tests.builders import read_enquiry, read_patient, table_counts
from tests.patients.helpers import flag_match
from tracker.db import utcnow
from tracker.extensions import db
from tracker.patients import merge as merging
from tracker.patients import services
from tracker.patients.duplicates import mark_distinct
from tracker.patients.forms import NOTES_MAX
from tracker.patients.models import DistinctPair, Patient
from tracker.patients.services import PatientDetails


def _merge(app, keep_id: int, other_id: int) -> dict:
    with app.app_context():
        summary = merging.merge(db.session.get(Patient, keep_id), db.session.get(Patient, other_id), by_id=None)
        db.session.commit()
        return summary


def _person(app, **fields) -> int:
    """A patient with exactly these details (None where not given), committed."""
    with app.app_context():
        found = services.create_patient(PatientDetails(first_name="Ada", last_name="Lovelace",
                                                       email="ada@example.org"))
        for name, value in fields.items():
            setattr(found, name, value)
        db.session.commit()
        return found.id


@pytest.mark.parametrize("moved_by", ["the other way round", "into a third record"])
def test_a_merge_reads_both_records_afresh_and_refuses_one_merged_by_someone_else_meanwhile(app, make_patient,
                                                                                           make_enquiry, moved_by):
    a, b, c = make_patient(), make_patient(), make_patient()
    make_enquiry(patient_id=a)
    with app.app_context():
        first, second = db.session.get(Patient, a), db.session.get(Patient, b)  # as the page read them
        # Meanwhile another request merges one of them and commits; these objects still say both are live.
        target = b if moved_by == "the other way round" else c
        db.session.connection().execute(update(Patient.__table__).where(Patient.id == a)
                                        .values(merged_into_id=target, archived_at=utcnow()))
        assert first.merged_into_id is None
        with pytest.raises(merging.MergeError, match=f"already merged into patient #{target}"):
            merging.merge(second, first, by_id=None)
        db.session.rollback()
    assert read_patient(app, b).merged_into_id is None and read_patient(app, b).archived_at is None


@pytest.mark.parametrize("fills", [False, True])
def test_the_kept_records_version_rises_by_one_whether_or_not_anything_was_filled_in(app, make_patient, fills):
    keep = make_patient(first_name="Ada", last_name="Lovelace")
    other = make_patient(first_name="Ada", last_name="Lovelace", **({"email": "ada@example.org"} if fills else {}))
    before = read_patient(app, keep).version
    summary = _merge(app, keep, other)
    assert ("email" in summary["filled"]) is fills
    # An edit form opened on the kept record before the merge is now stale (a 409, not a silent overwrite).
    assert read_patient(app, keep).version == before + 1


def test_an_edit_form_opened_before_a_merge_that_filled_nothing_is_refused(app, client, login_as, make_patient):
    login_as("reception")
    keep, other = make_patient(first_name="Ada", last_name="Lovelace"), make_patient(first_name="Ada",
                                                                                    last_name="Lovelace")
    opened = read_patient(app, keep).version
    _merge(app, keep, other)
    response = client.post(f"/patients/{keep}/edit", data={
        "first_name": "Ada", "last_name": "Lovelace", "phone": "07700 900001", "preferred_contact": "any",
        "version": str(opened)})
    assert response.status_code == 409


@pytest.mark.parametrize(("keep_fields", "other_fields", "phones"), [
    # The kept record has no main number but the other's as its second: a pair the duplicates page lists.
    ({"phone": None, "phone_alt": "+447700900001"}, {"phone": "+447700900001"},
     ("+447700900001", "+447700900001")),
    # The kept record holds one number twice: it is left as it was, not blanked.
    ({"phone": "+447700900001", "phone_alt": "+447700900001"}, {"phone": "+447700900002"},
     ("+447700900001", "+447700900001")),
    # Both numbers filled from the other, which held one number twice: once is enough.
    ({"phone": None, "phone_alt": None}, {"phone": "+447700900003", "phone_alt": "+447700900003"},
     ("+447700900003", None)),
])
def test_a_number_held_twice_never_breaks_the_merge_and_the_kept_numbers_stay(app, keep_fields, other_fields,
                                                                              phones):
    keep, other = _person(app, **keep_fields), _person(app, **other_fields)
    _merge(app, keep, other)
    kept = read_patient(app, keep)
    assert (kept.phone, kept.phone_alt) == phones
    assert read_patient(app, other).merged_into_id == keep


def test_confirming_a_match_whose_records_hold_one_number_twice_is_no_500(app, client, login_as, make_enquiry):
    login_as("reception")
    existing = _person(app, phone=None, phone_alt="+447700900001")
    new = _person(app, phone="+447700900001", email=None)
    enquiry_id = make_enquiry(patient_id=new)
    flag_match(app, enquiry_id, existing)
    response = client.post(f"/enquiries/{enquiry_id}/match/confirm",
                           data={"version": str(read_enquiry(app, enquiry_id).version)})
    assert response.status_code == 302
    assert read_patient(app, new).merged_into_id == existing


def test_a_differing_birth_date_and_best_times_are_noted_on_the_kept_record(app):
    keep = _person(app, date_of_birth=date(1990, 3, 4), preferred_times="mornings", notes="Keep's note")
    other = _person(app, date_of_birth=date(1990, 4, 3), preferred_times="evenings")
    same = _person(app, date_of_birth=date(1990, 3, 4), preferred_times="mornings")
    _merge(app, keep, other)
    _merge(app, keep, same)
    kept = read_patient(app, keep)
    assert (kept.date_of_birth, kept.preferred_times) == (date(1990, 3, 4), "mornings")
    assert "Date of birth also recorded as 03/04/1990." in kept.notes
    assert "Best times to contact also recorded as: evenings." in kept.notes
    assert kept.notes.count("also recorded as") == 2  # the record with the same details adds no such line


def _edit(client, patient_id: int, notes: str):
    found = read_patient(client.application, patient_id)
    return client.post(f"/patients/{patient_id}/edit", data={
        "first_name": found.first_name, "last_name": found.last_name, "email": found.email or "",
        "preferred_contact": "any", "notes": notes, "version": str(found.version)})


def test_notes_made_long_by_a_merge_are_kept_whole_and_can_be_saved_back_but_not_lengthened(app, client, login_as):
    login_as("reception")
    keep = _person(app, notes="k" * (NOTES_MAX - 10))
    other = _person(app, notes="o" * NOTES_MAX)
    _merge(app, keep, other)
    merged = read_patient(app, keep).notes
    assert len(merged) > 2 * NOTES_MAX - 10 and merged.endswith("o" * NOTES_MAX)  # nothing cut
    assert _edit(client, keep, merged.replace("\n", "\r\n")).status_code == 302  # as a browser sends it back
    shortened = merged[:-100]
    assert _edit(client, keep, shortened).status_code == 302
    response = _edit(client, keep, shortened + "x" * 200)
    assert response.status_code == 200 and "shorten them to add more" in response.get_data(as_text=True)
    assert read_patient(app, keep).notes == shortened


def test_an_ordinary_record_keeps_the_usual_notes_limit(app, client, login_as):
    login_as("reception")
    plain = _person(app, notes="short")
    response = _edit(client, plain, "n" * (NOTES_MAX + 1))
    assert response.status_code == 200 and f"at most {NOTES_MAX:,} characters" in response.get_data(as_text=True)
    assert read_patient(app, plain).notes == "short"


def _pairs(app) -> set[tuple[int, int]]:
    with app.app_context():
        return set(db.session.execute(select(DistinctPair.low_id, DistinctPair.high_id)).tuples())


def test_pairs_said_to_be_different_people_move_to_the_kept_record_once_and_nothing_is_deleted(app, make_patient):
    keep, other, x, y, z = (make_patient() for _ in range(5))
    with app.app_context():
        for first, second in ((other, x), (y, other), (keep, y), (keep, other), (z, keep)):
            mark_distinct(first, second, by_id=None)
        db.session.commit()
    before = table_counts(app)["patient_distinct_pairs"]
    summary = _merge(app, keep, other)
    assert _pairs(app) == {(min(keep, x), max(keep, x)),  # moved over
                           (min(keep, y), max(keep, y)), (min(other, y), max(other, y)),  # kept had it: left
                           (keep, other),  # the two merged records: left on the archived one
                           (min(keep, z), max(keep, z))}
    assert len(summary["distinct_pairs"]) == 1
    assert table_counts(app)["patient_distinct_pairs"] == before
