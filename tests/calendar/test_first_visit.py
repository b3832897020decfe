"""The calendar opened from the navigation (no query string) shows one's own week, without any error."""

from datetime import date

import pytest

from tests.calendar.conftest import clinic_today
from tracker.calendar import queries


@pytest.mark.parametrize("query", ["", "?week=2026-12-07"])
def test_the_first_visit_shows_my_own_calendar_without_an_error(client, login_as, query):
    login_as("reception")
    response = client.get(f"/calendar{query}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    monday = queries.week_of(clinic_today()) if not query else queries.week_of(date(2026, 12, 7))
    assert f"Your calendar: {monday:%d/%m/%Y} to" in body
    assert "invalid-feedback" not in body and 'aria-invalid="true"' not in body
    assert "Choose someone from the list" not in body
    assert '<option selected value="me">' in body or 'value="me" selected' in body
