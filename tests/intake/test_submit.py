"""The intake service: an arrived enquiry makes a new patient and is flagged with an existing one it may be."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from tracker.enquiries.models import Channel, Concern, MatchStrength
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.intake import services
from tracker.patients.models import ConsentMethod, Patient

RECEIVED = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _submit(**overrides):
    details = services.IntakeDetails(**{"first_name": "Ada", "last_name": "Lovelace", "phone": "+447700900123",
                                        **overrides})
    enquiry = services.submit(details, channel=Channel.WEB_FORM, received_at=RECEIVED)
    db.session.commit()
    return enquiry


def test_an_arrived_enquiry_is_new_unassigned_and_on_a_new_patient(app):
    with app.app_context():
        enquiry = _submit(concerns=[Concern.BOXCAR], message="Hello", marketing_consent=True)
        patient = db.session.get(Patient, enquiry.patient_id)
        assert (enquiry.stage, enquiry.channel, enquiry.assigned_to_id, enquiry.logged_by_id) == (
            Stage.NEW, Channel.WEB_FORM, None, None)
        assert enquiry.caller_words == "Hello"
        assert (patient.marketing_consent, patient.marketing_consent_method) == (True, ConsentMethod.WEB_FORM)
        assert enquiry.match_patient_id is None


def test_the_same_phone_again_makes_a_second_patient_flagged_as_a_strong_match(app, make_patient):
    with app.app_context():
        existing_id = make_patient(first_name="Ada", last_name="King", phone="+447700900123")
        enquiry = _submit()
        assert enquiry.patient_id != existing_id
        assert (enquiry.match_patient_id, enquiry.match_strength) == (existing_id, MatchStrength.STRONG)
        assert "phone" in enquiry.match_reason
        assert db.session.scalar(select(func.count()).select_from(Patient)) == 2


def test_a_new_enquiry_gets_the_first_contact_follow_up_for_the_team(app):
    from tracker.followups.models import FollowUp

    with app.app_context():
        enquiry = _submit()
        follow_ups = db.session.scalars(select(FollowUp).where(FollowUp.enquiry_id == enquiry.id)).all()
        assert len(follow_ups) == 1
        assert follow_ups[0].assigned_to_id is None
        assert enquiry.next_follow_up_at is not None
