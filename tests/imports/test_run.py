"""The import itself: dry and real runs, all-or-nothing, skipping, re-imports, matching, audit, and what the
imported enquiries look like afterwards (stage history, milestones, follow-ups)."""

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import func, select

from tests.builders import table_counts
from tests.imports.conftest import HEADER, csv_bytes, person
from tracker.audit.models import AuditAction, AuditEvent
from tracker.enquiries.models import Concern, Enquiry, EnquiryConcern, MatchStrength, StageChange
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.followups import rules
from tracker.followups.models import FollowUp, FollowUpKind
from tracker.imports import mapping, parse, services
from tracker.imports.models import ImportedRow, ImportRun
from tracker.patients.models import ConsentMethod, Patient


def _run(app, content: bytes, *, commit: bool = True, skip_invalid: bool = False, rejected=None, by_id=None,
         name: str = "clinic.csv") -> services.Result:
    with app.app_context():
        chosen = mapping.guess(parse.read_layout(content).headers)
        result = services.process(content, name, chosen, commit=commit, skip_invalid=skip_invalid, by_id=by_id,
                                  rejected=rejected)
        if result.stopped or not commit:
            db.session.rollback()
        else:
            db.session.commit()
        return result


def test_dry_run_counts_rows_and_stores_nothing(app):
    content = csv_bytes([person(1), person(2), person(3, **{"Enquiry date": "not a date"})])
    before = table_counts(app)
    result = _run(app, content, commit=False)
    assert (result.rows_read, result.valid, result.invalid, result.already_imported) == (3, 2, 1, 0)
    assert table_counts(app) == before


def test_real_run_with_one_invalid_row_stores_nothing(app):
    content = csv_bytes([person(n) for n in range(1, 6)] + [person(6, Status="Consultation booked")])
    before = table_counts(app)
    result = _run(app, content)
    assert result.stopped and result.invalid == 1 and result.imported == 0
    assert table_counts(app) == before


def test_skip_invalid_imports_the_good_rows_and_lists_the_others_with_reasons(app):
    bad_phone = person(2, **{"Phone number": "12"})
    formula = person(3, Name='=HYPERLINK("http://evil.example","click")', **{"Enquiry date": "31/02/2025"})
    sink = io.StringIO()
    result = _run(app, csv_bytes([person(1), bad_phone, formula, person(4)]), skip_invalid=True, rejected=sink)
    assert (result.imported, result.invalid) == (2, 2)
    rejected = list(csv.reader(io.StringIO(sink.getvalue())))
    assert rejected[0] == [*HEADER, "Reasons"]
    assert rejected[1][HEADER.index("Phone number")] == "12" and "Phone:" in rejected[1][-1]
    assert rejected[2][0] == "'" + formula["Name"]  # neutralised: a spreadsheet shows it as text
    assert "does not exist" in rejected[2][-1]
    with app.app_context():
        run = db.session.scalars(select(ImportRun)).one()
        assert (run.rows_read, run.rows_imported, run.rows_rejected, run.skip_invalid) == (4, 2, 2, True)


def test_formula_text_is_stored_as_plain_text(app):
    words = '=HYPERLINK("http://evil.example","click")'
    _run(app, csv_bytes([person(1, Message=words)]))
    with app.app_context():
        assert db.session.scalar(select(Enquiry.caller_words)) == words


def test_reimporting_the_same_file_adds_nothing_and_counts_already_imported(app):
    content = csv_bytes([person(1), person(2)])
    assert _run(app, content).imported == 2
    before = table_counts(app)
    again = _run(app, content)
    assert (again.imported, again.already_imported, again.valid) == (0, 2, 0)
    after = table_counts(app)
    assert after["enquiries"] == before["enquiries"] and after["patients"] == before["patients"]
    assert after["import_runs"] == before["import_runs"] + 1


def test_a_row_repeated_within_a_file_is_imported_once(app):
    result = _run(app, csv_bytes([person(1), person(1)]))
    assert (result.imported, result.already_imported) == (1, 1)


def test_matching_flags_a_strong_match_on_phone_and_a_weak_one_on_name_and_birth_date(app, make_patient):
    by_phone = make_patient("Someone", "Else", phone="+447700900001")
    by_name = make_patient("Ann", "Weak", phone="+447700955555", date_of_birth=datetime(1990, 4, 5).date())
    rows = [person(1), person(2, Name="Ann Weak", DOB="05/04/1990"), person(3)]
    _run(app, csv_bytes(rows))
    with app.app_context():
        found = {e.caller_words: e for e in db.session.scalars(select(Enquiry))}
        strong, weak, none = found["Hello 1"], found["Hello 2"], found["Hello 3"]
        assert (strong.match_patient_id, strong.match_strength) == (by_phone, MatchStrength.STRONG)
        assert strong.match_reason == "same phone number" and strong.patient_id != by_phone  # never merged silently
        assert (weak.match_patient_id, weak.match_strength) == (by_name, MatchStrength.WEAK)
        assert weak.match_reason == "same name and date of birth"
        assert none.match_patient_id is None
        assert db.session.scalar(select(func.count()).select_from(Patient)) == 5


def test_a_person_repeated_in_the_file_is_flagged_against_their_first_row(app):
    _run(app, csv_bytes([person(1), person(1, Message="again", **{"Enquiry date": "04/02/2025"})]))
    with app.app_context():
        first, second = db.session.scalars(select(Enquiry).order_by(Enquiry.id)).all()
        assert first.match_patient_id is None
        assert second.match_patient_id == first.patient_id and second.match_strength is MatchStrength.STRONG
        assert second.match_reason == "same phone number and same e-mail"


def test_the_import_is_audited_with_file_name_counts_and_who(app, make_user):
    manager = make_user("manager")
    _run(app, csv_bytes([person(1), person(2, DOB="32/01/1990")]), skip_invalid=True, by_id=manager.id,
         name="spring.csv")
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.BULK_LOAD)).one()
        run = db.session.scalars(select(ImportRun)).one()
        assert event.entity_type == "import_runs" and event.entity_id == run.id
        assert event.changes["file_name"] == "spring.csv"
        assert (event.changes["rows_read"], event.changes["imported"], event.changes["rejected"]) == (2, 1, 1)
        assert event.changes["enquiries"] == 1 and run.by_id == manager.id
        created = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "import_runs",
                                                              AuditEvent.action == AuditAction.CREATE)).one()
        assert created.changes["file_name"] == [None, "spring.csv"]


def test_stages_history_milestones_and_consent_are_as_the_services_would_write_them(app):
    rows = [person(1), person(2, Status="Contacted", Marketing="Yes"),
            person(3, Status="lost", Reason="price")]
    _run(app, csv_bytes(rows))
    received = datetime(2025, 2, 3, 10, 30, tzinfo=UTC)  # 10:30 in London in February is 10:30 UTC
    with app.app_context():
        new, contacted, lost = db.session.scalars(select(Enquiry).order_by(Enquiry.id)).all()
        assert [e.stage for e in (new, contacted, lost)] == [Stage.NEW, Stage.CONTACTED, Stage.LOST]
        assert new.received_at == received and new.furthest_stage is Stage.NEW
        assert (contacted.first_contacted_at, contacted.first_contact_open_seconds) == (received, 0)
        assert contacted.furthest_stage is Stage.CONTACTED and lost.lost_from_stage is Stage.NEW
        assert lost.lost_reason_id is not None
        history = db.session.execute(select(StageChange.enquiry_id, StageChange.from_stage, StageChange.to_stage,
                                            StageChange.note).order_by(StageChange.id)).all()
        assert [(h.from_stage, h.to_stage) for h in history if h.enquiry_id == lost.id] == [
            (None, Stage.NEW), (Stage.NEW, Stage.LOST)]
        assert all(h.note == "Imported from clinic.csv" for h in history)
        patient = db.session.get(Patient, contacted.patient_id)
        assert patient.marketing_consent and patient.marketing_consent_method is ConsentMethod.WRITTEN
        assert patient.marketing_consent_at == received
        concerns = db.session.scalars(select(EnquiryConcern).where(EnquiryConcern.enquiry_id == lost.id)).all()
        assert {(c.concern, c.stage) for c in concerns} == {(Concern.ICE_PICK, Stage.LOST),
                                                           (Concern.ROLLING, Stage.LOST)}


def _follow_up_rows(app) -> set[tuple]:
    with app.app_context():
        return set(db.session.execute(select(FollowUp.enquiry_id, FollowUp.kind, FollowUp.due_on, FollowUp.due_time,
                                             FollowUp.overdue_at, FollowUp.priority, FollowUp.note, FollowUp.rule,
                                             FollowUp.rule_key, FollowUp.status, FollowUp.assigned_to_id)).all())


def test_bulk_follow_ups_are_exactly_what_the_rules_make(app):
    """The rules, run over the imported enquiries, find nothing to add, cancel or move."""
    rows = [person(1), person(2, Status="Contacted"), person(3, Status="Lost", Reason="No reply"),
            person(4, **{"Enquiry date": "2025-06-07 20:15"}), person(5, **{"Enquiry date": "1/3/25"})]
    _run(app, csv_bytes(rows))
    bulk = _follow_up_rows(app)
    with app.app_context():
        nexts = dict(db.session.execute(select(Enquiry.id, Enquiry.next_follow_up_at)).all())
        rules.run_for(set(nexts))
        db.session.commit()
        assert dict(db.session.execute(select(Enquiry.id, Enquiry.next_follow_up_at)).all()) == nexts
    assert _follow_up_rows(app) == bulk
    assert {row.rule for row in bulk} == {"first_contact", None}  # the contacted one gets a next step by hand


def test_bulk_first_contact_follow_ups_equal_those_of_enquiries_logged_through_the_services(app, make_enquiry):
    """The same enquiry logged by hand (log_enquiry, the rules on commit) gets the same follow-up as imported."""
    from tracker.enquiries.models import Channel
    from tracker.enquiries.services import EnquiryDetails, log_enquiry

    _run(app, csv_bytes([person(1)]))
    with app.app_context():
        imported = db.session.scalars(select(FollowUp)).one()
        patient = db.session.scalars(select(Patient)).one()
        received = db.session.scalar(select(Enquiry.received_at))
        log_enquiry(patient, EnquiryDetails(channel=Channel.PHONE, received_at=received), by_id=None)
        db.session.commit()
        logged = db.session.scalars(select(FollowUp).where(FollowUp.id != imported.id)).one()
        fields = ("kind", "due_on", "due_time", "overdue_at", "priority", "note", "rule", "rule_key", "status")
        assert {f: getattr(logged, f) for f in fields} == {f: getattr(imported, f) for f in fields}


def test_every_open_imported_enquiry_has_a_next_follow_up(app):
    _run(app, csv_bytes([person(1), person(2, Status="Contacted"), person(3, Status="Lost", Reason="Price")]))
    with app.app_context():
        for enquiry in db.session.scalars(select(Enquiry)):
            open_ones = db.session.scalars(select(FollowUp).where(FollowUp.enquiry_id == enquiry.id)).all()
            if enquiry.stage.is_open:
                assert enquiry.next_follow_up_at == min(f.overdue_at for f in open_ones)
            else:
                assert enquiry.next_follow_up_at is None and not open_ones
        contacted = db.session.scalars(select(FollowUp).where(FollowUp.rule.is_(None))).one()
        assert contacted.kind is FollowUpKind.CALL_BACK and "agree the next step" in contacted.note


def test_lost_without_a_reason_and_unknown_labels_are_row_errors_naming_the_choices(app):
    result = _run(app, csv_bytes([person(1, Status="Lost"), person(2, **{"How did you hear about us?": "Radio"}),
                                  person(3, Treatment="Botox"), person(4, Concern="Wrinkles")]), commit=False,
                  rejected=(sink := io.StringIO()))
    assert result.invalid == 4
    reasons = [row[-1] for row in csv.reader(io.StringIO(sink.getvalue()))][1:]
    assert "Lost reason: a Lost row needs one of Price" in reasons[0]
    assert '"Radio" is not one of Search engine, Instagram' in reasons[1]
    assert '"Botox" is not one of' in reasons[2] and "TCA CROSS" in reasons[2]
    assert '"Wrinkles" is not one of Ice-pick scars' in reasons[3]


def test_imported_rows_remember_their_run_and_enquiry(app):
    _run(app, csv_bytes([person(1)]))
    with app.app_context():
        imported = db.session.scalars(select(ImportedRow)).one()
        assert imported.enquiry_id == db.session.scalar(select(Enquiry.id))
        assert len(imported.fingerprint) == 64
