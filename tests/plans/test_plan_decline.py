"""Declining one plan does not lose an enquiry that another plan, or its treatment sessions, keep open."""

import re
from datetime import timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests import builders
from tests.builders import (
    WITH_REASON,
    Item,
    add_session,
    course,
    enquiry_row,
    local,
    lost_reason,
    move,
    plan_row,
    proposed,
    session_rows,
    stage_changes,
    today,
    with_plan,
)
from tests.conftest import sign_in
from tests.pages import field_error
from tests.properties import ANY_TEXT, PROPERTY, checked, has_control
from tracker.bookings.models import AppointmentStatus
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.plans import decisions, services
from tracker.plans.models import PlanStatus, TreatmentPlan
from tracker.settings.models import Option


@pytest.fixture
def in_treatment(app, make_user, make_enquiry):
    """Plan 1 accepted with a session booked (treatment booked), and an add-on Plan 2 proposed."""
    specialist = make_user("specialist", full_name="Dr Ada Quinn")
    c = course(app, specialist.id, [Item("subcision", 2)], info_given_on=today(app) - timedelta(days=30))
    session_id = add_session(app, c, 0, 1, local(today(app) + timedelta(days=30)))
    move(app, c.enquiry_id, Stage.TREATMENT_BOOKED)
    add_on = proposed(app, c.enquiry_id, specialist.id, builders.treatment(app))
    return specialist, c, session_id, add_on


def _decline(app, plan_id: int, *, mark_lost: bool) -> None:
    reason_id = lost_reason(app, "Price")
    with_plan(app, plan_id, lambda plan: decisions.decline(
        plan, decided_on=today(app), reason=db.session.get(Option, reason_id), note="Too dear", mark_lost=mark_lost,
        version=plan.version, by_id=None))


def _refused_decline(app, plan_id: int, message: str) -> None:
    """Declining with the enquiry marked lost is refused beside the tick box, and nothing is stored."""
    with app.app_context():
        enquiry_id = db.session.get(TreatmentPlan, plan_id).enquiry_id
    before = (plan_row(app, plan_id), enquiry_row(app, enquiry_id), stage_changes(app, enquiry_id, *WITH_REASON),
              session_rows(app))
    with pytest.raises(services.PlanError) as refused:
        _decline(app, plan_id, mark_lost=True)
    assert (str(refused.value), refused.value.field) == (message, "mark_lost")
    assert (plan_row(app, plan_id), enquiry_row(app, enquiry_id), stage_changes(app, enquiry_id, *WITH_REASON),
            session_rows(app)) == before


def test_declining_an_add_on_plan_cannot_mark_an_enquiry_in_treatment_lost(app, in_treatment):
    _specialist, _c, session_id, add_on = in_treatment
    _refused_decline(app, add_on, "Plan 1 is still accepted: the enquiry stays open; untick this to record the "
                                  "decline.")
    assert next(r for r in session_rows(app) if r["id"] == session_id)["status"] is AppointmentStatus.BOOKED


def test_declining_an_add_on_plan_without_marking_lost_keeps_the_enquiry_and_its_sessions(app, in_treatment):
    _specialist, c, session_id, add_on = in_treatment
    _decline(app, add_on, mark_lost=False)
    assert plan_row(app, add_on)["status"] is PlanStatus.DECLINED
    assert enquiry_row(app, c.enquiry_id)["stage"] is Stage.TREATMENT_BOOKED
    assert next(r for r in session_rows(app) if r["id"] == session_id)["status"] is AppointmentStatus.BOOKED


def test_marking_lost_is_refused_while_another_plan_awaits_the_patients_decision(app, make_user, make_enquiry):
    specialist = make_user("specialist")
    c = course(app, specialist.id, [Item("subcision", 2)], status=PlanStatus.PROPOSED)
    second = proposed(app, c.enquiry_id, specialist.id, builders.treatment(app))
    _refused_decline(app, second, "Plan 1 is still proposed: the enquiry stays open; untick this to record the "
                                  "decline.")


def test_marking_lost_is_refused_while_the_enquiry_holds_treatment_sessions(app, make_user, make_enquiry):
    """Sessions done keep the enquiry open even if no other plan is open (rows written here, not by the rules)."""
    specialist = make_user("specialist")
    c = course(app, specialist.id, [Item("subcision", 2)], status=PlanStatus.EXPIRED)
    add_session(app, c, 0, 1, local(today(app) - timedelta(days=3)), AppointmentStatus.ATTENDED)
    second = proposed(app, c.enquiry_id, specialist.id, builders.treatment(app))
    _refused_decline(app, second, "Treatment sessions are booked or done: the enquiry stays open; untick this to "
                                  "record the decline.")


def test_the_decline_page_leaves_mark_lost_unticked_and_says_why_while_another_plan_is_open(app, client,
                                                                                           in_treatment):
    specialist, c, _session_id, add_on = in_treatment
    sign_in(client, specialist)
    page = client.get(f"/plans/{add_on}/decline").get_data(as_text=True)
    assert "checked" not in re.search(r'<input[^>]*id="mark_lost"[^>]*>', page).group(0)
    assert "Unticked: Plan 1 is still accepted: the enquiry stays open." in page
    before = plan_row(app, add_on)
    response = client.post(f"/plans/{add_on}/decline", data={
        "decided_on": today(app).isoformat(), "reason": str(lost_reason(app, "Price")), "note": "Too dear",
        "mark_lost": "y", "version": str(before["version"])})
    assert response.status_code == 200
    assert field_error(response, "mark_lost") == ("Plan 1 is still accepted: the enquiry stays open; untick this to "
                                                  "record the decline.")
    assert "Too dear</textarea>" in response.get_data(as_text=True)
    assert plan_row(app, add_on) == before and enquiry_row(app, c.enquiry_id)["stage"] is Stage.TREATMENT_BOOKED


def test_declining_an_add_on_plan_with_any_tick_box_value_never_loses_the_enquiry(app, client, make_user,
                                                                                  make_enquiry):
    specialist = make_user("specialist")
    sign_in(client, specialist)
    price = lost_reason(app, "Price")

    def fresh() -> tuple[int, int]:
        c = course(app, specialist.id, [Item("subcision", 2)])
        return c.enquiry_id, proposed(app, c.enquiry_id, specialist.id, builders.treatment(app))

    current = [fresh()]
    outcomes = set()

    @PROPERTY
    @given(mark_lost=st.one_of(st.none(), st.sampled_from(["y", "false", "", "on", "0"]), ANY_TEXT))
    @example(mark_lost="y")
    @example(mark_lost=None)
    def check(mark_lost):
        enquiry_id, plan_id = current[-1]
        before = plan_row(app, plan_id)
        data = {"decided_on": today(app).isoformat(), "reason": str(price), "note": "",
                "version": str(before["version"])}
        if mark_lost is not None:
            data["mark_lost"] = mark_lost
        response = client.post(f"/plans/{plan_id}/decline", data=data)
        outcomes.add(response.status_code)
        assert response.status_code in (200, 302), response.status_code
        assert (response.status_code == 302) == (not checked(mark_lost) and not has_control(mark_lost or ""))
        assert enquiry_row(app, enquiry_id)["stage"] is Stage.PLAN_PROPOSED
        if response.status_code == 302:
            assert plan_row(app, plan_id)["status"] is PlanStatus.DECLINED
            current.append(fresh())
        else:
            assert field_error(response, "mark_lost") and plan_row(app, plan_id) == before

    check()
    assert outcomes == {200, 302}
