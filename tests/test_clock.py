"""Dates are stored in UTC and shown in the clinic's zone, in UK format."""

from datetime import UTC, date, datetime

import pytest

from tracker.clock import format_date, format_datetime, local_day_end, local_day_start


@pytest.mark.parametrize(("stored", "shown"), [
    (datetime(2026, 1, 15, 9, 5, tzinfo=UTC), "15/01/2026 09:05"),  # GMT: same as UTC
    (datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "02/07/2026 00:30"),  # BST: an hour on, next day
])
def test_datetimes_show_in_london_time_in_uk_format(app, stored, shown):
    with app.app_context():
        assert format_datetime(stored) == shown


def test_dates_of_late_evening_times_are_the_clinic_day(app):
    with app.app_context():
        assert format_date(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)) == "02/07/2026"
        assert format_date(date(2026, 3, 9)) == "09/03/2026"
        assert format_date(None) == "" and format_datetime(None) == ""


def test_a_clinic_day_runs_from_local_midnight_to_local_midnight(app):
    with app.app_context():
        assert local_day_start(date(2026, 7, 1)) == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
        assert local_day_end(date(2026, 7, 1)) == datetime(2026, 7, 1, 23, 0, tzinfo=UTC)
        # The day the clocks go back is 25 hours long.
        assert (local_day_end(date(2026, 10, 25)) - local_day_start(date(2026, 10, 25))).total_seconds() == 25 * 3600


def test_another_clinic_zone_is_honoured(database_uri):
    from tests.conftest import make_test_app

    app = make_test_app(database_uri, CLINIC_TIMEZONE="Europe/Dublin")
    with app.app_context():
        assert format_datetime(datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == "01/07/2026 13:00"
