"""Opening time between two instants: only the clinic's open hours count, in clinic time across the clock changes."""

from datetime import UTC, datetime, time, timedelta

import pytest

from tracker.settings.hours import Week

WEEKDAYS = Week({day: (time(9), time(18)) for day in range(5)})


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clinic_zone(app):
    with app.app_context():
        yield


@pytest.mark.parametrize(("start", "end", "hours"), [
    (utc(2026, 11, 6, 17), utc(2026, 11, 9, 10, 30), 2.5),  # Friday 17:00 to Monday 10:30 GMT: 1 h + 1.5 h
    (utc(2026, 11, 7, 12), utc(2026, 11, 8, 12), 0),  # all weekend
    (utc(2026, 11, 9, 7), utc(2026, 11, 9, 8, 30), 0),  # before opening
    (utc(2026, 11, 9, 10), utc(2026, 11, 9, 10), 0),  # no time at all
    (utc(2026, 11, 9, 12), utc(2026, 11, 9, 11), 0),  # contact stamped before received
    (utc(2026, 11, 9, 8), utc(2026, 11, 10, 20), 18),  # two whole days
    # Summer time: opening 09:00 BST is 08:00 UTC. Friday 23 October 16:00 UTC (17:00 BST) to Monday 26 October
    # (after the clocks went back) 10:00 UTC (10:00 GMT): 1 h on Friday and 1 h on Monday.
    (utc(2026, 10, 23, 16), utc(2026, 10, 26, 10), 2),
    # Friday 27 March 16:00 UTC (16:00 GMT) to Monday 30 March 09:00 UTC (10:00 BST): 2 h + 1 h.
    (utc(2026, 3, 27, 16), utc(2026, 3, 30, 9), 3),
])
def test_opening_time_counts_only_the_hours_the_clinic_is_open(start, end, hours):
    assert WEEKDAYS.opening_time_between(start, end) == timedelta(hours=hours)


def test_a_clinic_with_no_opening_hours_set_counts_all_the_time():
    assert Week({}).opening_time_between(utc(2026, 11, 7), utc(2026, 11, 8, 6)) == timedelta(hours=30)


def test_opening_time_and_add_opening_hours_agree():
    start = utc(2026, 10, 23, 15, 20)
    for hours in (0.5, 2, 7.25, 30):
        assert WEEKDAYS.opening_time_between(start, WEEKDAYS.add_opening_hours(start, hours)) == timedelta(hours=hours)
