"""When a follow-up falls overdue, in clinic time, across the days the clocks change."""

from datetime import UTC, date, datetime, time

import pytest

from tracker.followups.services import FollowUpError, check_due, overdue_instant


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def test_a_follow_up_without_a_time_falls_overdue_at_the_end_of_its_day(ctx):
    assert overdue_instant(date(2026, 11, 24), None) == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    assert overdue_instant(date(2026, 7, 1), None) == datetime(2026, 7, 1, 23, 0, tzinfo=UTC)  # BST


def test_a_timed_follow_up_falls_overdue_at_its_time_in_clinic_time(ctx):
    assert overdue_instant(date(2026, 11, 24), time(14, 30)) == datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
    assert overdue_instant(date(2026, 7, 1), time(14, 30)) == datetime(2026, 7, 1, 13, 30, tzinfo=UTC)


def test_the_day_the_clocks_go_forward_is_23_hours_long(ctx):
    # 29 March 2026: midnight GMT to midnight BST.
    assert overdue_instant(date(2026, 3, 29), None) == datetime(2026, 3, 29, 23, 0, tzinfo=UTC)
    assert overdue_instant(date(2026, 3, 29), time(3, 0)) == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)


def test_the_day_the_clocks_go_back_is_25_hours_long_and_a_repeated_time_means_the_first(ctx):
    # 25 October 2026: 01:30 happens twice; the first (BST) is the one meant.
    assert overdue_instant(date(2026, 10, 25), None) == datetime(2026, 10, 26, 0, 0, tzinfo=UTC)
    assert overdue_instant(date(2026, 10, 25), time(1, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_a_due_time_the_clocks_skip_is_refused_beside_the_time(ctx):
    class Received:
        received_at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    with pytest.raises(FollowUpError) as refused:
        check_due(Received(), date(2026, 3, 29), time(1, 30))
    assert refused.value.field == "due_time" and "clocks go forward" in str(refused.value)


def test_a_due_date_before_the_enquiry_was_received_is_refused_beside_the_date(ctx):
    class Received:
        received_at = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)  # 20/11 in London

    with pytest.raises(FollowUpError) as refused:
        check_due(Received(), date(2026, 11, 19), None)
    assert refused.value.field == "due_on" and "20/11/2026" in str(refused.value)
    check_due(Received(), date(2026, 11, 20), None)  # the same day is fine
