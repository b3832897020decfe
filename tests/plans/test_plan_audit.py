"""Every page that shows a plan's clinical notes writes a view event to the audit trail, without the notes."""

from datetime import timedelta

import pytest

from tests import builders
from tests.builders import consulted_enquiry, draft, item_rows, plan_row, today
from tests.conftest import sign_in
from tracker.audit.models import AuditAction
from tracker.extensions import db
from tracker.plans import services

NOTE = "Patient anxious about downtime"
ITEM_NOTE = "Avoid the left temple"


@pytest.fixture
def noted_draft(app, make_user, make_enquiry):
    """A specialist and a draft with plan notes and an item with notes; returns (specialist, plan id, item id)."""
    specialist = make_user("specialist")
    plan_id = draft(app, consulted_enquiry(app), specialist.id, builders.treatment(app, "Peel test"),
                    notes=NOTE)
    with app.app_context():
        item = services.get_plan(plan_id).items[0]
        item.notes = ITEM_NOTE
        db.session.commit()
        return specialist, plan_id, item.id


def _one_view_of(audit_rows, plan_id: int, viewer_id: int) -> None:
    """Exactly one view event, of the plan, by the viewer, holding nothing clinical."""
    [event] = audit_rows(action=AuditAction.VIEW)
    assert (event["actor_id"], event["entity_type"], event["entity_id"]) == (viewer_id, "treatment_plans", plan_id)
    assert event["changes"] == {"viewed": "treatment plan"}


def test_opening_an_items_edit_page_is_audited_as_a_view_of_the_plan(app, client, noted_draft, audit_rows):
    specialist, plan_id, item_id = noted_draft
    sign_in(client, specialist)
    response = client.get(f"/plan-items/{item_id}/edit")
    assert response.status_code == 200 and ITEM_NOTE in response.get_data(as_text=True)
    _one_view_of(audit_rows, plan_id, specialist.id)


def _bad_item(plan_id: int, item_id: int, version: int, day) -> tuple[str, dict]:
    return f"/plans/{plan_id}/items", {"treatment": "", "phase": "1", "sessions": "99", "price": "", "notes": "x"}


def _bad_propose(plan_id: int, item_id: int, version: int, day) -> tuple[str, dict]:
    return f"/plans/{plan_id}/propose", {"info_given_on": "31/02/2026", "version": str(version)}


def _early_propose(plan_id: int, item_id: int, version: int, day) -> tuple[str, dict]:
    """A date the form accepts and the rules refuse: before the plan was drafted."""
    return f"/plans/{plan_id}/propose", {"info_given_on": (day - timedelta(days=1)).isoformat(),
                                         "version": str(version)}


def _stale_propose(plan_id: int, item_id: int, version: int, day) -> tuple[str, dict]:
    return f"/plans/{plan_id}/propose", {"info_given_on": day.isoformat(), "version": str(version + 5)}


def _bad_edit(plan_id: int, item_id: int, version: int, day) -> tuple[str, dict]:
    return f"/plan-items/{item_id}/edit", {"phase": "0", "version": "1"}


@pytest.mark.parametrize("refused", [_bad_item, _bad_propose, _early_propose, _stale_propose, _bad_edit],
                         ids=["add item, bad form", "propose, bad date", "propose, refused by the rules",
                              "propose, stale", "edit item, bad form"])
def test_a_page_shown_again_after_a_refused_post_is_audited_and_the_refusal_saves_nothing(
        app, client, noted_draft, audit_rows, refused):
    specialist, plan_id, item_id = noted_draft
    sign_in(client, specialist)
    before = plan_row(app, plan_id), item_rows(app, plan_id)
    url, data = refused(plan_id, item_id, before[0]["version"], today(app))
    response = client.post(url, data=data)
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 409) and ITEM_NOTE in body
    assert 'class="invalid-feedback' in body or 'data-testid="form-errors"' in body
    assert (plan_row(app, plan_id), item_rows(app, plan_id)) == before
    _one_view_of(audit_rows, plan_id, specialist.id)


def test_reception_opening_the_plan_page_writes_no_view_event(app, client, make_user, noted_draft, audit_rows):
    _specialist, plan_id, _item_id = noted_draft
    sign_in(client, make_user("reception"))
    body = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert NOTE not in body and ITEM_NOTE not in body
    assert audit_rows(action=AuditAction.VIEW) == []
