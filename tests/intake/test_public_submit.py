"""Submitting the public form: a web-form enquiry on a new patient, flagged when it may be someone known;
refused entries shown beside their fields with the input kept and nothing stored."""

import re

from sqlalchemy import select

from tests.conftest import sign_in
from tests.intake.public_helpers import enable_form, stored, valid_form
from tracker.audit.models import AuditAction, AuditEvent
from tracker.enquiries.models import Channel, Concern, Enquiry, EnquiryConcern, MatchStrength
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.followups.models import FollowUp, FollowUpStatus
from tracker.patients.models import Patient


def _only_enquiry(app) -> Enquiry:
    with app.app_context():
        enquiry = db.session.scalars(select(Enquiry)).one()
        db.session.expunge(enquiry)
        return enquiry


def test_a_valid_submission_makes_a_web_form_enquiry_on_a_new_patient_and_redirects_to_thanks(app, client,
                                                                                               make_user):
    enable_form(app, make_user)
    patients, enquiries, events = stored(app)
    response = client.post("/enquire", data=valid_form(app, concerns=["boxcar", "rolling"], marketing_consent="y",
                                                       email="ada@example.com"))
    assert response.status_code == 302 and response.headers["Location"] == "/enquire/thanks"
    assert stored(app)[:2] == (patients + 1, enquiries + 1)
    enquiry = _only_enquiry(app)
    assert (enquiry.channel, enquiry.stage, enquiry.logged_by_id) == (Channel.WEB_FORM, Stage.NEW, None)
    with app.app_context():
        patient = db.session.get(Patient, enquiry.patient_id)
        assert (patient.first_name, patient.phone, patient.email, patient.marketing_consent) == (
            "Ada", "+447700900123", "ada@example.com", True)
        concerns = set(db.session.scalars(select(EnquiryConcern.concern)
                                          .where(EnquiryConcern.enquiry_id == enquiry.id)))
        assert concerns == {Concern.BOXCAR, Concern.ROLLING}
        created = db.session.scalars(select(AuditEvent.entity_type).where(
            AuditEvent.action == AuditAction.CREATE, AuditEvent.id > events)).all()
    assert {"patients", "enquiries"} <= set(created)
    thanks = client.get("/enquire/thanks").get_data(as_text=True)
    assert "Ada" not in thanks and "Lovelace" not in thanks and "07700" not in thanks


def test_the_same_phone_as_an_existing_patient_is_flagged_as_a_strong_match(app, client, make_user, make_patient):
    enable_form(app, make_user)
    existing = make_patient(first_name="Adah", last_name="Lovelace-King", phone="+447700900123")
    client.post("/enquire", data=valid_form(app))
    enquiry = _only_enquiry(app)
    assert enquiry.patient_id != existing
    assert (enquiry.match_patient_id, enquiry.match_strength) == (existing, MatchStrength.STRONG)


def test_the_same_email_as_an_existing_patient_is_flagged(app, client, make_user, make_patient):
    enable_form(app, make_user)
    existing = make_patient(first_name="Ann", last_name="Other", email="ann@example.com")
    client.post("/enquire", data=valid_form(app, phone="", email="ANN@example.com"))
    assert _only_enquiry(app).match_patient_id == existing


def test_the_enquiry_is_at_once_in_receptions_new_count_with_a_first_contact_follow_up(app, client, make_user):
    enable_form(app, make_user)
    client.post("/enquire", data=valid_form(app))
    enquiry = _only_enquiry(app)
    with app.app_context():
        follow_ups = db.session.scalars(select(FollowUp).where(FollowUp.enquiry_id == enquiry.id)).all()
    assert [(f.status, f.assigned_to_id) for f in follow_ups] == [(FollowUpStatus.OPEN, None)]
    sign_in(client, make_user("reception"))
    listing = client.get("/enquiries").get_data(as_text=True)
    assert re.search(r'data-testid="count-new">1<', listing)
    assert "Ada Lovelace" in listing


def test_missing_names_and_contact_are_shown_beside_their_fields_with_the_input_kept_and_nothing_stored(
        app, client, make_user):
    enable_form(app, make_user)
    before = stored(app)
    response = client.post("/enquire", data=valid_form(app, first_name="", last_name="", phone="", email="",
                                                       message="Keep this text", preferred_times="evenings"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert stored(app) == before
    summary = re.search(r'data-testid="error-summary".*?</div>', body, re.S)[0]
    for anchor in ("#first_name", "#last_name", "#phone"):
        assert f'href="{anchor}"' in summary
    assert '<div id="first_name-error" class="invalid-feedback d-block">Enter your first name.</div>' in body
    assert "Enter a phone number or an e-mail address, so we can reply." in body
    assert re.search(r">\s*Keep this text</textarea>", body) and 'value="evenings"' in body


def test_a_bad_phone_email_or_choice_is_refused_beside_its_field(app, client, make_user):
    enable_form(app, make_user)
    before = stored(app)
    body = client.post("/enquire", data=valid_form(app, phone="not a number", email="nope@", concerns=["made_up"],
                                                   preferred_contact="pigeon", source="Nowhere")).get_data(as_text=True)
    assert stored(app) == before
    for name in ("phone", "email", "preferred_contact", "source"):
        assert f'id="{name}-error"' in body, name
    assert 'id="concerns-error"' in body
    assert 'value="not a number"' in body


def test_over_long_text_is_refused_beside_the_field(app, client, make_user):
    enable_form(app, make_user)
    before = stored(app)
    body = client.post("/enquire", data=valid_form(app, message="x" * 2001)).get_data(as_text=True)
    assert stored(app) == before
    assert 'id="message-error"' in body
