"""A card's next follow-up: an all-day one shows its day ("today", "tomorrow" or the date), never "00:00" of the
day after; a timed one shows its day and time."""

from datetime import time, timedelta

from tests import builders
from tests.builders import set_next_step
from tracker.enquiries.stages import Stage


def _card(page: str, enquiry_id: int) -> str:
    return page.split(f'data-testid="card-{enquiry_id}"', 1)[1].split("</li>", 1)[0]


def test_all_day_follow_ups_show_their_day_and_timed_ones_their_time(app, client, login_as, place):
    login_as("reception")
    today_all_day, tomorrow_all_day, later_all_day, timed, late = place(Stage.CONTACTED, n=5, days_in_stage=5)
    today = builders.today(app)
    set_next_step(app, today_all_day, today)
    set_next_step(app, tomorrow_all_day, today + timedelta(days=1))
    set_next_step(app, later_all_day, today + timedelta(days=5))
    set_next_step(app, timed, today + timedelta(days=3), time(14, 30))
    set_next_step(app, late, today - timedelta(days=2))
    page = client.get("/pipeline/board").get_data(as_text=True)
    assert "Next follow-up today" in _card(page, today_all_day)
    assert "Next follow-up tomorrow" in _card(page, tomorrow_all_day)
    assert f"Next follow-up {today + timedelta(days=5):%d/%m/%Y}" in _card(page, later_all_day)
    assert f"Next follow-up {today + timedelta(days=3):%d/%m/%Y} 14:30" in _card(page, timed)
    assert f"Next follow-up {today - timedelta(days=2):%d/%m/%Y}" in _card(page, late)
    assert "overdue" in _card(page, late)
    assert "00:00" not in page
