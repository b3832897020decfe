"""Opening-hours arithmetic: targets counted in opening time across evenings, weekends and clock changes."""

from datetime import UTC, date, datetime, time

import pytest

from tracker.settings.hours import Week

WEEKDAYS_9_TO_6 = Week({day: (time(9), time(18)) for day in range(5)})


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.mark.parametrize(("received", "due"), [
    # Friday 20 Nov 2026, 21:00 GMT: the weekend does not count; due Monday 11:00.
    (utc(2026, 11, 20, 21, 0), utc(2026, 11, 23, 11, 0)),
    # Friday 17:30: half an hour on Friday, an hour and a half on Monday.
    (utc(2026, 11, 20, 17, 30), utc(2026, 11, 23, 10, 30)),
    # Tuesday 08:00, before opening: counted from 09:00.
    (utc(2026, 11, 24, 8, 0), utc(2026, 11, 24, 11, 0)),
    # Tuesday 12:15, open: straight on.
    (utc(2026, 11, 24, 12, 15), utc(2026, 11, 24, 14, 15)),
    # Exactly at closing time: the next opening plus two hours.
    (utc(2026, 11, 24, 18, 0), utc(2026, 11, 25, 11, 0)),
    # Sunday: Monday 11:00.
    (utc(2026, 11, 22, 10, 0), utc(2026, 11, 23, 11, 0)),
])
def test_two_opening_hours_skip_evenings_and_weekends(ctx, received, due):
    assert WEEKDAYS_9_TO_6.add_opening_hours(received, 2) == due


def test_a_weekend_enquiry_before_the_clocks_go_forward_is_due_at_11_british_summer_time(ctx):
    # Saturday 28 March 2026, 21:00 GMT; the clocks go forward on Sunday 29th. Monday 11:00 BST is 10:00 UTC.
    assert WEEKDAYS_9_TO_6.add_opening_hours(utc(2026, 3, 28, 21, 0), 2) == utc(2026, 3, 30, 10, 0)


def test_a_weekend_enquiry_before_the_clocks_go_back_is_due_at_11_greenwich_mean_time(ctx):
    # Friday 23 October 2026, 20:00 BST (19:00 UTC); the clocks go back on Sunday 25th: Monday 11:00 GMT.
    assert WEEKDAYS_9_TO_6.add_opening_hours(utc(2026, 10, 23, 19, 0), 2) == utc(2026, 10, 26, 11, 0)


def test_a_clinic_open_through_the_night_counts_the_lost_hour_once(ctx):
    # Open 00:00-23:59 every day: on 29 March 2026 01:00-02:00 does not exist, so three opening hours
    # from 00:30 GMT end at 04:30 BST (03:30 UTC), three real hours later.
    always = Week({day: (time(0), time(23, 59)) for day in range(7)})
    assert always.add_opening_hours(utc(2026, 3, 29, 0, 30), 3) == utc(2026, 3, 29, 3, 30)


def test_a_target_longer_than_a_day_runs_over_several_days(ctx):
    # 20 opening hours from Monday 09:00: Monday 9 h, Tuesday 9 h, Wednesday 2 h → Wednesday 11:00.
    assert WEEKDAYS_9_TO_6.add_opening_hours(utc(2026, 11, 23, 9, 0), 20) == utc(2026, 11, 25, 11, 0)


def test_the_working_day_before_a_monday_is_the_friday(ctx):
    assert WEEKDAYS_9_TO_6.working_day_before(date(2026, 11, 23)) == date(2026, 11, 20)
    assert WEEKDAYS_9_TO_6.working_day_before(date(2026, 11, 25)) == date(2026, 11, 24)


def test_the_working_day_before_skips_days_the_clinic_closes(ctx):
    saturdays_too = Week({**WEEKDAYS_9_TO_6.days, 5: (time(9), time(13))})
    assert saturdays_too.working_day_before(date(2026, 11, 23)) == date(2026, 11, 21)


def test_the_week_loads_the_seeded_hours_monday_to_friday(app):
    with app.app_context():
        week = Week.load()
    assert sorted(week.days) == [0, 1, 2, 3, 4]
    assert week.days[0] == (time(9), time(18))
