"""flask seed-demo --enquiries: realistic, reproducible demo data, refused on a database with real data."""

import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from tests.conftest import make_test_app, migrate_to_head
from tests.demo.conftest import seed, snapshot
from tracker.audit.models import AuditAction, AuditEvent
from tracker.auth.models import User
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.catalogue.models import Treatment
from tracker.consultations.models import Assessment
from tracker.enquiries.models import (
    ContactAttempt,
    ContactOutcome,
    Enquiry,
    EnquiryConcern,
    StageChange,
    enquiry_treatments,
)
from tracker.enquiries.stages import PIPELINE, Stage, can_move
from tracker.extensions import db
from tracker.patients.models import Patient
from tracker.patients.names import name_key
from tracker.patients.phones import normalise_phone
from tracker.permissions import Role
from tracker.plans.models import TreatmentPlan
from tracker.settings.models import Option, OptionKind

LONDON = ZoneInfo("Europe/London")
DRAMA = re.compile(r"^\+44(7700900|11[3-8]4960|1[2-6]14960|2079460|1914980|2896496|2920180|1632960)\d{3}$")
HOLDS_TIME = {AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED, AppointmentStatus.DID_NOT_ATTEND}


def _history(read_all) -> dict[int, list[StageChange]]:
    changes = defaultdict(list)
    for change in read_all(StageChange):
        changes[change.enquiry_id].append(change)
    return changes


def test_the_same_seed_gives_the_same_data_on_a_fresh_database_and_another_seed_does_not(seeded, tmp_path):
    other_uri = f"sqlite:///{tmp_path / 'second.db'}"
    migrate_to_head(other_uri)
    other = make_test_app(other_uri)
    try:
        assert seed(other, "--enquiries", "300", "--seed", "7").exit_code == 0
        first, second = snapshot(seeded), snapshot(other)
        assert len(first["enquiries"]) == 300 and first["changes"]
        assert all(first[rows] for rows in ("assessments", "findings", "plans", "items", "sessions"))
        assert first == second
        third_uri = f"sqlite:///{tmp_path / 'third.db'}"
        migrate_to_head(third_uri)
        third = make_test_app(third_uri)
        assert seed(third, "--enquiries", "300", "--seed", "8").exit_code == 0
        different = snapshot(third)
        with third.app_context():
            db.engine.dispose()
    finally:
        with other.app_context():
            db.engine.dispose()
    assert different["patients"] != first["patients"]
    assert [row[3] for row in different["enquiries"]] != [row[3] for row in first["enquiries"]]
    assert different["assessments"] != first["assessments"] and different["plans"] != first["plans"]


def test_exactly_n_enquiries_from_fewer_patients_some_returning(seeded, read_all):
    enquiries, patients = read_all(Enquiry), read_all(Patient)
    assert len(enquiries) == 300
    per_patient = defaultdict(int)
    for enquiry in enquiries:
        per_patient[enquiry.patient_id] += 1
    assert set(per_patient) == {p.id for p in patients}
    returning = sum(1 for count in per_patient.values() if count >= 2) / len(patients)
    assert 0.07 < returning < 0.25
    assert all(p.version == 1 and p.created_at and p.updated_at for p in patients)
    assert all(e.version == 1 and e.created_at == e.received_at and e.updated_at >= e.received_at for e in enquiries)
    concerns = read_all(EnquiryConcern)
    assert {c.enquiry_id for c in concerns} == {e.id for e in enquiries}  # everyone has a concern


def test_every_enquiry_has_a_stage_history_from_new_to_its_stage(seeded, read_all):
    history = _history(read_all)
    reasons = {o.id for o in read_all(Option) if o.kind is OptionKind.LOST_REASON}
    for enquiry in read_all(Enquiry):
        changes = history[enquiry.id]
        first, last = changes[0], changes[-1]
        assert (first.from_stage, first.to_stage, first.at) == (None, Stage.NEW, enquiry.received_at)
        assert last.to_stage == enquiry.stage
        for before, after in pairwise(changes):
            assert after.from_stage == before.to_stage and can_move(before.to_stage, after.to_stage)
            assert after.at >= before.at
        if enquiry.stage is Stage.LOST:
            assert enquiry.lost_reason_id in reasons and last.lost_reason_id == enquiry.lost_reason_id
            assert enquiry.lost_from_stage == last.from_stage and enquiry.lost_from_stage is not Stage.LOST
        else:
            assert enquiry.lost_reason_id is None and enquiry.lost_from_stage is None


def test_the_funnel_drops_off_plausibly_and_recent_enquiries_are_more_often_open(seeded, read_all):
    history = _history(read_all)
    reached = {stage: 0 for stage in PIPELINE}  # enquiries that ever reached it (a missed consultation goes back)
    for changes in history.values():
        for stage in {change.to_stage for change in changes} & set(reached):
            reached[stage] += 1
    share = {stage: count / 300 for stage, count in reached.items()}
    assert 0.75 < share[Stage.CONTACTED] < 0.95
    assert 0.33 < share[Stage.CONSULTATION_BOOKED] < 0.58
    assert 0.24 < share[Stage.CONSULTED] < 0.47
    assert 0.01 < share[Stage.COMPLETED] < 0.15
    counts = [reached[stage] for stage in PIPELINE]
    assert counts == sorted(counts, reverse=True)
    enquiries = read_all(Enquiry)  # oldest first: ids follow arrival
    assert [e.received_at for e in enquiries] == sorted(e.received_at for e in enquiries)
    open_share = [sum(e.stage.is_open for e in group) / len(group) for group in (enquiries[:150], enquiries[-30:])]
    assert open_share[1] > open_share[0] + 0.2
    lost = [e for e in enquiries if e.stage is Stage.LOST]
    assert len(lost) > 100 and len({e.lost_from_stage for e in lost}) >= 4


def test_first_contact_is_the_first_reached_attempt(seeded, read_all):
    attempts = defaultdict(list)
    for attempt in read_all(ContactAttempt):
        attempts[attempt.enquiry_id].append(attempt)
    history = _history(read_all)
    for enquiry in read_all(Enquiry):
        reached = [a.at for a in attempts[enquiry.id] if a.outcome is ContactOutcome.REACHED]
        was_contacted = any(c.to_stage is Stage.CONTACTED for c in history[enquiry.id])
        if was_contacted:
            assert enquiry.first_contacted_at == min(reached)
            contacted = next(c for c in history[enquiry.id] if c.to_stage is Stage.CONTACTED)
            assert contacted.at == enquiry.first_contacted_at
            assert all(a.at >= enquiry.received_at for a in attempts[enquiry.id])
        else:
            assert enquiry.first_contacted_at is None and not reached
        if enquiry.stage is Stage.NEW:
            assert enquiry.first_contacted_at is None
    outcomes = {a.outcome for rows in attempts.values() for a in rows}
    assert {ContactOutcome.NO_ANSWER, ContactOutcome.VOICEMAIL, ContactOutcome.REACHED} <= outcomes


def test_enquiries_arrive_in_opening_hours_over_the_last_18_months(seeded, read_all):
    now = datetime.now(UTC)
    received = [e.received_at for e in read_all(Enquiry)]
    for at in received:
        local = at.astimezone(LONDON)
        assert local.weekday() != 6
        closes = 13 if local.weekday() == 5 else 18
        assert 9 <= local.hour < closes, local
        assert now - timedelta(days=550) < at < now
    assert min(received) < now - timedelta(days=365)  # spread over the whole window
    for change in read_all(StageChange):
        assert change.at < now


def test_phones_emails_and_name_keys_are_valid_and_made_up(seeded, read_all):
    patients = read_all(Patient)
    with seeded.test_request_context():
        for patient in patients:
            for phone in (patient.phone, patient.phone_alt):
                if phone:
                    assert normalise_phone(phone) == phone and DRAMA.match(phone), phone
            assert patient.phone or patient.email
            if patient.email:
                assert re.fullmatch(r"[a-z0-9.]+@example\.(com|org|net)", patient.email), patient.email
            assert patient.name_key == name_key(f"{patient.first_name} {patient.last_name}")
            assert patient.last_name_key == name_key(patient.last_name)
    phones = [p.phone for p in patients if p.phone]
    assert len(set(phones)) == len(phones)  # unique while the drama ranges last
    assert any(p.phone is None for p in patients)
    assert any(not (p.first_name + p.last_name).isascii() or "'" in p.last_name for p in patients)
    assert 0 < sum(p.marketing_consent for p in patients) < len(patients)
    assert 0 < sum(p.date_of_birth is not None for p in patients) < len(patients)


def test_consultations_follow_the_stages_and_no_appointment_double_books(seeded, read_all):
    specialists = {u.id for u in read_all(User) if u.role is Role.SPECIALIST}
    reception = {u.id for u in read_all(User) if u.role is Role.RECEPTION}
    appointments = defaultdict(list)
    every = read_all(Appointment)
    assert {a.kind for a in every} == set(AppointmentKind)
    for appointment in every:
        assert appointment.practitioner_id in specialists
        if appointment.kind is AppointmentKind.CONSULTATION:
            assert appointment.plan_item_id is None and appointment.session_number is None
            appointments[appointment.enquiry_id].append(appointment)
    now = datetime.now(UTC)
    consulted_or_later = set(PIPELINE[PIPELINE.index(Stage.CONSULTED):])
    for enquiry in read_all(Enquiry):
        assert enquiry.assigned_to_id in reception and enquiry.logged_by_id in reception
        mine = appointments[enquiry.id]
        if enquiry.stage in consulted_or_later or enquiry.lost_from_stage in consulted_or_later:
            assert mine[-1].status is AppointmentStatus.ATTENDED and mine[-1].ends_at < now
        booked = [a for a in mine if a.status is AppointmentStatus.BOOKED]
        assert len(booked) == (enquiry.stage is Stage.CONSULTATION_BOOKED)  # a miss goes back to contacted
        for appointment in mine:
            assert appointment.created_at <= (appointment.status_changed_at or appointment.created_at)
            if appointment.starts_at > now:  # still to come, or moved to another day
                assert appointment.status in {AppointmentStatus.BOOKED, AppointmentStatus.REBOOKED}
            else:
                assert appointment.status is not AppointmentStatus.BOOKED
            if appointment.status is AppointmentStatus.REBOOKED:
                assert appointment.rebooked_to_id in {a.id for a in mine}
    statuses = [a.status for rows in appointments.values() for a in rows]
    back = [c for rows in _history(read_all).values() for c in rows
            if (c.from_stage, c.to_stage) == (Stage.CONSULTATION_BOOKED, Stage.CONTACTED)]
    missed = {AppointmentStatus.DID_NOT_ATTEND, AppointmentStatus.CANCELLED}
    assert len(back) == sum(status in missed for status in statuses)
    assert all(c.note.startswith(("Did not attend", "Consultation cancelled: Patient cancelled")) for c in back)
    assert {AppointmentStatus.ATTENDED, AppointmentStatus.DID_NOT_ATTEND, AppointmentStatus.CANCELLED} <= set(statuses)
    held = sorted((a for a in every if a.status in HOLDS_TIME), key=lambda a: (a.practitioner_id, a.starts_at))
    for before, after in pairwise(held):
        if before.practitioner_id == after.practitioner_id:
            assert before.ends_at <= after.starts_at


def test_one_bulk_load_event_describes_the_load_and_the_audit_page_shows_it(seeded, audit_rows, client, login_as):
    [event] = audit_rows(action=AuditAction.BULK_LOAD)
    changes = event["changes"]
    assert changes["demo_data"] == [None, "flask seed-demo --enquiries 300 --seed 7"]
    assert changes["enquiries"] == [None, 300] and changes["enquiry_ids"] == [None, "1 to 300"]
    assert event["actor_label"] == "command line"
    with seeded.app_context():
        assert changes["patients"][1] == db.session.scalar(select(func.count()).select_from(Patient))
        assert changes["stage_changes"][1] == db.session.scalar(select(func.count()).select_from(StageChange))
        assert not db.session.scalar(select(func.count()).select_from(AuditEvent)
                                     .where(AuditEvent.entity_type == "enquiries"))
    login_as("manager")
    page = client.get("/audit", query_string={"action": "bulk_load"})
    assert page.status_code == 200 and "flask seed-demo --enquiries 300 --seed 7" in page.data.decode()


def test_the_orm_can_add_records_after_a_load(seeded):
    with seeded.app_context():
        latest = db.session.scalar(select(func.max(Enquiry.id)))
        patient = Patient(first_name="Siobhán", last_name="O'Connor")
        db.session.add(patient)
        db.session.flush()
        enquiry = Enquiry(patient_id=patient.id, channel="phone")
        db.session.add(enquiry)
        db.session.commit()
        assert enquiry.id == latest + 1 and patient.id > 1


def test_refuses_a_database_with_patients_unless_forced(app):
    with app.app_context():
        db.session.add(Patient(first_name="Real", last_name="Person"))
        db.session.commit()
    refused = seed(app, "--enquiries", "20")
    assert refused.exit_code != 0
    assert "1 patients" in refused.output and "--force" in refused.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enquiry)) == 0
        assert db.session.scalar(select(func.count()).select_from(User)) == 0  # refused before any change
    forced = seed(app, "--enquiries", "20", "--force")
    assert forced.exit_code == 0, forced.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enquiry)) == 20


def test_refuses_a_database_with_real_accounts_and_a_second_load_needs_force(app, make_user):
    make_user(email="owner@clinic.example")
    refused = seed(app, "--enquiries", "20")
    assert refused.exit_code != 0 and "owner@clinic.example" in refused.output
    assert seed(app, "--enquiries", "20", "--force").exit_code == 0
    again = seed(app, "--enquiries", "20")
    assert again.exit_code != 0 and "--force" in again.output
    assert seed(app, "--enquiries", "20", "--force").exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enquiry)) == 40


def test_accounts_alone_are_always_allowed_and_printed(app, make_user):
    make_user(email="owner@clinic.example")
    result = seed(app)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Demo accounts (passwords are new each run):\n")
    assert "reception@demo.example" in result.output and "Added" not in result.output


def test_a_load_of_one(app):
    result = seed(app, "--enquiries", "1", "--seed", "0")
    assert result.exit_code == 0, result.output
    assert "Added 1 demo enquiries from 1 patients (seed 0)" in result.output


def test_follows_a_clinic_that_renamed_or_retired_its_lists(app):
    with app.app_context():
        for option in db.session.scalars(select(Option)):
            if option.kind is OptionKind.SOURCE:
                option.active = False
            elif option.kind is OptionKind.LOST_REASON:
                option.label = f"Renamed {option.id}"
                option.active = option.id % 2 == 0
        for treatment in db.session.scalars(select(Treatment)):
            treatment.active = False
        db.session.commit()
        active_reasons = set(db.session.scalars(select(Option.id).where(Option.kind == OptionKind.LOST_REASON,
                                                                         Option.active)))
    result = seed(app, "--enquiries", "100")
    assert result.exit_code == 0, result.output
    with app.app_context():
        enquiries = db.session.scalars(select(Enquiry)).all()
        assert all(e.source_id is None for e in enquiries)
        assert not db.session.scalar(select(func.count()).select_from(enquiry_treatments))
        reasons = {e.lost_reason_id for e in enquiries if e.stage is Stage.LOST}
        assert reasons and reasons <= active_reasons
        # Nothing in the catalogue to propose: consultations (and their assessments) still happen, plans do not.
        assert db.session.scalar(select(func.count()).select_from(Assessment))
        assert not db.session.scalar(select(func.count()).select_from(TreatmentPlan))
        assert not db.session.scalar(select(func.count()).select_from(StageChange)
                                     .where(StageChange.to_stage == Stage.PLAN_PROPOSED))


def test_refuses_to_lose_enquiries_without_any_lost_reason(app):
    with app.app_context():
        for option in db.session.scalars(select(Option).where(Option.kind == OptionKind.LOST_REASON)):
            option.active = False
        db.session.commit()
    result = seed(app, "--enquiries", "10")
    assert result.exit_code != 0 and "lost reasons" in result.output
    with app.app_context():
        assert not db.session.scalar(select(func.count()).select_from(Enquiry))


def test_a_fixed_today_ends_the_data_on_that_day(app):
    from datetime import date

    from tracker.clock import to_clinic

    result = seed(app, "--enquiries", "200", "--seed", "5", "--today", "2025-06-30")
    assert result.exit_code == 0, result.output
    with app.app_context():
        latest = db.session.scalar(select(func.max(Enquiry.received_at)))
        earliest = db.session.scalar(select(func.min(Enquiry.received_at)))
        assert to_clinic(latest).date() <= date(2025, 6, 30)
        assert to_clinic(earliest).date() >= date(2023, 12, 30)
