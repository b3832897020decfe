"""The enquiry page with assessments, plans, sessions and acknowledged hints: a fixed number of statements
however many there are, clinical detail (and a VIEW audit row) only for clinical readers."""

from datetime import timedelta

from sqlalchemy import select

from tests.conftest import count_queries, sign_in
from tracker.audit.models import AuditAction, AuditEvent
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.consultations.models import Answer, Assessment, HintAcknowledgement, ScarFinding, ScarType, SkinType
from tracker.db import utcnow
from tracker.enquiries.models import Enquiry
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.plans.models import PlanItem, PlanStatus, TreatmentPlan

# 17, and 2 for the follow-ups section: its follow-ups (people joined) and their reschedules for the timeline;
# and 1 for the navigation's count of the user's overdue follow-ups, on every page.
CLINICAL_BUDGET = 20
SCREENED = "Pregnancy or breastfeeding"  # the pregnancy hint's title: it says what the screen found


def _clinical_enquiry(app, make_enquiry, specialist_id: int, plans: int) -> int:
    """An enquiry with an assessment (pregnant: its hint acknowledged) and `plans` accepted plans of two
    items, each item with two sessions booked."""
    enquiry_id = make_enquiry()
    with app.app_context():
        seen_at = utcnow() - timedelta(days=7)
        seen = Appointment(enquiry_id=enquiry_id, kind=AppointmentKind.CONSULTATION, starts_at=seen_at,
                           ends_at=seen_at + timedelta(minutes=30), practitioner_id=specialist_id,
                           status=AppointmentStatus.ATTENDED)
        db.session.add(seen)
        db.session.flush()
        assessment = Assessment(appointment_id=seen.id, enquiry_id=enquiry_id, assessed_by_id=specialist_id,
                                skin_type=SkinType.V, gb_grade=3, pregnancy=Answer.YES, notes="Private findings")
        db.session.add(assessment)
        db.session.flush()
        db.session.add_all(ScarFinding(assessment_id=assessment.id, scar_type=t, position=i,
                                       present=t is ScarType.ICE_PICK) for i, t in enumerate(ScarType))
        db.session.add(HintAcknowledgement(enquiry_id=enquiry_id, assessment_id=assessment.id, rule="pregnancy",
                                           note="Deferred until after the birth", by_id=specialist_id))
        starts = utcnow() + timedelta(days=30)
        for number in range(1, plans + 1):
            plan = TreatmentPlan(enquiry_id=enquiry_id, number=number, status=PlanStatus.ACCEPTED,
                                 practitioner_id=specialist_id, notes="Plan notes", info_given_on=seen_at.date())
            db.session.add(plan)
            db.session.flush()
            for treatment_id in (8, 9):
                item = PlanItem(plan_id=plan.id, treatment_id=treatment_id, sessions=2, interval_weeks=4,
                                price_pence=20000, reflection_days=14, notes="Item notes")
                db.session.add(item)
                db.session.flush()
                for session in (1, 2):
                    starts += timedelta(hours=2)
                    db.session.add(Appointment(enquiry_id=enquiry_id, kind=AppointmentKind.TREATMENT_SESSION,
                                               starts_at=starts, ends_at=starts + timedelta(hours=1),
                                               practitioner_id=specialist_id, plan_item_id=item.id,
                                               session_number=session))
        db.session.get(Enquiry, enquiry_id).stage = Stage.TREATMENT_BOOKED
        db.session.commit()
    return enquiry_id


def _statements(app, client, enquiry_id: int) -> int:
    with count_queries(app) as statements:
        response = client.get(f"/enquiries/{enquiry_id}")
    assert response.status_code == 200
    return len(statements)


def test_enquiry_page_for_a_specialist_reads_the_same_statements_with_one_plan_or_four(app, client, make_user,
                                                                                       make_enquiry):
    specialist = make_user("specialist")
    one, four = (_clinical_enquiry(app, make_enquiry, specialist.id, plans) for plans in (1, 4))
    sign_in(client, specialist)
    _statements(app, client, one)  # warm: the first request loads what every request shares
    # The enquiry page's 14, and the plans' items, the timeline's assessments, their amendments, the
    # acknowledgements and the view's audit event.
    assert _statements(app, client, one) == _statements(app, client, four) <= CLINICAL_BUDGET


def test_specialist_sees_the_clinical_timeline_and_the_view_is_audited_without_clinical_content(app, client,
                                                                                               make_user,
                                                                                               make_enquiry):
    specialist = make_user("specialist")
    enquiry_id = _clinical_enquiry(app, make_enquiry, specialist.id, 1)
    sign_in(client, specialist)
    page = client.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)
    assert SCREENED in page and "Deferred until after the birth" in page
    with app.app_context():
        views = db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.VIEW,
                                                            AuditEvent.entity_type == "enquiries",
                                                            AuditEvent.entity_id == enquiry_id)).all()
    assert [(v.actor_id, v.changes) for v in views] == [(specialist.id, {"viewed": "clinical timeline"})]


def test_reception_sees_plans_but_no_screening_finding_note_or_hint_on_the_enquiry_page(app, client, make_user,
                                                                                       make_enquiry):
    specialist, reception = make_user("specialist"), make_user("reception")
    enquiry_id = _clinical_enquiry(app, make_enquiry, specialist.id, 1)
    sign_in(client, reception)
    page = client.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)
    assert "Plan 1" in page and "Decision-support hint acknowledged" in page
    for clinical in (SCREENED, "Deferred until after the birth", "Private findings", "Plan notes", "Item notes",
                     "Type V", "Ice pick"):
        assert clinical not in page, clinical
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == AuditAction.VIEW)) is None
