"""Plans move the enquiry: proposing, declining (lost or back to consulted) and expiring; versions are kept."""

from datetime import timedelta

import pytest

from tests import builders
from tests.builders import (
    WITH_REASON,
    consulted_enquiry,
    draft,
    enquiry_row,
    lost_reason,
    plan_row,
    plan_rows,
    proposed,
    stage_changes,
    stage_of,
    today,
    with_plan,
)
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.plans import decisions, services
from tracker.plans.models import PlanStatus
from tracker.settings.models import Option


def _decline(app, plan_id: int, *, mark_lost: bool, reason: str = "Price", note: str | None = "Too dear for now"):
    reason_id = lost_reason(app, reason)
    with_plan(app, plan_id, lambda plan: decisions.decline(
        plan, decided_on=today(app), reason=db.session.get(Option, reason_id), note=note, mark_lost=mark_lost,
        version=plan.version, by_id=None))


def _expire(app, plan_id: int):
    with_plan(app, plan_id, lambda plan: decisions.expire(plan, version=plan.version, by_id=None))


@pytest.fixture
def setting(app, make_user, make_enquiry):
    """A specialist, a treatment and a consulted enquiry."""
    specialist = make_user("specialist")
    return specialist, builders.treatment(app), consulted_enquiry(app)


def test_proposing_moves_a_consulted_enquiry_to_plan_proposed(app, setting):
    specialist, treatment, enquiry_id = setting
    plan_id = draft(app, enquiry_id, specialist.id, treatment)
    assert stage_of(app, enquiry_id) is Stage.CONSULTED  # a draft does not move it
    with_plan(app, plan_id, lambda plan: services.propose(plan, info_given_on=today(app), version=plan.version,
                                                          by_id=specialist.id))
    assert stage_of(app, enquiry_id) is Stage.PLAN_PROPOSED
    assert stage_changes(app, enquiry_id, *WITH_REASON)[-1] == (Stage.CONSULTED, Stage.PLAN_PROPOSED, None,
                                                                "Plan 1 proposed")
    row = plan_row(app, plan_id)
    assert row["status"] is PlanStatus.PROPOSED and row["info_given_on"] == today(app) and row["proposed_at"]


def test_a_second_plan_proposed_while_at_plan_proposed_leaves_the_stage(app, setting):
    specialist, treatment, enquiry_id = setting
    proposed(app, enquiry_id, specialist.id, treatment)
    changes = len(stage_changes(app, enquiry_id, *WITH_REASON))
    second = proposed(app, enquiry_id, specialist.id, treatment)
    assert plan_row(app, second)["number"] == 2
    assert stage_of(app, enquiry_id) is Stage.PLAN_PROPOSED
    assert len(stage_changes(app, enquiry_id, *WITH_REASON)) == changes


def test_declining_and_marking_lost_loses_the_enquiry_with_that_reason_from_plan_proposed(app, setting):
    specialist, treatment, enquiry_id = setting
    plan_id = proposed(app, enquiry_id, specialist.id, treatment)
    _decline(app, plan_id, mark_lost=True, reason="Price", note="Too dear for now")
    enquiry = enquiry_row(app, enquiry_id)
    assert enquiry["stage"] is Stage.LOST and enquiry["lost_from_stage"] is Stage.PLAN_PROPOSED
    assert enquiry["lost_reason_id"] == lost_reason(app, "Price") and enquiry["lost_note"] == "Too dear for now"
    row = plan_row(app, plan_id)
    assert row["status"] is PlanStatus.DECLINED and row["decline_reason_id"] == lost_reason(app, "Price")
    assert row["decided_on"] == today(app)


def test_declining_without_marking_lost_steps_back_to_consulted_when_no_other_plan_is_open(app, setting):
    specialist, treatment, enquiry_id = setting
    plan_id = proposed(app, enquiry_id, specialist.id, treatment)
    draft(app, enquiry_id, specialist.id, treatment)  # a draft does not hold the enquiry at plan proposed
    _decline(app, plan_id, mark_lost=False)
    assert stage_of(app, enquiry_id) is Stage.CONSULTED
    assert stage_changes(app, enquiry_id, *WITH_REASON)[-1][:2] == (Stage.PLAN_PROPOSED, Stage.CONSULTED)


@pytest.mark.parametrize("other", [PlanStatus.PROPOSED, PlanStatus.ACCEPTED])
def test_declining_leaves_plan_proposed_while_another_plan_is_proposed_or_accepted(app, setting, other):
    specialist, treatment, enquiry_id = setting
    first = proposed(app, enquiry_id, specialist.id, treatment)
    second = proposed(app, enquiry_id, specialist.id, treatment)
    if other is PlanStatus.ACCEPTED:
        with_plan(app, second, lambda plan: decisions.accept(
            plan, decided_on=today(app), consent_by=plan.practitioner, consent_on=today(app), version=plan.version,
            by_id=None))
    _decline(app, first, mark_lost=False)
    assert stage_of(app, enquiry_id) is Stage.PLAN_PROPOSED


def test_expiring_steps_back_like_a_decline_and_only_when_no_other_plan_is_open(app, setting):
    specialist, treatment, enquiry_id = setting
    first = proposed(app, enquiry_id, specialist.id, treatment)
    second = proposed(app, enquiry_id, specialist.id, treatment)
    _expire(app, first)
    assert plan_row(app, first)["status"] is PlanStatus.EXPIRED
    assert stage_of(app, enquiry_id) is Stage.PLAN_PROPOSED
    _expire(app, second)
    assert stage_of(app, enquiry_id) is Stage.CONSULTED
    assert stage_changes(app, enquiry_id, *WITH_REASON)[-1][3] == "Plan 2 expired"


def test_accepting_records_consent_but_leaves_the_stage_to_the_first_booked_session(app, setting):
    specialist, treatment, enquiry_id = setting
    plan_id = proposed(app, enquiry_id, specialist.id, treatment, info_given_on=today(app) - timedelta(days=5))
    with_plan(app, plan_id, lambda plan: decisions.accept(
        plan, decided_on=today(app) - timedelta(days=1), consent_by=plan.practitioner, consent_on=today(app),
        version=plan.version, by_id=specialist.id))
    row = plan_row(app, plan_id)
    assert row["status"] is PlanStatus.ACCEPTED and row["consent_by_id"] == specialist.id
    assert row["consent_on"] == today(app) and row["consent_recorded_at"] is not None
    assert stage_of(app, enquiry_id) is Stage.PLAN_PROPOSED


def test_revising_keeps_both_versions_and_supersedes_the_old_only_once_the_revision_is_proposed(app, setting):
    specialist, treatment, enquiry_id = setting
    other = builders.treatment(app)
    old = proposed(app, enquiry_id, specialist.id, treatment, other)
    with app.app_context():
        new = services.revise(services.get_plan(old), by_id=specialist.id).id
        db.session.commit()
    rows = {r["id"]: r for r in plan_rows(app, enquiry_id)}
    assert rows[old]["status"] is PlanStatus.PROPOSED
    assert (rows[new]["status"], rows[new]["number"], rows[new]["revision"], rows[new]["supersedes_id"]) == (
        PlanStatus.DRAFT, 1, 2, old)
    with app.app_context():
        copied = services.get_plan(new)
        assert [(i.treatment_id, i.sessions, i.price_pence) for i in copied.items] == [
            (i.treatment_id, i.sessions, i.price_pence) for i in services.get_plan(old).items]
    with_plan(app, new, lambda plan: services.propose(plan, info_given_on=today(app), version=plan.version,
                                                      by_id=None))
    rows = {r["id"]: r for r in plan_rows(app, enquiry_id)}
    assert rows[old]["status"] is PlanStatus.SUPERSEDED and rows[new]["status"] is PlanStatus.PROPOSED
    assert stage_of(app, enquiry_id) is Stage.PLAN_PROPOSED


def test_a_plan_already_being_revised_is_not_revised_twice(app, setting):
    specialist, treatment, enquiry_id = setting
    old = proposed(app, enquiry_id, specialist.id, treatment)
    with_plan(app, old, lambda plan: services.revise(plan, by_id=None))
    with app.app_context(), pytest.raises(services.PlanError, match="already revises"):
        services.revise(services.get_plan(old), by_id=None)


def test_a_plan_needs_a_consultation_first(app, make_user, make_enquiry):
    specialist = make_user("specialist")
    booked = consulted_enquiry(app, stages=(Stage.CONSULTATION_BOOKED,))
    with app.app_context(), pytest.raises(services.PlanError, match="follows a consultation"):
        draft(app, booked, specialist.id)
    # A second consultation booked after the first was attended: the enquiry has been consulted.
    again = consulted_enquiry(app, stages=(Stage.CONSULTATION_BOOKED,), attended=True,
                              practitioner_id=specialist.id)
    assert plan_row(app, draft(app, again, specialist.id))["status"] is PlanStatus.DRAFT
