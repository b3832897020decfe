"""After upgrading, `flask apply-follow-up-rules` gives existing enquiries their follow-ups, and only once."""

from datetime import timedelta

from sqlalchemy import func, insert, select

from tracker.audit.recorder import bulk_load
from tracker.db import utcnow
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.followups.models import FollowUp, FollowUpStatus


def _enquiries_from_before_the_rules(app, patient_id: int, n: int) -> None:
    """Enquiries written by a bulk insert, as an upgrade finds them: no follow-ups (no ORM flush, so no rules)."""
    now = utcnow()
    rows = [{"patient_id": patient_id, "channel": "phone", "received_at": now - timedelta(hours=i + 1),
             "stage": "new", "version": 1, "created_at": now, "updated_at": now} for i in range(n)]
    with app.app_context(), bulk_load():
        db.session.execute(insert(Enquiry.__table__), rows)
        db.session.commit()


def _open_call_backs(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(FollowUp).where(
            FollowUp.rule == "first_contact", FollowUp.status == FollowUpStatus.OPEN))


def test_enquiries_from_before_the_rules_get_their_follow_ups_and_a_second_run_makes_none(app, make_patient):
    _enquiries_from_before_the_rules(app, make_patient(), 3)
    assert _open_call_backs(app) == 0
    runner = app.test_cli_runner()

    first = runner.invoke(args=["apply-follow-up-rules"])
    second = runner.invoke(args=["apply-follow-up-rules"])

    assert first.exit_code == 0 and "Follow-ups made: 3" in first.output
    assert second.exit_code == 0 and "Follow-ups made: 0" in second.output
    assert _open_call_backs(app) == 3
