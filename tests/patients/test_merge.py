"""Merging two records of one person: nothing is lost (every table counted), everything of the other is on the one
kept, differing details become further contacts, the other is archived into the kept one, and refusals are clear."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.builders import read_enquiry, read_patient, table_counts
from tests.patients.helpers import add_contact, contacts, flag_match
from tracker.audit.models import AuditAction
from tracker.db import utcnow
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import ContactOutcome, Enquiry
from tracker.errors import ConflictError
from tracker.extensions import db
from tracker.patients import merge as merging
from tracker.patients.models import ConsentMethod, ContactKind, ContactMethod, Patient


def _merge(app, keep_id: int, other_id: int, **kwargs) -> dict:
    with app.app_context():
        summary = merging.merge(db.session.get(Patient, keep_id), db.session.get(Patient, other_id), by_id=None,
                                **kwargs)
        db.session.commit()
        return summary


def _busy_enquiry(app, make_user, make_enquiry, patient_id: int) -> int:
    """An enquiry with a booking, an assessment, a plan, notes, contact attempts and follow-ups."""
    from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
    from tracker.consultations.models import Assessment, ScarFinding, ScarType, SkinType
    from tracker.plans.models import PlanItem, PlanStatus, TreatmentPlan

    specialist = make_user("specialist")
    enquiry_id = make_enquiry(patient_id=patient_id)
    with app.app_context():
        found = db.session.get(Enquiry, enquiry_id)
        enquiries.add_note(found, "Prefers mornings", by_id=specialist.id)
        enquiries.record_contact(found, ContactOutcome.VOICEMAIL, by_id=specialist.id)
        seen_at = utcnow() - timedelta(days=1)
        seen = Appointment(enquiry_id=enquiry_id, kind=AppointmentKind.CONSULTATION, starts_at=seen_at,
                           practitioner_id=specialist.id, ends_at=seen_at + timedelta(minutes=30),
                           status=AppointmentStatus.ATTENDED)
        db.session.add(seen)
        db.session.flush()
        assessment = Assessment(appointment_id=seen.id, enquiry_id=enquiry_id, assessed_by_id=specialist.id,
                                skin_type=SkinType.III, gb_grade=2)
        db.session.add(assessment)
        db.session.flush()
        db.session.add(ScarFinding(assessment_id=assessment.id, scar_type=ScarType.BOXCAR, position=0))
        plan = TreatmentPlan(enquiry_id=enquiry_id, number=1, status=PlanStatus.DRAFT, practitioner_id=specialist.id)
        db.session.add(plan)
        db.session.flush()
        db.session.add(PlanItem(plan_id=plan.id, treatment_id=1, sessions=2, interval_weeks=4, price_pence=10000,
                                reflection_days=2))
        db.session.commit()
    return enquiry_id


def test_merging_loses_no_row_of_any_table_and_moves_every_enquiry_of_the_other(app, make_user, make_patient,
                                                                               make_enquiry, audit_rows):
    keep = make_patient(first_name="Ada", last_name="King", phone="+447700900001")
    other = make_patient(first_name="Ada", last_name="Lovelace", phone="+447700900002", email="ada@example.org",
                         phone_alt="+447700900003")
    add_contact(app, other, "ada@work.example", ContactKind.EMAIL)
    kept_enquiry = make_enquiry(patient_id=keep)
    moved = [_busy_enquiry(app, make_user, make_enquiry, other), make_enquiry(patient_id=other)]
    with app.app_context():
        archived = db.session.get(Enquiry, moved[1])
        enquiries.archive(archived, version=archived.version)
        db.session.commit()
    before = table_counts(app)
    summary = _merge(app, keep, other)
    after = table_counts(app)
    # The other's second number and e-mail fill the kept record's empty fields; its differing main number becomes a
    # further contact, and its further e-mail moves over.
    assert after["patient_contacts"] == before["patient_contacts"] + 1
    assert contacts(app, keep) == {("phone", "+447700900002"), ("email", "ada@work.example")}
    assert (read_patient(app, keep).phone_alt, read_patient(app, keep).email) == ("+447700900003", "ada@example.org")
    assert after["audit_events"] > before["audit_events"]
    unchanged = {name for name in before if name not in ("patient_contacts", "audit_events")}
    assert {name: after[name] for name in unchanged} == {name: before[name] for name in unchanged}
    with app.app_context():
        on_keep = set(db.session.scalars(select(Enquiry.id).where(Enquiry.patient_id == keep)))
        on_other = list(db.session.scalars(select(Enquiry.id).where(Enquiry.patient_id == other)))
    assert on_keep == {kept_enquiry, *moved} and on_other == []
    assert read_enquiry(app, moved[1]).archived_at is not None  # archived on its own before: still archived
    assert summary["enquiries"] == moved
    merged = audit_rows(action=AuditAction.MERGE)
    assert len(merged) == 1 and (merged[0]["entity_type"], merged[0]["entity_id"]) == ("patients", keep)
    assert (merged[0]["changes"]["kept"], merged[0]["changes"]["merged"]) == (keep, other)
    assert merged[0]["changes"]["enquiries"] == moved


def test_only_the_known_columns_reference_patients_so_the_merge_handles_every_one():
    """A new table pointing at patients must be taught to the merge (tracker/patients/merge.py) before this passes."""
    references = {f"{fk.parent.table.name}.{fk.parent.name}" for table in db.metadata.sorted_tables
                  for fk in table.foreign_keys if fk.column.table.name == "patients"}
    assert references == {"enquiries.patient_id", "enquiries.match_patient_id", "patients.merged_into_id",
                          "patient_contacts.patient_id", "patient_distinct_pairs.low_id",
                          "patient_distinct_pairs.high_id"}


def test_the_other_is_archived_into_the_kept_and_its_page_leads_there(app, client, login_as, make_patient):
    login_as("reception")
    keep, other = make_patient(), make_patient()
    _merge(app, keep, other)
    gone = read_patient(app, other)
    assert gone.archived_at is not None and gone.merged_into_id == keep
    response = client.get(f"/patients/{other}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/patients/{keep}")


def test_empty_fields_are_filled_and_differing_details_kept_as_noted_contacts(app, make_patient):
    keep = make_patient(first_name="Ada", last_name="King", phone="+447700900001", notes="Keep's note")
    other = make_patient(first_name="Ada", last_name="Lovelace", phone="+447700900002", email="ada@example.org",
                         date_of_birth=date(1990, 3, 4), preferred_times="evenings", notes="Other's note",
                         preferred_contact=ContactMethod.SMS)
    _merge(app, keep, other)
    kept = read_patient(app, keep)
    assert (kept.email, kept.date_of_birth, kept.preferred_times, kept.preferred_contact) == (
        "ada@example.org", date(1990, 3, 4), "evenings", ContactMethod.SMS)
    assert kept.phone == "+447700900001" and kept.first_name == "Ada" and kept.last_name == "King"
    assert kept.notes.startswith("Keep's note\n\n[From patient #")
    assert "Also recorded as Ada Lovelace." in kept.notes and kept.notes.endswith("Other's note")
    assert contacts(app, keep) == {("phone", "+447700900002")}  # the e-mail filled an empty field instead
    with app.app_context():
        from tracker.patients.models import PatientContact

        note = db.session.scalar(select(PatientContact.note).where(PatientContact.patient_id == keep))
    assert note.startswith(f"from patient #{other}, merged ") and re.fullmatch(r".* \d\d/\d\d/\d{4}", note)


def test_details_the_kept_record_already_has_are_not_repeated(app, make_patient):
    keep = make_patient(phone="+447700900001", email="a@example.org")
    add_contact(app, keep, "+447700900009")
    other = make_patient(phone="+447700900009", phone_alt="+447700900001", email="a@example.org")
    add_contact(app, other, "+447700900001")
    before = table_counts(app)["patient_contacts"]
    _merge(app, keep, other)
    assert contacts(app, keep) == {("phone", "+447700900009")}
    assert contacts(app, other) == {("phone", "+447700900001")}  # left on the archived record, not deleted
    assert table_counts(app)["patient_contacts"] == before


@pytest.mark.parametrize(("keep_days_ago", "other_days_ago", "expected"), [
    (10, 1, False),  # the other withdrew more recently: withdrawn
    (1, 10, True),  # the kept record's consent is the newer decision
    (None, 5, False),  # only the other ever recorded a decision
])
def test_marketing_consent_follows_the_most_recent_recorded_decision(app, make_patient, keep_days_ago,
                                                                    other_days_ago, expected):
    keep, other = make_patient(), make_patient()
    now = datetime.now(UTC)
    with app.app_context():
        kept, gone = db.session.get(Patient, keep), db.session.get(Patient, other)
        if keep_days_ago is not None:
            kept.marketing_consent, kept.marketing_consent_method = True, ConsentMethod.VERBAL
            kept.marketing_consent_at = now - timedelta(days=keep_days_ago)
        gone.marketing_consent, gone.marketing_consent_at = False, now - timedelta(days=other_days_ago)
        db.session.commit()
    _merge(app, keep, other)
    assert read_patient(app, keep).marketing_consent is expected


def test_matches_pointing_at_the_other_now_point_at_the_kept_and_a_match_on_itself_is_cleared(
        app, make_patient, make_enquiry):
    keep, other, third = make_patient(), make_patient(), make_patient()
    elsewhere = make_enquiry(patient_id=third)
    flag_match(app, elsewhere, other)
    own = make_enquiry(patient_id=other)
    flag_match(app, own, keep)
    _merge(app, keep, other)
    assert read_enquiry(app, elsewhere).match_patient_id == keep
    moved = read_enquiry(app, own)
    assert (moved.patient_id, moved.match_patient_id, moved.match_strength, moved.match_reason) == (
        keep, None, None, None)


def test_records_merged_earlier_into_the_other_lead_straight_to_the_kept(app, make_patient):
    first, middle, last = make_patient(), make_patient(), make_patient()
    _merge(app, middle, first)
    _merge(app, last, middle)
    assert read_patient(app, first).merged_into_id == last


def test_refusals_itself_archived_and_merged(app, make_patient):
    keep, other, gone = make_patient(), make_patient(), make_patient()
    _merge(app, keep, gone)
    with app.app_context():
        kept, second, merged = (db.session.get(Patient, i) for i in (keep, other, gone))
        with pytest.raises(merging.MergeError, match="itself"):
            merging.merge(kept, kept, by_id=None)
        with pytest.raises(merging.MergeError, match="already merged into"):
            merging.merge(kept, merged, by_id=None)
        with pytest.raises(merging.MergeError, match="already merged into"):
            merging.merge(merged, second, by_id=None)
        second.archived_at = utcnow()
        with pytest.raises(merging.MergeError, match="archived"):
            merging.merge(kept, second, by_id=None)


def test_a_stale_version_of_either_record_is_a_conflict_and_nothing_moves(app, make_patient, make_enquiry):
    keep, other = make_patient(), make_patient()
    make_enquiry(patient_id=other)
    before = table_counts(app)
    with app.app_context():
        kept, gone = db.session.get(Patient, keep), db.session.get(Patient, other)
        with pytest.raises(ConflictError):
            merging.merge(kept, gone, by_id=None, keep_version=kept.version, other_version=gone.version - 1 or 99)
        db.session.rollback()
    assert table_counts(app) == before and read_patient(app, other).archived_at is None


