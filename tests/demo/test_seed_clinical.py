"""flask seed-demo --enquiries: assessments, treatment plans and their sessions, consistent with the stages."""

from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.audit.models import AuditAction, AuditEvent
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.catalogue.models import Treatment
from tracker.consultations import scoring
from tracker.consultations.models import SCREEN_QUESTIONS, Answer, Area, Assessment, ScarFinding, ScarType, SkinType
from tracker.enquiries.models import Concern, Enquiry, EnquiryConcern, StageChange
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.plans.models import PlanItem, PlanStatus, TreatmentPlan
from tracker.settings.models import Option

LONDON = ZoneInfo("Europe/London")
ASKED = {Concern.ICE_PICK: ScarType.ICE_PICK, Concern.BOXCAR: ScarType.BOXCAR, Concern.ROLLING: ScarType.ROLLING,
         Concern.PIGMENTATION: ScarType.MACULAR}
ATROPHIC = {ScarType.ICE_PICK, ScarType.BOXCAR, ScarType.ROLLING}


def _today_starts() -> datetime:
    """Local midnight starting today: the demo data's "now" (everything before it has happened)."""
    return datetime.combine(datetime.now(LONDON).date(), time(0), tzinfo=LONDON)


def _by(rows, key: str) -> dict[int, list]:
    grouped = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def _first(changes: list[StageChange], stage: Stage) -> StageChange | None:
    return next((c for c in changes if c.to_stage is stage), None)


def _day(moment: datetime):
    """The clinic-local date of a moment (the demo's clinic is in London, as the tests' settings say)."""
    return moment.astimezone(LONDON).date()


def test_every_attended_consultation_has_one_assessment_by_its_specialist_as_it_ended(seeded, read_all):
    consultations = {a.id: a for a in read_all(Appointment) if a.kind is AppointmentKind.CONSULTATION}
    attended = {a.id for a in consultations.values() if a.status is AppointmentStatus.ATTENDED}
    assessments = read_all(Assessment)
    assert attended and len(assessments) == len(attended)
    assert {a.appointment_id for a in assessments} == attended
    for assessment in assessments:
        consultation = consultations[assessment.appointment_id]
        assert assessment.enquiry_id == consultation.enquiry_id
        assert assessment.assessed_by_id == consultation.practitioner_id
        assert assessment.assessed_at == consultation.ends_at == consultation.status_changed_at
        assert 1 <= assessment.gb_grade <= 4 and assessment.version == 1


def test_findings_fit_what_the_enquirer_asked_about_and_never_contradict_the_grade(seeded, read_all):
    concerns = defaultdict(set)
    for row in read_all(EnquiryConcern):
        concerns[row.enquiry_id].add(row.concern)
    with seeded.app_context():
        assessments = db.session.scalars(select(Assessment).options(selectinload(Assessment.findings))).all()
        for assessment in assessments:
            assert [f.scar_type for f in assessment.findings] == list(ScarType)  # one row per type, in order
            present = set(assessment.present_types)
            asked = concerns[assessment.enquiry_id]
            assert present and {ASKED[c] for c in asked if c in ASKED} <= present
            if Concern.MIXED in asked:
                assert len(present & ATROPHIC) >= 2
            assert scoring.warnings(assessment) == [], assessment.id  # widths plausible, grade fits the findings
            assert assessment.predominant is None or assessment.predominant in present
            for finding in assessment.findings:
                if not finding.present:
                    assert (finding.count, finding.count_band, finding.width_mm, finding.depth_mm, finding.size_basis,
                            finding.areas, finding.other_areas) == (None, None, None, None, None, [], None)
                    continue
                assert (finding.count is None) != (finding.count_band is None) and finding.band is not None
                assert finding.areas and set(finding.areas) <= {a.value for a in Area}
                assert (finding.width_mm is None) == (finding.size_basis is None)
            counted = {t: assessment.finding(t).band for t in present}
            if assessment.gb_deep_abnormal is not None:  # the quantitative counts are the findings' own
                assert scoring.CountBand.of(assessment.gb_deep_abnormal) == counted[ScarType.ICE_PICK]
            if assessment.gb_macular is not None:
                assert scoring.CountBand.of(assessment.gb_macular) == counted[ScarType.MACULAR]
        assert {a.gb_grade for a in assessments} >= {2, 3, 4}
        assert any(scoring.score(a).total > 0 for a in assessments)


def test_skin_types_follow_the_uk_mix_and_the_screen_is_mostly_no(seeded, read_all):
    assessments = read_all(Assessment)
    total = len(assessments)
    types = Counter(a.skin_type for a in assessments)
    assert (types[SkinType.II] + types[SkinType.III]) / total > 0.45
    assert 0 < sum(types[t] for t in (SkinType.IV, SkinType.V, SkinType.VI)) / total < 0.5
    for column, _label in SCREEN_QUESTIONS:
        assert Counter(getattr(a, column) for a in assessments)[Answer.NO] / total > 0.6, column
    assert any(getattr(a, column) is Answer.YES for a in assessments for column, _label in SCREEN_QUESTIONS)
    for assessment in assessments:
        assert (assessment.isotretinoin is Answer.YES) == (assessment.isotretinoin_last_taken is not None)
        if assessment.isotretinoin_last_taken is not None:
            assert assessment.isotretinoin_last_taken < _day(assessment.assessed_at)
    assert 0 < Counter(a.isotretinoin for a in assessments)[Answer.YES] < total / 2


def test_each_enquiry_that_reached_plan_proposed_has_plan_1_priced_from_the_catalogue(seeded, read_all):
    history = _by(read_all(StageChange), "enquiry_id")
    plans, items = _by(read_all(TreatmentPlan), "enquiry_id"), _by(read_all(PlanItem), "plan_id")
    treatments = {t.id: t for t in read_all(Treatment)}
    attended = {a.enquiry_id: a for a in read_all(Appointment)
                if a.kind is AppointmentKind.CONSULTATION and a.status is AppointmentStatus.ATTENDED}
    reached = {enquiry_id for enquiry_id, changes in history.items() if _first(changes, Stage.PLAN_PROPOSED)}
    assert reached and set(plans) == reached  # lost-later ones included; nobody else has a plan
    for enquiry_id in reached:
        [plan] = plans[enquiry_id]
        proposed = _first(history[enquiry_id], Stage.PLAN_PROPOSED)
        assert (plan.number, plan.revision, plan.supersedes_id) == (1, 1, None)
        assert plan.proposed_at == proposed.at and plan.info_given_on == _day(proposed.at)
        assert plan.practitioner_id == plan.created_by_id == attended[enquiry_id].practitioner_id == proposed.by_id
        assert attended[enquiry_id].ends_at <= plan.created_at <= plan.proposed_at
        mine = items[plan.id]
        assert 1 <= len(mine) <= 3 and len({i.treatment_id for i in mine}) == len(mine)
        for item in mine:
            treatment = treatments[item.treatment_id]
            assert treatment.active and item.archived_at is None
            assert (item.price_pence, item.reflection_days, item.sessions, item.interval_weeks) == (
                treatment.price_pence, treatment.reflection_days, treatment.default_sessions,
                treatment.default_interval_weeks)
    assert {len(rows) for rows in items.values()} >= {1, 2}


def test_a_plan_is_accepted_exactly_when_treatment_was_booked_and_declined_when_lost_at_plan_proposed(
        seeded, read_all):
    history = _by(read_all(StageChange), "enquiry_id")
    enquiries = {e.id: e for e in read_all(Enquiry)}
    plans = read_all(TreatmentPlan)
    for plan in plans:
        enquiry, changes = enquiries[plan.enquiry_id], history[plan.enquiry_id]
        booked = _first(changes, Stage.TREATMENT_BOOKED)
        assert (plan.status is PlanStatus.ACCEPTED) == (booked is not None)
        if booked is not None:
            assert plan.consent_by_id == plan.practitioner_id and plan.consent_on == plan.decided_on
            assert plan.info_given_on < plan.decided_on <= _day(booked.at)
            assert plan.consent_recorded_at <= booked.at and plan.decline_reason_id is None
        elif enquiry.stage is Stage.LOST:
            lost = changes[-1]
            assert enquiry.lost_from_stage is Stage.PLAN_PROPOSED and plan.status is PlanStatus.DECLINED
            assert plan.decline_reason_id == enquiry.lost_reason_id == lost.lost_reason_id
            assert plan.decided_on == _day(lost.at) and lost.note == enquiry.lost_note == "Plan 1 declined"
            assert plan.consent_by_id is None
        else:
            assert enquiry.stage is Stage.PLAN_PROPOSED and plan.status is PlanStatus.PROPOSED
            assert plan.decided_on is None and plan.consent_by_id is None
    assert {PlanStatus.ACCEPTED, PlanStatus.DECLINED} <= {plan.status for plan in plans}


def test_sessions_come_after_the_reflection_date_at_the_intervals_and_drive_the_later_stages(seeded, read_all):
    today = _today_starts()
    labels = {o.id: o.label for o in read_all(Option)}
    history = _by(read_all(StageChange), "enquiry_id")
    plans = {p.enquiry_id: p for p in read_all(TreatmentPlan)}
    items = _by(read_all(PlanItem), "plan_id")
    sessions = _by([a for a in read_all(Appointment) if a.kind is AppointmentKind.TREATMENT_SESSION], "enquiry_id")
    seen = Counter()
    for enquiry in read_all(Enquiry):
        changes, mine = history[enquiry.id], sessions[enquiry.id]
        booked = _first(changes, Stage.TREATMENT_BOOKED)
        if booked is None:
            assert not mine
            continue
        plan = plans[enquiry.id]
        course_items = sorted(items[plan.id], key=lambda i: (i.phase, i.position))
        order = {(item.id, n): k for k, (item, n) in enumerate(
            (item, n) for item in course_items for n in range(1, item.sessions + 1))}
        course = sorted(mine, key=lambda s: order[(s.plan_item_id, s.session_number)])
        assert len(course) == len(order) and {(s.plan_item_id, s.session_number) for s in course} == set(order)
        assert booked.note == f"{len(course)} treatment session(s) booked"
        earliest = plan.info_given_on + timedelta(days=max(i.reflection_days for i in course_items))
        assert _day(course[0].starts_at) >= earliest and course[0].starts_at > booked.at
        interval = {item.id: item.interval_weeks for item in course_items}
        for before, after in pairwise(course):
            assert _day(after.starts_at) >= _day(before.starts_at) + timedelta(weeks=interval[before.plan_item_id])
        for session in course:
            seen[session.status] += 1
            assert session.practitioner_id == plan.practitioner_id and session.created_at == booked.at
            if session.status is AppointmentStatus.ATTENDED:
                assert session.ends_at <= today and session.status_changed_at == session.ends_at
                assert session.performed_by_id == plan.practitioner_id
            elif session.status is AppointmentStatus.BOOKED:
                assert session.starts_at >= today and session.performed_by_id is None
            else:
                lost = changes[-1]
                assert session.status is AppointmentStatus.CANCELLED and enquiry.stage is Stage.LOST
                assert session.cancel_reason == f"Enquiry lost: {labels[enquiry.lost_reason_id]}"
                assert session.status_changed_at == lost.at < session.starts_at
        done = [s for s in course if s.status is AppointmentStatus.ATTENDED]
        assert done == course[:len(done)]  # in the course's order
        started, completed = _first(changes, Stage.IN_TREATMENT), _first(changes, Stage.COMPLETED)
        assert (started is not None) == bool(done) and (completed is not None) == (len(done) == len(course))
        if done:
            assert started.at == done[0].ends_at and started.by_id == plan.practitioner_id
        if completed is not None:
            assert completed.at == done[-1].ends_at and enquiry.stage is Stage.COMPLETED
        if enquiry.stage in (Stage.TREATMENT_BOOKED, Stage.IN_TREATMENT):
            assert all(s.status is AppointmentStatus.BOOKED for s in course[len(done):])
    assert {AppointmentStatus.ATTENDED, AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED} <= set(seen)


def test_the_bulk_load_event_counts_the_clinical_rows_it_added(seeded, audit_rows):
    [event] = audit_rows(action=AuditAction.BULK_LOAD)
    changes = event["changes"]
    with seeded.app_context():
        for name, model in (("assessments", Assessment), ("scar_findings", ScarFinding),
                            ("treatment_plans", TreatmentPlan), ("plan_items", PlanItem),
                            ("appointments", Appointment)):
            assert changes[name] == [None, db.session.scalar(select(func.count()).select_from(model))], name
        sessions = db.session.scalar(select(func.count()).select_from(Appointment)
                                     .where(Appointment.kind == AppointmentKind.TREATMENT_SESSION))
        assert changes["treatment_sessions"] == [None, sessions] and sessions > 0
        assert not db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_type.in_(("assessments", "scar_findings", "treatment_plans", "plan_items"))))


def test_the_app_shows_demo_assessments_plans_and_sessions(seeded, client, login_as):
    with seeded.app_context():
        plan = db.session.scalar(select(TreatmentPlan).where(TreatmentPlan.status == PlanStatus.ACCEPTED)
                                 .order_by(TreatmentPlan.id.desc()).limit(1))
        assessment_id = db.session.scalar(select(Assessment.id).where(Assessment.enquiry_id == plan.enquiry_id))
    login_as("specialist")
    for url in (f"/assessments/{assessment_id}", f"/plans/{plan.id}", f"/enquiries/{plan.enquiry_id}"):
        page = client.get(url)
        assert page.status_code == 200, url
    assert "Plan 1" in client.get(f"/plans/{plan.id}").get_data(as_text=True)
