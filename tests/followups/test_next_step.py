"""The enquiry notes when its soonest open follow-up falls overdue, so "no open follow-up" is one index read."""

from datetime import UTC, datetime, time, timedelta

from tracker.clock import clinic_today
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import ContactOutcome, Enquiry
from tracker.extensions import db
from tracker.followups import services
from tracker.followups.models import FollowUp, FollowUpKind, FollowUpStatus


def next_step(app, enquiry_id: int):
    with app.app_context():
        return db.session.get(Enquiry, enquiry_id).next_follow_up_at


def open_overdue_ats(app, enquiry_id: int) -> list[datetime]:
    with app.app_context():
        return sorted(f.overdue_at for f in db.session.query(FollowUp).filter_by(
            enquiry_id=enquiry_id, status=FollowUpStatus.OPEN))


def test_the_next_step_is_the_soonest_open_follow_up_through_add_reschedule_complete_and_cancel(app, make_enquiry):
    enquiry_id = make_enquiry()
    [call_back] = open_overdue_ats(app, enquiry_id)  # the first-contact rule's
    assert next_step(app, enquiry_id) == call_back
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        sooner = services.add(enquiry, services.Details(FollowUpKind.OTHER, clinic_today(), time(0, 30)), by_id=None)
        db.session.commit()
        sooner_id, version = sooner.id, sooner.version
    assert next_step(app, enquiry_id) == min(open_overdue_ats(app, enquiry_id))
    with app.app_context():
        later = clinic_today() + timedelta(days=20)
        services.reschedule(db.session.get(FollowUp, sooner_id), due_on=later, due_time=None, assigned_to_id=None,
                            note="Away", version=version, by_id=None)
        db.session.commit()
    assert next_step(app, enquiry_id) == call_back  # the call back is sooner now
    with app.app_context():
        enquiries.record_contact(db.session.get(Enquiry, enquiry_id), ContactOutcome.REACHED, by_id=None)
        db.session.commit()  # the call back is cancelled: contacted
    assert next_step(app, enquiry_id) == open_overdue_ats(app, enquiry_id)[0] > call_back
    with app.app_context():
        follow_up = db.session.get(FollowUp, sooner_id)
        services.complete(follow_up, outcome="Sorted", version=follow_up.version, by_id=None)
        db.session.commit()
    assert open_overdue_ats(app, enquiry_id) == [] and next_step(app, enquiry_id) is None


def test_keeping_the_next_step_neither_stales_an_open_edit_form_nor_writes_the_trail(app, make_enquiry, audit_rows):
    enquiry_id = make_enquiry()
    with app.app_context():
        version = db.session.get(Enquiry, enquiry_id).version
        enquiry = db.session.get(Enquiry, enquiry_id)
        services.add(enquiry, services.Details(FollowUpKind.OTHER, clinic_today(), time(0, 1)), by_id=None)
        db.session.commit()
        assert db.session.get(Enquiry, enquiry_id).version == version
    changes = [row["changes"] for row in audit_rows(entity_type="enquiries", entity_id=enquiry_id)]
    assert not any("next_follow_up_at" in (c or {}) for c in changes)


def test_no_open_follow_up_filter_lists_exactly_the_open_enquiries_without_a_next_step(app, client, login_as,
                                                                                        make_enquiry):
    login_as("reception")
    with_step, without = make_enquiry(), make_enquiry()
    with app.app_context():
        follow_up = db.session.query(FollowUp).filter_by(enquiry_id=without, status=FollowUpStatus.OPEN).one()
        services.cancel(follow_up, reason="Spoke at the desk", version=follow_up.version, by_id=None)
        db.session.commit()
    page = client.get("/enquiries?no_followup=y").get_data(as_text=True)
    assert f"/enquiries/{without}\"" in page and f"/enquiries/{with_step}\"" not in page
    assert next_step(app, without) is None and next_step(app, with_step) > datetime(2000, 1, 1, tzinfo=UTC)
