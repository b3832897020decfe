"""A card's next follow-up: an all-day one shows its day ("today", "tomorrow" or the date), never "00:00" of the
day after; a timed one shows its day and time."""

from datetime import time, timedelta

from tracker.clock import clinic_today
from tracker.enquiries.models import Enquiry
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.followups import services as followups
from tracker.followups.models import FollowUpKind


def _next_step(app, enquiry_id: int, days: int, at: time | None = None) -> None:
    """Cancel the enquiry's open follow-ups and add one due `days` from today (all day unless `at`)."""
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        for follow_up in followups.for_enquiry(enquiry_id):
            if follow_up.is_open:
                followups.cancel(follow_up, reason="Test", version=follow_up.version, by_id=None)
        followups.add(enquiry, followups.Details(FollowUpKind.CALL_BACK, clinic_today() + timedelta(days=days), at),
                      by_id=None)
        db.session.commit()


def _card(page: str, enquiry_id: int) -> str:
    return page.split(f'data-testid="card-{enquiry_id}"', 1)[1].split("</li>", 1)[0]


def test_all_day_follow_ups_show_their_day_and_timed_ones_their_time(app, client, login_as, place):
    login_as("reception")
    today_all_day, tomorrow_all_day, later_all_day, timed, late = place(Stage.CONTACTED, n=5, days_in_stage=5)
    _next_step(app, today_all_day, 0)
    _next_step(app, tomorrow_all_day, 1)
    _next_step(app, later_all_day, 5)
    _next_step(app, timed, 3, time(14, 30))
    _next_step(app, late, -2)
    with app.app_context():
        today = clinic_today()
    page = client.get("/pipeline/board").get_data(as_text=True)
    assert "Next follow-up today" in _card(page, today_all_day)
    assert "Next follow-up tomorrow" in _card(page, tomorrow_all_day)
    assert f"Next follow-up {today + timedelta(days=5):%d/%m/%Y}" in _card(page, later_all_day)
    assert f"Next follow-up {today + timedelta(days=3):%d/%m/%Y} 14:30" in _card(page, timed)
    assert f"Next follow-up {today - timedelta(days=2):%d/%m/%Y}" in _card(page, late)
    assert "overdue" in _card(page, late)
    assert "00:00" not in page
