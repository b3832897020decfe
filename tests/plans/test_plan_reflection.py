"""The reflection period: the earliest first session is the information date plus the longest item's minimum."""

from datetime import date, timedelta
from types import SimpleNamespace

from tests import builders
from tests.builders import consulted_enquiry, draft, propose, set_treatment, today
from tracker.extensions import db
from tracker.plans import services
from tracker.plans.reflection import reflection


def _plan(info_given_on, *items):
    """A plan as reflection() reads it: (treatment name, reflection days) per item."""
    return SimpleNamespace(info_given_on=info_given_on, items=[
        SimpleNamespace(reflection_days=days, treatment=SimpleNamespace(name=name)) for name, days in items])


def test_the_longest_items_period_sets_the_earliest_first_session():
    found = reflection(_plan(date(2026, 3, 2), ("TCA CROSS", 2), ("Subcision", 14), ("Microneedling", 7)))
    assert found.earliest == date(2026, 3, 16)
    assert (found.days, found.because_of, found.info_given_on) == (14, "Subcision", date(2026, 3, 2))


def test_a_plan_of_short_periods_waits_only_the_longest_of_them():
    assert reflection(_plan(date(2026, 3, 30), ("Peel", 2), ("Laser", 3))).earliest == date(2026, 4, 2)


def test_there_is_no_earliest_date_until_the_information_date_and_items_exist():
    assert reflection(_plan(None, ("Subcision", 14))) is None
    assert reflection(_plan(date(2026, 3, 2))) is None


def test_the_explanation_names_the_information_date_the_days_and_the_treatment():
    found = reflection(_plan(date(2026, 3, 2), ("TCA CROSS", 2), ("Punch excision", 14)))
    assert found.explain() == "information given on 02/03/2026 + 14 days' reflection for Punch excision"


def test_items_take_the_catalogue_period_when_added_and_a_later_catalogue_change_does_not_move_the_date(
        app, make_user, make_enquiry):
    specialist = make_user("specialist")
    surgical = builders.treatment(app, "Subcision test", reflection_days=14, surgical=True)
    short = builders.treatment(app, "Peel test", reflection_days=2)
    given = today(app) - timedelta(days=3)
    plan_id = draft(app, consulted_enquiry(app), specialist.id, surgical, short, drafted_on=given)
    propose(app, plan_id, given)
    set_treatment(app, surgical, reflection_days=30)
    set_treatment(app, short, reflection_days=60)
    with app.app_context():
        found = reflection(services.get_plan(plan_id))
        assert found.earliest == given + timedelta(days=14)
        assert found.because_of == "Subcision test"
        db.session.rollback()


def test_a_draft_has_no_earliest_date_until_it_is_proposed(app, make_user, make_enquiry):
    specialist = make_user("specialist")
    plan_id = draft(app, consulted_enquiry(app), specialist.id, builders.treatment(app, reflection_days=5))
    with app.app_context():
        assert reflection(services.get_plan(plan_id)) is None
    propose(app, plan_id, today(app))
    with app.app_context():
        assert reflection(services.get_plan(plan_id)).earliest == today(app) + timedelta(days=5)
