"""Moving a card: through the enquiry page's rules, lost asks for a reason, refusals say why and save nothing."""

import pytest
from sqlalchemy import select

from tests.builders import read_enquiry
from tests.conftest import sign_in
from tests.pages import field_error, same_site_path, take_flashes
from tests.properties import desk_counts
from tracker.audit.models import AuditAction
from tracker.enquiries.models import ContactAttempt, ContactOutcome, StageChange
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.settings import services as settings
from tracker.settings.models import OptionKind

FILTERED = "/pipeline/board?channel=phone&assignee=me"


@pytest.fixture
def reasons(app) -> list[int]:
    """The clinic's lost reasons' ids."""
    with app.app_context():
        return [o.id for o in settings.options(OptionKind.LOST_REASON)]


def _move(client, enquiry_id: int, to_stage: str, *, version: int | None = None, reason="", note: str = "",
          next_=FILTERED):
    """POST a card's form; the version the board shows now unless one is given."""
    if version is None:
        version = read_enquiry(client.application, enquiry_id).version
    return client.post(f"/pipeline/board/{enquiry_id}/move", data={
        "to_stage": to_stage, "lost_reason_id": str(reason), "note": note, "version": str(version), "next": next_})


def _changes(app, enquiry_id: int) -> list[tuple]:
    """The enquiry's stage changes, oldest first: (from, to, by, lost reason, note)."""
    with app.app_context():
        return [(c.from_stage, c.to_stage, c.by_id, c.lost_reason_id, c.note) for c in db.session.scalars(
            select(StageChange).where(StageChange.enquiry_id == enquiry_id).order_by(StageChange.id))]


def test_moving_a_card_to_lost_with_a_reason_records_the_move_and_its_audit_row_and_returns_to_the_filtered_board(
        app, client, login_as, place, reasons, audit_rows):
    user = login_as("reception")
    [enquiry_id] = place(Stage.CONTACTED, by_id=user.id)
    response = _move(client, enquiry_id, "lost", reason=reasons[1], note="Went elsewhere")
    assert response.status_code == 302 and same_site_path(response.headers["Location"]) == FILTERED
    assert take_flashes(client) == [("success", "Pat Board: now lost.")]
    enquiry = read_enquiry(app, enquiry_id)
    assert (enquiry.stage, enquiry.lost_reason_id, enquiry.lost_from_stage) == (Stage.LOST, reasons[1], Stage.CONTACTED)
    assert _changes(app, enquiry_id)[-1] == (Stage.CONTACTED, Stage.LOST, user.id, reasons[1], "Went elsewhere")
    [created] = [r for r in audit_rows(entity_type="stage_changes", action=AuditAction.CREATE)
                 if r["changes"]["to_stage"] == [None, "lost"]]
    assert created["actor_id"] == user.id


def test_dropping_a_new_card_on_contacted_logs_the_reached_contact_that_moves_it(app, client, login_as, place,
                                                                                audit_rows):
    user = login_as("reception")
    [enquiry_id] = place(Stage.NEW, by_id=user.id)
    response = _move(client, enquiry_id, "contacted")
    assert response.status_code == 302 and take_flashes(client) == [("success", "Pat Board: now contacted.")]
    enquiry = read_enquiry(app, enquiry_id)
    assert enquiry.stage is Stage.CONTACTED and enquiry.first_contacted_at is not None
    assert _changes(app, enquiry_id)[-1][:3] == (Stage.NEW, Stage.CONTACTED, user.id)
    with app.app_context():
        attempt = db.session.scalars(select(ContactAttempt).where(ContactAttempt.enquiry_id == enquiry_id)).one()
        assert (attempt.outcome, attempt.by_id, attempt.at) == (ContactOutcome.REACHED, user.id,
                                                                enquiry.first_contacted_at)
    assert audit_rows(entity_type="contact_attempts", actor_id=user.id)
    page = client.get("/pipeline/board").get_data(as_text=True)
    assert f'data-testid="card-{enquiry_id}" ' not in page.split('data-testid="column-contacted"')[0]
    assert f'data-testid="card-{enquiry_id}"' in page.split('data-testid="column-contacted"')[1]


def test_lost_without_a_reason_is_refused_beside_the_field_with_the_input_kept_and_nothing_saved(
        app, client, login_as, place):
    user = login_as("reception")
    [enquiry_id] = place(Stage.NEW, by_id=user.id)
    before, counts = read_enquiry(app, enquiry_id), desk_counts(app)
    response = _move(client, enquiry_id, "lost", note="Not interested <b>now</b>")
    assert response.status_code == 200
    assert field_error(response, "lost_reason_id") == "Choose why the enquiry was lost."
    page = response.get_data(as_text=True)
    assert '<option selected value="lost">' in page
    assert "Not interested &lt;b&gt;now&lt;/b&gt;</textarea>" in page
    assert f'value="{FILTERED.replace("&", "&amp;")}"' in page  # back to the same board once done
    assert read_enquiry(app, enquiry_id).stage is before.stage and desk_counts(app) == counts


@pytest.mark.parametrize(("start", "to_stage", "why"), [
    (Stage.CONSULTATION_BOOKED, "consulted", "Consulted is set by marking the consultation attended"),
    (Stage.CONSULTATION_BOOKED, "contacted", "Contacted is set by logging a reached contact"),
    (Stage.NEW, "consultation_booked", "Consultation booked is set by booking the consultation"),
    (Stage.NEW, "completed", "An enquiry cannot go from new to completed."),
    (Stage.IN_TREATMENT, "new", "An enquiry cannot go from in treatment to new."),
], ids=lambda v: getattr(v, "value", v))
def test_a_refused_move_says_why_and_changes_nothing(app, client, login_as, place, start, to_stage, why):
    login_as("reception")
    [enquiry_id] = place(start)
    before, counts = read_enquiry(app, enquiry_id), desk_counts(app)
    response = _move(client, enquiry_id, to_stage)
    assert response.status_code == 302 and same_site_path(response.headers["Location"]) == FILTERED
    [(category, message)] = take_flashes(client)
    assert category == "danger" and message.startswith("Pat Board was not moved: ") and why in message
    after = read_enquiry(app, enquiry_id)
    assert (after.stage, after.version) == (before.stage, before.version) and desk_counts(app) == counts


def test_a_stale_card_is_refused_with_409_naming_who_moved_it_first(app, client, login_as, place, make_user,
                                                                    reasons):
    login_as("reception")
    [enquiry_id] = place(Stage.NEW)
    shown = read_enquiry(app, enquiry_id).version
    colleague = app.test_client()
    sign_in(colleague, make_user("reception", full_name="Carla Colleague"))
    assert _move(colleague, enquiry_id, "contacted").status_code == 302  # from the same board, a moment earlier
    counts = desk_counts(app)
    response = _move(client, enquiry_id, "lost", reason=reasons[0], version=shown)
    assert response.status_code == 409
    assert "changed by Carla Colleague" in response.get_data(as_text=True)
    assert read_enquiry(app, enquiry_id).stage is Stage.CONTACTED and desk_counts(app) == counts


def test_a_manager_may_not_move_a_card(app, client, login_as, place, reasons):
    login_as("manager")
    [enquiry_id] = place(Stage.NEW)
    counts = desk_counts(app)
    assert _move(client, enquiry_id, "lost", reason=reasons[0]).status_code == 403
    counts["audit_events"] += 1  # the refusal itself, and nothing else
    assert read_enquiry(app, enquiry_id).stage is Stage.NEW and desk_counts(app) == counts


@pytest.mark.parametrize("next_", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "", "board"])
def test_a_move_goes_back_only_to_a_page_of_this_site(client, login_as, place, reasons, next_):
    login_as("reception")
    [enquiry_id] = place(Stage.NEW)
    response = _move(client, enquiry_id, "lost", reason=reasons[0], next_=next_)
    assert response.status_code == 302 and same_site_path(response.headers["Location"]) == "/pipeline/board"


def test_moving_a_missing_or_archived_enquiry_is_not_found(app, client, login_as, place, reasons):
    from tracker.db import utcnow
    from tracker.enquiries.models import Enquiry

    login_as("reception")
    [enquiry_id] = place(Stage.NEW)
    version = read_enquiry(app, enquiry_id).version
    with app.app_context():
        db.session.get(Enquiry, enquiry_id).archived_at = utcnow()
        db.session.commit()
    assert _move(client, enquiry_id, "lost", reason=reasons[0], version=version).status_code == 404
    assert _move(client, enquiry_id + 1000, "lost", reason=reasons[0], version=1).status_code == 404
    assert read_enquiry(app, enquiry_id).stage is Stage.NEW
