"""flask seed-demo --enquiries: follow-ups as the rules and reception would make them, one open per open enquiry."""

from collections import Counter, defaultdict
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from tests import builders
from tests.conftest import make_test_app, migrate_to_head
from tests.demo.conftest import seed
from tracker.audit.models import AuditAction, AuditEvent
from tracker.auth.models import User
from tracker.clock import to_clinic
from tracker.enquiries.models import Enquiry, StageChange
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.followups.models import FollowUp, FollowUpKind, FollowUpStatus, Priority, Reschedule
from tracker.followups.services import overdue_instant

RULES = {"first_contact", "consultation_reminder", "post_consultation", "decision_chase", "pre_treatment",
         "session_reminder", "aftercare", "reviews"}
FITS = {Stage.NEW: {FollowUpKind.CALL_BACK}, Stage.CONTACTED: {FollowUpKind.CALL_BACK},
        Stage.CONSULTATION_BOOKED: {FollowUpKind.CONSULTATION_REMINDER},
        Stage.CONSULTED: {FollowUpKind.POST_CONSULTATION}, Stage.PLAN_PROPOSED: {FollowUpKind.DECISION_CHASE},
        Stage.TREATMENT_BOOKED: {FollowUpKind.PRE_TREATMENT},
        Stage.IN_TREATMENT: {FollowUpKind.SESSION_REMINDER, FollowUpKind.AFTERCARE}}


def _open_by_enquiry(follow_ups) -> dict[int, list[FollowUp]]:
    found = defaultdict(list)
    for follow_up in follow_ups:
        if follow_up.status is FollowUpStatus.OPEN:
            found[follow_up.enquiry_id].append(follow_up)
    return found


def test_about_three_follow_ups_per_enquiry_with_a_history_of_done_and_cancelled_ones(seeded, read_all):
    follow_ups, enquiries = read_all(FollowUp), read_all(Enquiry)
    assert 2.6 <= len(follow_ups) / len(enquiries) <= 3.6
    statuses = Counter(f.status for f in follow_ups)
    assert statuses[FollowUpStatus.DONE] > statuses[FollowUpStatus.CANCELLED] > 0 and statuses[FollowUpStatus.OPEN]
    assert all(f.outcome and f.closed_at >= f.created_at and f.closed_by_id and not f.cancel_reason
               for f in follow_ups if f.status is FollowUpStatus.DONE)
    assert all(f.cancel_reason and f.closed_at >= f.created_at and not f.outcome
               for f in follow_ups if f.status is FollowUpStatus.CANCELLED)
    assert all(f.closed_at is None and f.outcome is None for f in follow_ups if f.status is FollowUpStatus.OPEN)
    outcomes = Counter(f.outcome for f in follow_ups)
    assert outcomes["No answer"] and outcomes["Spoke to patient, thinking about it"]
    assert Counter(f.priority for f in follow_ups).most_common(1)[0][0] is Priority.NORMAL


def test_each_open_enquiry_has_exactly_one_open_follow_up_that_fits_its_stage_and_closed_ones_none_pending(
        seeded, read_all):
    follow_ups, enquiries = read_all(FollowUp), read_all(Enquiry)
    open_ones = _open_by_enquiry(follow_ups)
    by_stage = Counter()
    for enquiry in enquiries:
        mine = open_ones.get(enquiry.id, [])
        if enquiry.stage.is_open:
            assert len(mine) == 1, (enquiry.id, enquiry.stage, mine)
            assert mine[0].kind in FITS[enquiry.stage], (enquiry.stage, mine[0].kind)
            by_stage[enquiry.stage] += 1
        elif enquiry.stage is Stage.LOST:
            assert mine == []
        else:  # completed: only the reviews (and an aftercare check just after the last session) are still to come
            assert {f.kind for f in mine} <= {FollowUpKind.REVIEW, FollowUpKind.AFTERCARE}
    assert {Stage.NEW, Stage.CONTACTED, Stage.PLAN_PROPOSED} <= set(by_stage)


def test_open_follow_ups_fall_due_from_a_fortnight_ago_to_a_few_weeks_ahead_mostly_around_today(seeded, read_all):
    today = builders.today(seeded)
    open_enquiries = {e.id for e in read_all(Enquiry) if e.stage.is_open}
    days = [(f.due_on - today).days for f in read_all(FollowUp)
            if f.status is FollowUpStatus.OPEN and f.enquiry_id in open_enquiries]
    assert min(days) >= -14
    assert sum(1 for d in days if d < 0) >= len(days) // 10  # some are overdue
    assert sum(1 for d in days if -3 <= d <= 3) >= len(days) * 0.4
    assert sum(1 for d in days if d <= 21) >= len(days) * 0.9


def test_overdue_at_agrees_with_the_due_date_and_time_and_no_due_date_precedes_its_enquiry(seeded, read_all):
    enquiries = {e.id: e for e in read_all(Enquiry)}
    follow_ups = read_all(FollowUp)
    with seeded.app_context():
        for follow_up in follow_ups:
            assert follow_up.overdue_at == overdue_instant(follow_up.due_on, follow_up.due_time), follow_up
            assert follow_up.due_on >= to_clinic(enquiries[follow_up.enquiry_id].received_at).date()
    assert any(f.due_time is not None for f in follow_ups) and any(f.due_time is None for f in follow_ups)


@pytest.mark.parametrize("today", ["2025-10-27", "2025-03-31"])
def test_overdue_at_is_right_across_the_clocks_changing(app, today):
    assert seed(app, "--enquiries", "150", "--seed", "3", "--today", today).exit_code == 0
    with app.app_context():
        follow_ups = db.session.scalars(select(FollowUp)).all()
        assert follow_ups
        for follow_up in follow_ups:
            assert follow_up.overdue_at == overdue_instant(follow_up.due_on, follow_up.due_time), follow_up


def test_open_follow_ups_belong_to_an_active_colleague_or_the_team_about_one_in_seven_to_the_team(seeded, read_all):
    active = {u.id for u in read_all(User) if u.active}
    opened = [f for f in read_all(FollowUp) if f.status is FollowUpStatus.OPEN]
    assert all(f.assigned_to_id is None or f.assigned_to_id in active for f in opened)
    team = sum(1 for f in read_all(FollowUp) if f.assigned_to_id is None) / len(read_all(FollowUp))
    assert 0.08 < team < 0.25


def test_rule_made_ones_name_their_rule_with_a_key_once_per_enquiry_and_manual_ones_neither(seeded, read_all):
    follow_ups = read_all(FollowUp)
    ruled = [f for f in follow_ups if f.rule is not None]
    assert {f.rule for f in ruled} <= RULES and {"first_contact", "consultation_reminder"} <= {f.rule for f in ruled}
    keys = Counter((f.enquiry_id, f.rule, f.rule_key) for f in ruled)
    assert all(f.rule_key for f in ruled) and max(keys.values()) == 1
    assert all(f.rule_key is None and f.created_by_id is not None for f in follow_ups if f.rule is None)
    first = Counter(f.enquiry_id for f in ruled if f.rule == "first_contact")
    assert set(first.values()) == {1} and len(first) == len(read_all(Enquiry))


def test_losing_an_enquiry_cancelled_what_was_pending_as_the_rules_do(seeded, read_all):
    lost = {c.enquiry_id: c for c in read_all(StageChange) if c.to_stage is Stage.LOST}
    cancelled = [f for f in read_all(FollowUp) if f.cancel_reason == "The enquiry was lost"]
    assert cancelled and {f.rule for f in cancelled} >= {None, "first_contact"}
    for follow_up in cancelled:
        assert follow_up.closed_at == lost[follow_up.enquiry_id].at and follow_up.closed_by_id is None
    reasons = Counter(f.cancel_reason for f in read_all(FollowUp) if f.status is FollowUpStatus.CANCELLED)
    assert reasons["Plan 1 was accepted"] and reasons["The enquiry moved on to plan proposed"]


def test_reschedules_keep_the_history_and_the_version_counts_each_change(seeded, read_all):
    moves = defaultdict(list)
    for move in read_all(Reschedule):
        moves[move.follow_up_id].append(move)
    assert moves
    for follow_up in read_all(FollowUp):
        history = sorted(moves.get(follow_up.id, []), key=lambda m: (m.at, m.id))
        closed = follow_up.status is not FollowUpStatus.OPEN
        assert follow_up.version == 1 + len(history) + closed
        if history:
            assert (history[-1].to_due_on, history[-1].to_due_time) == (follow_up.due_on, follow_up.due_time)
            assert all(a.to_due_on == b.from_due_on for a, b in pairwise(history))


def test_the_bulk_load_event_counts_the_follow_ups_and_none_has_an_event_of_its_own(seeded, audit_rows):
    [event] = audit_rows(action=AuditAction.BULK_LOAD)
    with seeded.app_context():
        assert event["changes"]["follow_ups"] == [None, db.session.scalar(select(func.count()).select_from(FollowUp))]
        assert event["changes"]["follow_up_reschedules"] == [
            None, db.session.scalar(select(func.count()).select_from(Reschedule))]
        assert not db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_type.in_(("follow_ups", "follow_up_reschedules"))))


def test_the_same_seed_gives_the_same_follow_ups(seeded, tmp_path):
    other_uri = f"sqlite:///{tmp_path / 'again.db'}"
    migrate_to_head(other_uri)
    other = make_test_app(other_uri)
    columns = (FollowUp.enquiry_id, FollowUp.kind, FollowUp.due_on, FollowUp.due_time, FollowUp.status,
               FollowUp.rule, FollowUp.rule_key, FollowUp.outcome, FollowUp.closed_at)

    def rows(app):
        with app.app_context():
            return db.session.execute(select(*columns).order_by(FollowUp.id)).tuples().all()

    try:
        assert seed(other, "--enquiries", "300", "--seed", "7").exit_code == 0
        assert rows(other) == rows(seeded)
    finally:
        with other.app_context():
            db.engine.dispose()
