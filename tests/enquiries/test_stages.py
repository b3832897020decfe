"""The pipeline: every pair of stages is allowed or refused exactly as the table says, and every move is recorded."""

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.builders import read_enquiry
from tracker.enquiries import services
from tracker.enquiries.models import Enquiry, StageChange
from tracker.enquiries.stages import DRIVEN_MOVES, TRANSITIONS, Stage, manual_next_stages
from tracker.extensions import db
from tracker.settings import services as settings
from tracker.settings.models import OptionKind

# The reviewed table, written out: a change to stages.TRANSITIONS must change this too.
ALLOWED = {
    ("new", "contacted"), ("new", "consultation_booked"), ("new", "lost"),
    ("contacted", "consultation_booked"), ("contacted", "lost"),
    ("consultation_booked", "consulted"), ("consultation_booked", "contacted"), ("consultation_booked", "lost"),
    ("consulted", "plan_proposed"), ("consulted", "consultation_booked"), ("consulted", "lost"),
    ("plan_proposed", "treatment_booked"), ("plan_proposed", "consulted"), ("plan_proposed", "lost"),
    ("treatment_booked", "in_treatment"), ("treatment_booked", "plan_proposed"), ("treatment_booked", "lost"),
    ("in_treatment", "completed"), ("in_treatment", "lost"),
}
PAIRS = list(itertools.product(Stage, Stage))


def test_transition_table_is_the_reviewed_one():
    table = {(a.value, b.value) for a, targets in TRANSITIONS.items() for b in targets}
    assert table == ALLOWED


def _put_at(app, enquiry_id: int, stage: Stage) -> None:
    """Place an enquiry at a stage directly (the fixture for testing the move from there)."""
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        enquiry.stage = stage
        if stage is Stage.LOST:
            enquiry.lost_from_stage = Stage.CONTACTED
        db.session.commit()


@pytest.mark.parametrize(("from_stage", "to_stage"), PAIRS, ids=lambda s: s.value)
def test_each_pair_moves_or_is_refused_as_the_table_says(app, make_enquiry, make_user, from_stage, to_stage):
    user = make_user("reception")
    enquiry_id = make_enquiry()
    _put_at(app, enquiry_id, from_stage)
    allowed = (from_stage.value, to_stage.value) in ALLOWED
    with app.app_context():
        enquiry = services.get_enquiry(enquiry_id)
        before = db.session.scalar(select(db.func.count()).select_from(StageChange))
        reason = settings.options(OptionKind.LOST_REASON)[0]
        try:
            if to_stage is Stage.LOST:
                services.mark_lost(enquiry, reason, by_id=user.id)
            else:
                services.move(enquiry, to_stage, by_id=user.id)
        except services.StageError:
            moved = False
            db.session.rollback()
        else:
            moved = True
            db.session.commit()
        after = db.session.scalar(select(db.func.count()).select_from(StageChange))
    assert moved is allowed
    assert read_enquiry(app, enquiry_id).stage is (to_stage if allowed else from_stage)
    assert after - before == (1 if allowed else 0)


def test_every_move_is_written_to_the_stage_history_with_who_when_and_note(app, make_enquiry, make_user):
    user = make_user("reception")
    enquiry_id = make_enquiry()
    with app.app_context():
        enquiry = services.get_enquiry(enquiry_id)
        services.record_contact(enquiry, services.ContactOutcome.REACHED, by_id=user.id)
        services.move(enquiry, Stage.CONSULTATION_BOOKED, by_id=user.id, note="booked by phone")
        db.session.commit()
        history = db.session.scalars(select(StageChange).where(StageChange.enquiry_id == enquiry_id)
                                     .order_by(StageChange.id)).all()
    assert [(h.from_stage, h.to_stage) for h in history] == [
        (None, Stage.NEW), (Stage.NEW, Stage.CONTACTED), (Stage.CONTACTED, Stage.CONSULTATION_BOOKED)]
    assert history[-1].by_id == user.id and history[-1].note == "booked by phone"
    assert history[0].at <= history[1].at <= history[2].at


def test_lost_needs_a_reason_and_reopening_returns_to_the_stage_it_was_lost_from(app, make_enquiry, make_user):
    user = make_user("reception")
    enquiry_id = make_enquiry()
    _put_at(app, enquiry_id, Stage.PLAN_PROPOSED)
    with app.app_context():
        enquiry = services.get_enquiry(enquiry_id)
        with pytest.raises(services.StageError, match="why"):
            services.mark_lost(enquiry, None, by_id=user.id)
        price = settings.options(OptionKind.LOST_REASON)[0]
        services.mark_lost(enquiry, price, by_id=user.id, note="too dear")
        db.session.commit()
        assert (enquiry.stage, enquiry.lost_from_stage, enquiry.lost_reason_id) == (Stage.LOST, Stage.PLAN_PROPOSED,
                                                                                    price.id)
        services.reopen(enquiry, by_id=user.id, note="called back, wants to go ahead")
        db.session.commit()
        last = db.session.scalars(select(StageChange).where(StageChange.enquiry_id == enquiry_id)
                                  .order_by(StageChange.id.desc())).first()
    stored = read_enquiry(app, enquiry_id)
    assert stored.stage is Stage.PLAN_PROPOSED and stored.lost_reason_id is None
    assert (last.from_stage, last.to_stage, last.note) == (Stage.LOST, Stage.PLAN_PROPOSED,
                                                           "called back, wants to go ahead")


@pytest.mark.parametrize(("lost_from", "back_to"), [(Stage.CONSULTATION_BOOKED, Stage.CONTACTED),
                                                   (Stage.TREATMENT_BOOKED, Stage.PLAN_PROPOSED),
                                                   (Stage.IN_TREATMENT, Stage.IN_TREATMENT)], ids=str)
def test_reopening_steps_back_where_losing_cancelled_what_the_stage_stood_on(app, make_enquiry, make_user,
                                                                            lost_from, back_to):
    user = make_user("reception")
    enquiry_id = make_enquiry()
    _put_at(app, enquiry_id, lost_from)
    with app.app_context():
        enquiry = services.get_enquiry(enquiry_id)
        services.mark_lost(enquiry, settings.options(OptionKind.LOST_REASON)[0], by_id=user.id)
        services.reopen(enquiry, by_id=user.id)
        db.session.commit()
    assert read_enquiry(app, enquiry_id).stage is back_to


def test_an_enquiry_lost_with_a_second_consultation_booked_reopens_to_consulted(app, make_enquiry, make_user):
    from datetime import timedelta

    from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
    from tracker.db import utcnow

    user, specialist = make_user("reception"), make_user("specialist")
    enquiry_id = make_enquiry()
    _put_at(app, enquiry_id, Stage.CONSULTATION_BOOKED)
    with app.app_context():
        seen = utcnow() - timedelta(days=3)
        db.session.add(Appointment(enquiry_id=enquiry_id, kind=AppointmentKind.CONSULTATION, starts_at=seen,
                                   ends_at=seen + timedelta(minutes=30), practitioner_id=specialist.id,
                                   status=AppointmentStatus.ATTENDED))
        enquiry = services.get_enquiry(enquiry_id)
        services.mark_lost(enquiry, settings.options(OptionKind.LOST_REASON)[0], by_id=user.id)
        assert services.stage_buttons(enquiry) == [Stage.CONSULTED]
        services.change_stage(enquiry, Stage.CONSULTED, version=enquiry.version, by_id=user.id)
        db.session.commit()
    assert read_enquiry(app, enquiry_id).stage is Stage.CONSULTED


@pytest.mark.parametrize("stage", [Stage.COMPLETED, Stage.LOST])
def test_closed_enquiries_cannot_be_marked_lost(app, make_enquiry, make_user, stage):
    user = make_user("reception")
    enquiry_id = make_enquiry()
    _put_at(app, enquiry_id, stage)
    with app.app_context(), pytest.raises(services.StageError):
        services.mark_lost(services.get_enquiry(enquiry_id), settings.options(OptionKind.LOST_REASON)[0],
                           by_id=user.id)


def test_stage_buttons_offer_the_table_minus_the_moves_other_steps_make():
    class At:
        def __init__(self, stage, lost_from=None):
            self.stage, self.lost_from_stage = stage, lost_from

    for stage in Stage:
        offered = set(manual_next_stages(At(stage, Stage.CONSULTED)))
        if stage is Stage.LOST:
            assert offered == {Stage.CONSULTED}
        else:
            assert offered == {t for t in TRANSITIONS[stage] if (stage, t) not in DRIVEN_MOVES}


def test_the_stage_button_route_refuses_moves_that_belong_to_bookings(app, client, login_as, make_enquiry):
    login_as("reception")
    enquiry_id = make_enquiry()
    version = read_enquiry(app, enquiry_id).version
    response = client.post(f"/enquiries/{enquiry_id}/stage", data={"to_stage": "consultation_booked",
                                                                   "version": version})
    assert response.status_code == 302
    assert read_enquiry(app, enquiry_id).stage is Stage.NEW
    page = client.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)
    assert "set by booking the consultation" in page


def test_marking_lost_from_the_page_records_reason_and_note(app, client, login_as, make_enquiry, audit_rows):
    user = login_as("reception")
    enquiry_id = make_enquiry()
    with app.app_context():
        reason = settings.options(OptionKind.LOST_REASON)[1]
        reason_id, reason_label = reason.id, reason.label
    version = read_enquiry(app, enquiry_id).version
    response = client.post(f"/enquiries/{enquiry_id}/stage", data={
        "to_stage": "lost", "lost_reason_id": reason_id, "note": "never answered", "version": version})
    assert response.status_code == 302
    stored = read_enquiry(app, enquiry_id)
    assert (stored.stage, stored.lost_reason_id, stored.lost_note) == (Stage.LOST, reason_id, "never answered")
    page = client.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)
    assert f"Lost at new: {reason_label}" in page
    updates = audit_rows(entity_type="enquiries", entity_id=enquiry_id, action="update")
    assert any(row["changes"].get("stage") == ["new", "lost"] and row["actor_id"] == user.id for row in updates)


def test_a_call_answered_live_is_logged_then_contacted_at_the_time_received(app, client, login_as, make_enquiry):
    from tracker.clock import now_local, to_clinic

    login_as("reception")
    with app.app_context():
        received = (now_local() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/enquiries/new", data={"first_name": "Liv", "last_name": "Early", "phone": "07700 900222",
                                                   "channel": "phone", "received_at": received, "spoken_to": "y"})
    enquiry_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        history = db.session.scalars(select(StageChange).where(StageChange.enquiry_id == enquiry_id)
                                     .order_by(StageChange.id)).all()
        assert [to_clinic(h.at).strftime("%Y-%m-%dT%H:%M") for h in history] == [received, received]
    page = client.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)
    timeline = page.split('data-testid="timeline"', 1)[1]
    assert timeline.index("New → Contacted") < timeline.index("Enquiry logged")  # newest first, even at one time
