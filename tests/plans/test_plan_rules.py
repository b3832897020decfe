"""The plan rules refuse what the clinic must not record: wrong dates, consent by someone else, retired treatments."""

import re
from datetime import timedelta

import pytest

from tests import builders
from tests.builders import (
    consulted_enquiry,
    draft,
    drafted_at,
    item_rows,
    plan_row,
    propose,
    proposed,
    set_treatment,
    stage_of,
    today,
)
from tests.conftest import sign_in
from tests.pages import field_error, form_error_text
from tracker import money
from tracker.auth.models import User
from tracker.catalogue.models import Treatment
from tracker.enquiries.models import Enquiry
from tracker.enquiries.stages import Stage
from tracker.errors import ConflictError
from tracker.extensions import db
from tracker.plans import decisions, services
from tracker.plans.forms import ItemFieldsForm
from tracker.plans.models import PlanStatus


@pytest.fixture
def setting(app, make_user, make_enquiry):
    """A specialist, a treatment and a consulted enquiry received 30 days ago."""
    specialist = make_user("specialist")
    return specialist, builders.treatment(app, "Laser test", sessions=3, interval_weeks=6, price_pence=45000,
                                      reflection_days=7), consulted_enquiry(app, days_ago=30)


def _refused(app, plan_id: int, action, match: str, field: str | None) -> None:
    """The action on the plan is refused with this message and field, and nothing is stored."""
    before = plan_row(app, plan_id)
    with app.app_context():
        with pytest.raises(services.PlanError, match=match) as refused:
            action(services.get_plan(plan_id))
        db.session.rollback()
    assert refused.value.field == field
    assert plan_row(app, plan_id) == before


def test_blank_sessions_interval_and_price_take_the_catalogue_defaults_and_the_reflection_days(app, setting):
    specialist, treatment, enquiry_id = setting
    plan_id = draft(app, enquiry_id, specialist.id, treatment)
    [item] = item_rows(app, plan_id)
    assert (item["sessions"], item["interval_weeks"], item["price_pence"], item["reflection_days"]) == (3, 6, 45000, 7)
    chosen = draft(app, enquiry_id, specialist.id, treatment, sessions=5, interval_weeks=2, price_pence=0, phase=2)
    [item] = item_rows(app, chosen)
    assert (item["sessions"], item["interval_weeks"], item["price_pence"], item["phase"]) == (5, 2, 0, 2)
    with app.app_context():
        assert services.get_plan(chosen).total_pence == 0
        assert services.get_plan(plan_id).total_pence == 3 * 45000


def test_an_inactive_treatment_is_refused_as_no_longer_offered(app, setting):
    specialist, _treatment, enquiry_id = setting
    retired = builders.treatment(app, "Old peel", active=False)
    plan_id = draft(app, enquiry_id, specialist.id)
    with app.app_context():
        with pytest.raises(services.PlanError, match="Old peel is no longer offered") as refused:
            services.add_item(services.get_plan(plan_id), db.session.get(Treatment, retired), services.ItemDetails())
        db.session.rollback()
    assert refused.value.field == "treatment" and item_rows(app, plan_id) == []


def test_a_draft_holding_a_treatment_retired_since_cannot_be_proposed(app, setting):
    specialist, treatment, enquiry_id = setting
    plan_id = draft(app, enquiry_id, specialist.id, treatment)
    set_treatment(app, treatment, active=False)
    _refused(app, plan_id, lambda plan: services.propose(plan, info_given_on=today(app), version=plan.version,
                                                        by_id=None), "no longer offered", "treatment")


def test_items_change_only_while_the_plan_is_a_draft(app, setting):
    specialist, treatment, enquiry_id = setting
    plan_id = proposed(app, enquiry_id, specialist.id, treatment)
    [row] = item_rows(app, plan_id)
    with app.app_context():
        item = services.get_item(row["id"])
        with pytest.raises(services.PlanError, match="only a draft"):
            services.update_item(item, services.ItemDetails(sessions=9), version=item.version)
        with pytest.raises(services.PlanError, match="only a draft"):
            services.remove_item(item, version=item.version)
        with pytest.raises(services.PlanError, match="only a draft"):
            services.add_item(services.get_plan(plan_id), db.session.get(Treatment, treatment),
                              services.ItemDetails())
        db.session.rollback()
    assert item_rows(app, plan_id) == [row]


def test_a_removed_item_is_archived_not_deleted_and_leaves_the_plan(app, setting):
    specialist, treatment, enquiry_id = setting
    plan_id = draft(app, enquiry_id, specialist.id, treatment, treatment)
    first, second = item_rows(app, plan_id)
    with app.app_context():
        item = services.get_item(first["id"])
        services.remove_item(item, version=item.version)
        db.session.commit()
        assert [i.id for i in services.get_plan(plan_id).items] == [second["id"]]
        assert services.get_item(first["id"]) is None
    assert item_rows(app, plan_id)[0]["archived_at"] is not None


def test_an_item_edit_from_a_stale_form_conflicts(app, setting):
    specialist, treatment, enquiry_id = setting
    [row] = item_rows(app, draft(app, enquiry_id, specialist.id, treatment))
    with app.app_context(), pytest.raises(ConflictError):
        services.update_item(services.get_item(row["id"]), services.ItemDetails(), version=row["version"] + 1)


def test_a_plan_is_proposed_only_with_items_and_a_possible_information_date(app, setting):
    specialist, treatment, enquiry_id = setting
    empty = draft(app, enquiry_id, specialist.id)
    _refused(app, empty, lambda plan: services.propose(plan, info_given_on=today(app), version=plan.version,
                                                      by_id=None), "at least one treatment", None)
    plan_id = draft(app, enquiry_id, specialist.id, treatment)
    for day, match in ((today(app) + timedelta(days=1), "in the future"),
                       (today(app) - timedelta(days=31), "before the enquiry was received")):
        _refused(app, plan_id, lambda plan, day=day: services.propose(plan, info_given_on=day, version=plan.version,
                                                                       by_id=None), match, "info_given_on")


def test_a_decision_before_the_information_date_or_in_the_future_is_refused(app, setting):
    specialist, treatment, enquiry_id = setting
    given = today(app) - timedelta(days=3)
    plan_id = proposed(app, enquiry_id, specialist.id, treatment, info_given_on=given)
    reason = None

    def accept(decided, consented):
        return lambda plan: decisions.accept(plan, decided_on=decided, consent_by=plan.practitioner,
                                            consent_on=consented, version=plan.version, by_id=None)

    _refused(app, plan_id, accept(given - timedelta(days=1), given), "before the information was given",
             "decided_on")
    _refused(app, plan_id, accept(given, given - timedelta(days=1)), "before the information was given",
             "consent_on")
    _refused(app, plan_id, accept(today(app) + timedelta(days=1), given), "in the future", "decided_on")
    _refused(app, plan_id, lambda plan: decisions.decline(
        plan, decided_on=given - timedelta(days=1), reason=reason, note=None, mark_lost=True, version=plan.version,
        by_id=None), "before the information was given", "decided_on")
    assert stage_of(app, enquiry_id) is Stage.PLAN_PROPOSED


def test_consent_taken_by_anyone_but_the_practitioner_is_refused(app, setting, make_user):
    specialist, treatment, enquiry_id = setting
    colleague = make_user("specialist", full_name="Dr Other")
    plan_id = proposed(app, enquiry_id, specialist.id, treatment)
    _refused(app, plan_id, lambda plan: decisions.accept(
        plan, decided_on=today(app), consent_by=db.session.get(User, colleague.id), consent_on=today(app),
        version=plan.version, by_id=None),
        f"Consent must be taken by {specialist.full_name}, who will perform the treatment", "consent_by")
    assert plan_row(app, plan_id)["status"] is PlanStatus.PROPOSED


def test_a_decline_needs_a_lost_reason(app, setting):
    specialist, treatment, enquiry_id = setting
    plan_id = proposed(app, enquiry_id, specialist.id, treatment)
    _refused(app, plan_id, lambda plan: decisions.decline(plan, decided_on=today(app), reason=None, note=None,
                                                        mark_lost=False, version=plan.version, by_id=None),
             "Choose why", "reason")


def test_the_practitioner_must_be_an_active_specialist(app, setting, make_user, make_enquiry):
    _specialist, _treatment, enquiry_id = setting
    for user in (make_user("reception"), make_user("specialist", active=False)):
        with app.app_context():
            with pytest.raises(services.PlanError, match="active specialist") as refused:
                services.new_plan(services.enquiries.get_enquiry(enquiry_id),
                                  practitioner=db.session.get(User, user.id), notes=None, by_id=None)
            db.session.rollback()
        assert refused.value.field == "practitioner"


def test_the_information_cannot_be_given_before_the_plan_was_drafted(app, setting, client):
    specialist, treatment, enquiry_id = setting
    fresh = draft(app, enquiry_id, specialist.id, treatment)
    yesterday = today(app) - timedelta(days=1)
    _refused(app, fresh, lambda plan: services.propose(plan, info_given_on=yesterday, version=plan.version,
                                                      by_id=None),
             f"before the plan was drafted \\({today(app):%d/%m/%Y}\\)", "info_given_on")
    drafted = today(app) - timedelta(days=5)
    older = draft(app, enquiry_id, specialist.id, treatment, drafted_on=drafted)
    _refused(app, older, lambda plan: services.propose(plan, info_given_on=drafted - timedelta(days=1),
                                                      version=plan.version, by_id=None),
             "before the plan was drafted", "info_given_on")
    sign_in(client, specialist)
    response = client.post(f"/plans/{fresh}/propose", data={"info_given_on": yesterday.isoformat(),
                                                            "version": str(plan_row(app, fresh)["version"])})
    assert response.status_code == 200
    assert field_error(response, "info_given_on") == ("The information cannot be given before the plan was drafted "
                                                      f"({today(app):%d/%m/%Y}).")
    propose(app, older, drafted)
    assert plan_row(app, older)["info_given_on"] == drafted


def test_a_revision_cannot_be_back_dated_before_the_information_of_the_plan_it_revises(app, setting):
    specialist, treatment, enquiry_id = setting
    given = today(app) - timedelta(days=10)
    first = proposed(app, enquiry_id, specialist.id, treatment, info_given_on=given)
    with app.app_context():
        revision = services.revise(services.get_plan(first), by_id=specialist.id)
        revision.created_at = drafted_at(today(app) - timedelta(days=20))  # drafted earlier: only the rule here
        revision_id = revision.id
        db.session.commit()
    _refused(app, revision_id, lambda plan: services.propose(plan, info_given_on=given - timedelta(days=1),
                                                            version=plan.version, by_id=None),
             f"before that of the version it revises, Plan 1 \\({given:%d/%m/%Y}\\)", "info_given_on")
    propose(app, revision_id, given)
    assert plan_row(app, revision_id)["status"] is PlanStatus.PROPOSED


def test_a_revision_drafted_today_cannot_take_an_information_date_weeks_back(app, setting):
    specialist, treatment, enquiry_id = setting
    first = proposed(app, enquiry_id, specialist.id, treatment, info_given_on=today(app) - timedelta(days=1))
    with app.app_context():
        revision_id = services.revise(services.get_plan(first), by_id=specialist.id).id
        db.session.commit()
    _refused(app, revision_id, lambda plan: services.propose(plan, info_given_on=today(app) - timedelta(days=25),
                                                            version=plan.version, by_id=None),
             "before the plan was drafted", "info_given_on")


def test_a_plan_is_not_proposed_while_a_consultation_is_booked(app, client, make_user, make_enquiry):
    specialist = make_user("specialist")
    enquiry_id = consulted_enquiry(app, stages=(Stage.CONSULTATION_BOOKED,), attended=True,
                                   practitioner_id=specialist.id)
    plan_id = draft(app, enquiry_id, specialist.id, builders.treatment(app))
    message = "A consultation is booked: mark it attended or cancel it before proposing the plan."
    _refused(app, plan_id, lambda plan: services.propose(plan, info_given_on=today(app), version=plan.version,
                                                        by_id=None), re.escape(message), None)
    sign_in(client, specialist)
    response = client.post(f"/plans/{plan_id}/propose", data={"info_given_on": today(app).isoformat(),
                                                              "version": str(plan_row(app, plan_id)["version"])})
    assert response.status_code == 200 and form_error_text(response) == message
    assert stage_of(app, enquiry_id) is Stage.CONSULTATION_BOOKED


def test_a_plan_is_not_proposed_before_the_enquiry_is_consulted(app, make_user, make_enquiry):
    # Seen, then lost with a second consultation booked and reopened: a draft made while it was
    # consulted cannot be proposed from contacted, where no later step would ever move its stage.
    specialist = make_user("specialist")
    enquiry_id = consulted_enquiry(app, attended=True, practitioner_id=specialist.id)
    plan_id = draft(app, enquiry_id, specialist.id, builders.treatment(app))
    with app.app_context():
        db.session.get(Enquiry, enquiry_id).stage = Stage.CONTACTED
        db.session.commit()
    _refused(app, plan_id, lambda plan: services.propose(plan, info_given_on=today(app), version=plan.version,
                                                        by_id=None), "once the patient has been consulted", None)
    assert stage_of(app, enquiry_id) is Stage.CONTACTED


def test_the_item_price_is_checked_by_the_one_money_validator():
    assert money.two_places in ItemFieldsForm.price.kwargs["validators"]
    assert money.two_places in money.pounds_field("Price").kwargs["validators"]
