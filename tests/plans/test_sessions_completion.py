"""An enquiry is completed when its treatment is over: every accepted plan's sessions done, no plan awaiting the
patient's decision, no session still booked. A draft, never offered to the patient, does not hold it open."""

from datetime import timedelta

import pytest

from tests.builders import (
    WITH_NOTE,
    Item,
    add_session,
    build_plan,
    course,
    local,
    lost_reason,
    move,
    record_done,
    stage_changes,
    stage_of,
    today,
)
from tracker.bookings.models import AppointmentStatus
from tracker.db import utcnow
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.plans import decisions, sessions
from tracker.plans.models import PlanStatus
from tracker.settings.models import Option


@pytest.fixture
def specialist(make_user):
    return make_user("specialist", full_name="Dr Ada Quinn")


def _one_session_course(app, make_enquiry, specialist):
    """An accepted single-session plan with its session due two hours ago, at treatment booked."""
    c = course(app, specialist.id, [Item("punch_excision", 1)],
               info_given_on=today(app) - timedelta(days=30))
    session_id = add_session(app, c, 0, 1, utcnow() - timedelta(hours=2))
    move(app, c.enquiry_id, Stage.TREATMENT_BOOKED)
    return c, session_id


def test_the_last_session_of_one_plan_does_not_complete_an_enquiry_with_another_accepted_plan_under_way(
        app, make_enquiry, specialist):
    c, first = _one_session_course(app, make_enquiry, specialist)
    other = build_plan(app, c.enquiry_id, specialist.id, [Item("microneedling", 2)],
                       info_given_on=today(app) - timedelta(days=30))
    later = [add_session(app, other, 0, n, utcnow() - timedelta(hours=8 - n)) for n in (1, 2)]
    add_session(app, other, 0, 2, local(today(app) + timedelta(days=10)), status=AppointmentStatus.CANCELLED)
    record_done(app, first, specialist.id)
    assert stage_of(app, c.enquiry_id) is Stage.IN_TREATMENT
    record_done(app, later[0], specialist.id)
    assert stage_of(app, c.enquiry_id) is Stage.IN_TREATMENT
    record_done(app, later[1], specialist.id)
    assert stage_changes(app, c.enquiry_id, *WITH_NOTE)[-1] == (Stage.IN_TREATMENT, Stage.COMPLETED,
                                                  "Plan 1, Plan 2: courses of treatment completed")


@pytest.mark.parametrize("decision", ["declined", "expired"])
def test_a_plan_awaiting_the_patients_decision_holds_completion_until_it_is_declined_or_lapses(
        app, make_enquiry, specialist, decision):
    c, first = _one_session_course(app, make_enquiry, specialist)
    add_on = build_plan(app, c.enquiry_id, specialist.id, [Item("microneedling", 2)], info_given_on=today(app),
                        status=PlanStatus.PROPOSED)
    record_done(app, first, specialist.id)
    assert stage_of(app, c.enquiry_id) is Stage.IN_TREATMENT
    price = lost_reason(app, "Price")
    with app.app_context():
        plan = sessions.plan_with_items(add_on.plan_id)
        if decision == "declined":
            decisions.decline(plan, decided_on=today(app), reason=db.session.get(Option, price), note=None,
                              mark_lost=False, version=plan.version, by_id=None)
        else:
            decisions.expire(plan, version=plan.version, by_id=None)
        db.session.commit()
    assert stage_changes(app, c.enquiry_id, *WITH_NOTE)[-1] == (Stage.IN_TREATMENT, Stage.COMPLETED,
                                                  "Plan 1: course of treatment completed")


def test_a_draft_plan_does_not_hold_completion(app, make_enquiry, specialist):
    c, first = _one_session_course(app, make_enquiry, specialist)
    build_plan(app, c.enquiry_id, specialist.id, [Item("microneedling", 2)], info_given_on=None,
               status=PlanStatus.DRAFT)
    record_done(app, first, specialist.id)
    assert stage_of(app, c.enquiry_id) is Stage.COMPLETED


def test_a_session_still_booked_holds_completion(app, make_enquiry, specialist):
    """An extra session beyond the plan's course (written to the table; booking would refuse it) is still booked."""
    c, first = _one_session_course(app, make_enquiry, specialist)
    add_session(app, c, 0, 2, local(today(app) + timedelta(days=14)))
    record_done(app, first, specialist.id)
    assert stage_of(app, c.enquiry_id) is Stage.IN_TREATMENT
