"""An enquiry's milestones (tracker/enquiries/milestones.py) follow its stage history, whatever writes it.

The expectations are worked out here from the history independently of the module (expected() below); the
history is written through the services, by adding StageChange rows, and by correcting a change's time; the
demo data, written in bulk, is held to the same rule.
"""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from tests import builders
from tests.enquiries.bad_input import examples
from tracker.enquiries import milestones
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import MILESTONES, Channel, Enquiry, StageChange
from tracker.enquiries.stages import PIPELINE, TRANSITIONS, Stage
from tracker.extensions import db
from tracker.settings.models import Option, OptionKind

RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning
ST = Stage


def hours(n: float) -> datetime:
    """An instant n hours after RECEIVED."""
    return RECEIVED + timedelta(hours=n)


def expected(history) -> dict:
    """The milestones the definitions give for (to_stage, from_stage, at) triples, written out plainly."""
    reached = [(to, at) for to, _from, at in history if to is not ST.LOST]

    def first(stage: Stage):
        return min((at for to, at in reached if PIPELINE.index(to) >= PIPELINE.index(stage)), default=None)

    return {"furthest_stage": max((to for to, _at in reached), key=PIPELINE.index, default=None),
            "consulted_at": first(ST.CONSULTED), "plan_proposed_at": first(ST.PLAN_PROPOSED),
            "treatment_booked_at": first(ST.TREATMENT_BOOKED), "treatment_started_at": first(ST.IN_TREATMENT),
            "plan_decided_at": min((at for _to, frm, at in history if frm is ST.PLAN_PROPOSED), default=None)}


def history(enquiry_id: int) -> list[tuple]:
    """The enquiry's stage changes as stored."""
    return db.session.execute(select(StageChange.to_stage, StageChange.from_stage, StageChange.at)
                              .where(StageChange.enquiry_id == enquiry_id).order_by(StageChange.id)).tuples().all()


def stored(app, enquiry_id: int) -> dict:
    """The milestone columns as stored, read in a fresh session."""
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        return {column: getattr(enquiry, column) for column in MILESTONES}


def walk(app, enquiry_id: int, steps: list[tuple[Stage, float]]) -> None:
    """Take the enquiry through (stage, hours after RECEIVED) steps with the services, committing each."""
    with app.app_context():
        for stage, at in steps:
            enquiry = db.session.get(Enquiry, enquiry_id)
            if stage is ST.LOST:
                reason = db.session.scalars(select(Option).where(Option.kind == OptionKind.LOST_REASON)).first()
                enquiries.mark_lost(enquiry, reason, by_id=None).at = hours(at)
            elif enquiry.stage is ST.LOST:
                change = enquiries.reopen(enquiry, by_id=None)
                assert change.to_stage is stage, f"reopened to {change.to_stage}, not {stage}"
                change.at = hours(at)
            elif stage is ST.CONTACTED and enquiry.stage is ST.NEW:
                enquiries.stamp_first_contact(enquiry, hours(at), by_id=None)
            else:
                enquiries.move(enquiry, stage, by_id=None, at=hours(at))
            db.session.commit()


FULL = [(ST.CONTACTED, 1), (ST.CONSULTATION_BOOKED, 2), (ST.CONSULTED, 72), (ST.PLAN_PROPOSED, 96),
        (ST.TREATMENT_BOOKED, 200), (ST.IN_TREATMENT, 300), (ST.COMPLETED, 900)]


def test_a_new_enquiry_has_reached_new_and_nothing_else(app):
    enquiry_id = builders.enquiry(app, received_at=RECEIVED)
    assert stored(app, enquiry_id) == {**dict.fromkeys(MILESTONES), "furthest_stage": ST.NEW}


def test_the_whole_way_to_completed_stamps_each_step_when_first_reached(app):
    enquiry_id = builders.enquiry(app, received_at=RECEIVED)
    walk(app, enquiry_id, FULL)
    assert stored(app, enquiry_id) == {"furthest_stage": ST.COMPLETED, "consulted_at": hours(72),
                                       "plan_proposed_at": hours(96), "treatment_booked_at": hours(200),
                                       "treatment_started_at": hours(300), "plan_decided_at": hours(200)}


def test_each_move_updates_the_milestones_in_the_same_commit(app):
    enquiry_id = builders.enquiry(app, received_at=RECEIVED)
    walk(app, enquiry_id, FULL[:3])
    assert stored(app, enquiry_id) == {**dict.fromkeys(MILESTONES), "furthest_stage": ST.CONSULTED,
                                       "consulted_at": hours(72)}
    walk(app, enquiry_id, FULL[3:4])
    assert stored(app, enquiry_id)["furthest_stage"] is ST.PLAN_PROPOSED
    assert stored(app, enquiry_id)["plan_proposed_at"] == hours(96)
    assert stored(app, enquiry_id)["plan_decided_at"] is None  # the plan is still waiting for an answer


def test_booking_a_consultation_straight_from_new_skips_contacted(app):
    enquiry_id = builders.enquiry(app, received_at=RECEIVED)
    walk(app, enquiry_id, [(ST.CONSULTATION_BOOKED, 3)])
    assert stored(app, enquiry_id) == {**dict.fromkeys(MILESTONES), "furthest_stage": ST.CONSULTATION_BOOKED}


def test_losing_and_reopening_keeps_the_furthest_stage_and_the_first_times(app):
    enquiry_id = builders.enquiry(app, received_at=RECEIVED)
    walk(app, enquiry_id, [*FULL[:4], (ST.LOST, 120)])
    lost = stored(app, enquiry_id)
    assert lost["furthest_stage"] is ST.PLAN_PROPOSED  # lost is not a step along the pipeline
    # Losing it from plan proposed is leaving plan proposed: the plan was decided on (declined by going).
    assert (lost["plan_proposed_at"], lost["plan_decided_at"]) == (hours(96), hours(120))
    walk(app, enquiry_id, [(ST.PLAN_PROPOSED, 150), (ST.TREATMENT_BOOKED, 170)])
    assert stored(app, enquiry_id) == {**lost, "treatment_booked_at": hours(170), "furthest_stage": ST.TREATMENT_BOOKED}


def test_lost_from_treatment_booked_reopens_a_step_back_and_the_furthest_stage_stays(app):
    enquiry_id = builders.enquiry(app, received_at=RECEIVED)
    walk(app, enquiry_id, [*FULL[:5], (ST.LOST, 250), (ST.PLAN_PROPOSED, 260)])
    values = stored(app, enquiry_id)
    assert values["furthest_stage"] is ST.TREATMENT_BOOKED
    assert values["treatment_booked_at"] == hours(200)


def test_going_back_keeps_the_first_times(app):
    enquiry_id = builders.enquiry(app, received_at=RECEIVED)
    walk(app, enquiry_id, [*FULL[:4], (ST.CONSULTED, 110), (ST.CONSULTATION_BOOKED, 120), (ST.CONSULTED, 140),
                           (ST.PLAN_PROPOSED, 160), (ST.TREATMENT_BOOKED, 180)])
    assert stored(app, enquiry_id) == {**dict.fromkeys(MILESTONES), "furthest_stage": ST.TREATMENT_BOOKED,
                                       "consulted_at": hours(72), "plan_proposed_at": hours(96),
                                       "treatment_booked_at": hours(180),
                                       "plan_decided_at": hours(110)}  # reworking the plan was the first decision


def _change(enquiry_id: int, to_stage: Stage) -> StageChange:
    return db.session.scalars(select(StageChange).where(StageChange.enquiry_id == enquiry_id,
                                                        StageChange.to_stage == to_stage)).one()


def test_correcting_a_stage_changes_time_recomputes_the_milestones(app):
    enquiry_id = builders.enquiry(app, received_at=RECEIVED)
    walk(app, enquiry_id, FULL[:5])
    with app.app_context():
        _change(enquiry_id, ST.CONSULTED).at = hours(80)
        db.session.commit()
    assert stored(app, enquiry_id)["consulted_at"] == hours(80)
    with app.app_context():
        # Booked earlier than the consultation it followed (a mistyped time): treatment booked is a later stage,
        # so reaching it also reached consulted and plan proposed at that time.
        _change(enquiry_id, ST.TREATMENT_BOOKED).at = hours(50)
        db.session.commit()
    assert stored(app, enquiry_id) == {"furthest_stage": ST.TREATMENT_BOOKED, "consulted_at": hours(50),
                                       "plan_proposed_at": hours(50), "treatment_booked_at": hours(50),
                                       "treatment_started_at": None, "plan_decided_at": hours(50)}
    with app.app_context():
        assert stored(app, enquiry_id) == expected(history(enquiry_id))


def test_milestones_are_not_audited_and_leave_the_version_and_an_open_edit_form_alone(app, client, login_as,
                                                                                      audit_rows):
    login_as("reception")
    enquiry_id = builders.enquiry(app, received_at=RECEIVED)
    walk(app, enquiry_id, FULL[:3])
    form = client.get(f"/enquiries/{enquiry_id}/edit")
    assert form.status_code == 200
    with app.app_context():
        version = db.session.get(Enquiry, enquiry_id).version
    enquiry_events = len(audit_rows(entity_type="enquiries"))
    with app.app_context():
        _change(enquiry_id, ST.CONSULTED).at = hours(60)
        db.session.commit()
    assert stored(app, enquiry_id)["consulted_at"] == hours(60)
    with app.app_context():
        assert db.session.get(Enquiry, enquiry_id).version == version
    assert len(audit_rows(entity_type="enquiries")) == enquiry_events  # the stage change's own edit is audited
    assert [row for row in audit_rows() if set(row["changes"] or {}) & set(MILESTONES)] == []
    saved = client.post(f"/enquiries/{enquiry_id}/edit", data={"channel": "email", "received_at": "2026-03-02T09:00",
                                                               "version": version})
    assert saved.status_code == 302, "the form opened before the correction was refused as out of date"
    with app.app_context():
        assert db.session.get(Enquiry, enquiry_id).channel is Channel.EMAIL


def test_no_audit_row_ever_names_a_milestone_along_a_whole_journey(app, audit_rows):
    enquiry_id = builders.enquiry(app, received_at=RECEIVED)
    walk(app, enquiry_id, [*FULL[:4], (ST.LOST, 120), (ST.PLAN_PROPOSED, 130), *FULL[4:]])
    assert stored(app, enquiry_id)["furthest_stage"] is ST.COMPLETED
    assert [row for row in audit_rows() if set(row["changes"] or {}) & set(MILESTONES)] == []


# --- any path -------------------------------------------------------------------------------------------

STEP = st.tuples(st.integers(0, 5), st.integers(-200, 2000), st.booleans())  # (which move, hours, commit after)


def _moves(stage: Stage) -> list[Stage]:
    return sorted(TRANSITIONS[stage], key=list(Stage).index)


def _take_path(enquiry_id: int, steps, by_rows: bool) -> None:
    """Random moves from the stage table; times in any order, as corrected times can be."""
    reason = db.session.scalars(select(Option).where(Option.kind == OptionKind.LOST_REASON)).first()
    stage = ST.NEW
    for pick, at, commit in steps:
        enquiry = db.session.get(Enquiry, enquiry_id)
        if stage is ST.LOST:
            if by_rows:
                to = enquiries.reopen_target(enquiry) if enquiry.lost_from_stage else None
            else:
                to = enquiries.reopen(enquiry, by_id=None).to_stage if enquiry.lost_from_stage else None
        else:
            options = _moves(stage)
            if not options:
                break
            to = options[pick % len(options)]
        if to is None:
            break
        if by_rows:
            # Rows written straight to the history, as a command or a data fix would (the stage kept in step).
            db.session.add(StageChange(enquiry_id=enquiry_id, from_stage=stage, to_stage=to, at=hours(at)))
            enquiry.lost_from_stage = stage if to is ST.LOST else None
            enquiry.stage = to
        elif stage is ST.LOST:
            db.session.scalars(select(StageChange).where(StageChange.enquiry_id == enquiry_id)
                               .order_by(StageChange.id.desc())).first().at = hours(at)
        elif to is ST.LOST:
            enquiries.mark_lost(enquiry, reason, by_id=None).at = hours(at)
        else:
            enquiries.move(enquiry, to, by_id=None, at=hours(at))
        stage = to
        if commit:
            db.session.commit()
    db.session.commit()


@examples(15)
@given(steps=st.lists(STEP, max_size=12), by_rows=st.booleans())
def test_any_path_through_the_stage_table_leaves_the_milestones_of_its_history(app, steps, by_rows):
    enquiry_id = builders.enquiry(app, received_at=RECEIVED)
    with app.app_context():
        _take_path(enquiry_id, steps, by_rows)
    with app.app_context():
        changes = history(enquiry_id)
        assert milestones.milestones(changes) == expected(changes)
    assert stored(app, enquiry_id) == expected(changes)


# --- the demo data, written in bulk -----------------------------------------------------------------------

@pytest.mark.parametrize("seed", [4])
def test_demo_enquiries_have_the_milestones_of_their_stage_changes(app, seed):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--enquiries", "80", "--seed", str(seed),
                                                "--today", "2026-06-30"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        changes: dict[int, list] = {}
        for enquiry_id, to, frm, at in db.session.execute(select(
                StageChange.enquiry_id, StageChange.to_stage, StageChange.from_stage, StageChange.at)):
            changes.setdefault(enquiry_id, []).append((to, frm, at))
        rows = db.session.execute(select(Enquiry.id, *(getattr(Enquiry, c) for c in MILESTONES))).tuples().all()
        assert len(rows) == 80
        wrong = [(row[0], dict(zip(MILESTONES, row[1:], strict=True)), expected(changes.get(row[0], [])))
                 for row in rows if dict(zip(MILESTONES, row[1:], strict=True)) != expected(changes.get(row[0], []))]
        assert wrong == []
        assert {row[1] for row in rows} - {None} != {ST.NEW}  # the demo goes beyond new (the check is not idle)
