"""A deactivated colleague's open follow-ups go to the reception team, the move kept in their history."""

from datetime import timedelta

from sqlalchemy import select

from tests.builders import add_follow_up, today
from tracker.extensions import db
from tracker.followups import services
from tracker.followups.models import FollowUp, FollowUpKind, FollowUpStatus, Reschedule


def test_deactivating_a_user_hands_their_open_follow_ups_to_the_team(app, client, login_as, make_user, make_enquiry):
    admin = login_as("admin")
    leaver = make_user("reception")
    enquiry_id = make_enquiry()
    open_id, done_id = (add_follow_up(app, enquiry_id, today(app) + timedelta(days=1), kind=FollowUpKind.OTHER,
                                      assigned_to_id=leaver.id, by_id=admin.id) for _ in range(2))
    with app.app_context():
        done = db.session.get(FollowUp, done_id)
        services.complete(done, outcome="Spoke to the patient", version=done.version, by_id=leaver.id)
        db.session.commit()
        version = db.session.get(type(admin), leaver.id).version

    response = client.post(f"/admin/users/{leaver.id}/deactivate", data={"version": version})

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(FollowUp, open_id).assigned_to_id is None
        assert db.session.get(FollowUp, done_id).assigned_to_id == leaver.id  # history stays as it was
        assert db.session.get(FollowUp, done_id).status is FollowUpStatus.DONE
        [move] = db.session.scalars(select(Reschedule).where(Reschedule.follow_up_id == open_id)).all()
        assert (move.from_assigned_to_id, move.to_assigned_to_id, move.by_id) == (leaver.id, None, admin.id)
        assert leaver.full_name in move.note
