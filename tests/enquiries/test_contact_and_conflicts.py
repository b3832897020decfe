"""Contact attempts stamp first contact once; two people editing the same record never overwrite each other."""

import re

import pytest
from sqlalchemy import select

from tests.builders import read_enquiry
from tests.conftest import sign_in
from tracker.auth.models import User
from tracker.enquiries.models import ContactAttempt, Enquiry
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.patients.models import Patient


@pytest.mark.parametrize("outcome", ["no_answer", "voicemail", "wrong_number", "message_sent"])
def test_attempts_that_do_not_reach_the_caller_leave_the_enquiry_new(app, client, login_as, make_enquiry, outcome):
    login_as("reception")
    enquiry_id = make_enquiry()
    client.post(f"/enquiries/{enquiry_id}/contact", data={"outcome": outcome, "note": "tried"})
    enquiry = read_enquiry(app, enquiry_id)
    assert enquiry.stage is Stage.NEW and enquiry.first_contacted_at is None
    with app.app_context():
        assert db.session.scalar(select(ContactAttempt.outcome)).value == outcome


def test_the_first_reached_attempt_stamps_first_contact_and_moves_new_to_contacted(app, client, login_as,
                                                                                    make_enquiry):
    login_as("reception")
    enquiry_id = make_enquiry()
    client.post(f"/enquiries/{enquiry_id}/contact", data={"outcome": "no_answer"})
    client.post(f"/enquiries/{enquiry_id}/contact", data={"outcome": "reached", "note": "wants a consultation"})
    first = read_enquiry(app, enquiry_id)
    client.post(f"/enquiries/{enquiry_id}/contact", data={"outcome": "reached"})
    later = read_enquiry(app, enquiry_id)
    with app.app_context():
        reached_at = db.session.scalars(select(ContactAttempt.at).where(ContactAttempt.outcome == "reached")
                                        .order_by(ContactAttempt.id)).first()
    assert first.stage is Stage.CONTACTED and first.first_contacted_at == reached_at
    assert later.first_contacted_at == first.first_contacted_at  # stamped once
    page = client.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)
    assert "Contacted: reached" in page and "wants a consultation" in page and "Not contacted yet" not in page


def _version(page: str) -> int:
    return int(re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1))


def test_a_second_save_of_an_enquiry_is_refused_with_who_changed_it_and_their_values(app, client, login_as,
                                                                                    make_enquiry, make_user):
    login_as("reception")
    enquiry_id = make_enquiry()
    colleague = make_user("reception", full_name="Carla Colleague")
    other = app.test_client()
    sign_in(other, colleague)
    mine = client.get(f"/enquiries/{enquiry_id}/edit").get_data(as_text=True)
    theirs = other.get(f"/enquiries/{enquiry_id}/edit").get_data(as_text=True)
    base = {"channel": "phone", "received_at": "2026-01-05T10:00", "version": _version(theirs)}
    saved = other.post(f"/enquiries/{enquiry_id}/edit", data={**base, "caller_words": "Carla's words"})
    assert saved.status_code == 302
    refused = client.post(f"/enquiries/{enquiry_id}/edit",
                          data={**base, "version": _version(mine), "caller_words": "My words", "channel": "email"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert re.search(r"changed by Carla Colleague at \d\d/\d\d/\d{4} \d\d:\d\d", page)
    assert "Carla&#39;s words" in page and "My words" in page  # saved value beside theirs, their input kept
    assert read_enquiry(app, enquiry_id).caller_words == "Carla's words"
    again = client.post(f"/enquiries/{enquiry_id}/edit",
                        data={**base, "version": _version(page), "caller_words": "Both our words"})
    assert again.status_code == 302  # having seen Carla's change, saving again goes through
    assert read_enquiry(app, enquiry_id).caller_words == "Both our words"


def test_a_second_save_of_a_patient_is_refused_and_nothing_is_overwritten(app, client, login_as, make_patient,
                                                                          make_user):
    login_as("reception")
    patient_id = make_patient("Ann", "Example")
    other = app.test_client()
    sign_in(other, make_user("reception", full_name="Omar Other"))
    mine = _version(client.get(f"/patients/{patient_id}/edit").get_data(as_text=True))
    base = {"first_name": "Ann", "last_name": "Example", "phone": "07700 900100", "preferred_contact": "any"}
    assert other.post(f"/patients/{patient_id}/edit", data={**base, "last_name": "Exemplar",
                                                            "version": mine}).status_code == 302
    refused = client.post(f"/patients/{patient_id}/edit", data={**base, "last_name": "Sample", "version": mine})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "changed by Omar Other" in page and "Exemplar" in page and 'value="Sample"' in page
    with app.app_context():
        assert db.session.get(Patient, patient_id).last_name == "Exemplar"


def test_a_stage_button_pressed_on_a_stale_page_is_refused(app, client, login_as, make_enquiry):
    login_as("reception")
    enquiry_id = make_enquiry()
    stale = read_enquiry(app, enquiry_id).version
    client.post(f"/enquiries/{enquiry_id}/contact", data={"outcome": "reached"})  # changes the enquiry
    response = client.post(f"/enquiries/{enquiry_id}/stage", data={"to_stage": "lost", "lost_reason_id": 10,
                                                                   "version": stale})
    assert response.status_code == 409
    assert read_enquiry(app, enquiry_id).stage is Stage.CONTACTED


def test_changing_only_the_concerns_still_conflicts_with_a_concurrent_edit(app, client, login_as, make_enquiry):
    login_as("reception")
    enquiry_id = make_enquiry()
    version = read_enquiry(app, enquiry_id).version
    base = {"channel": "phone", "received_at": "2026-01-05T10:00", "version": version}
    assert client.post(f"/enquiries/{enquiry_id}/edit", data={**base, "concerns": ["rolling"]}).status_code == 302
    assert client.post(f"/enquiries/{enquiry_id}/edit", data={**base, "concerns": ["boxcar"]}).status_code == 409
    assert [c.value for c in read_enquiry(app, enquiry_id).concerns] == ["rolling"]


def test_concern_and_treatment_changes_are_in_the_audit_trail(app, client, login_as, make_enquiry, audit_rows):
    user = login_as("reception")
    enquiry_id = make_enquiry()
    version = read_enquiry(app, enquiry_id).version
    client.post(f"/enquiries/{enquiry_id}/edit", data={"channel": "phone", "received_at": "2026-01-05T10:00",
                                                       "version": version, "concerns": ["rolling", "ice_pick"],
                                                       "treatment_ids": ["9"]})
    rows = [r for r in audit_rows(entity_type="enquiries", entity_id=enquiry_id) if "concerns" in (r["changes"] or {})]
    assert rows[-1]["changes"]["concerns"] == [[], ["ice_pick", "rolling"]]
    assert rows[-1]["changes"]["treatments"] == [[], ["TCA CROSS"]]
    assert rows[-1]["actor_id"] == user.id


def test_an_enquiry_with_a_retired_source_and_a_colleague_who_left_can_still_be_edited(app, client, login_as,
                                                                                       make_user, make_enquiry):
    from tracker.settings.models import Option

    login_as("reception")
    leaver = make_user("reception", full_name="Lee Leaver")
    enquiry_id = make_enquiry()
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        enquiry.source_id, enquiry.assigned_to_id = 4, leaver.id
        db.session.get(Option, 4).active = False
        db.session.get(User, leaver.id).active = False
        db.session.commit()
    page = client.get(f"/enquiries/{enquiry_id}/edit").get_data(as_text=True)
    assert "TikTok (retired)" in page and "Lee Leaver (left)" in page
    stored = read_enquiry(app, enquiry_id)
    response = client.post(f"/enquiries/{enquiry_id}/edit", data={
        "channel": "phone", "source_id": 4, "assigned_to_id": leaver.id, "caller_words": "still wants to talk",
        "received_at": _version_free_local(app, stored.received_at), "version": stored.version})
    assert response.status_code == 302
    saved = read_enquiry(app, enquiry_id)
    assert (saved.source_id, saved.assigned_to_id, saved.caller_words) == (4, leaver.id, "still wants to talk")


def _version_free_local(app, value) -> str:
    from tracker.clock import to_clinic

    with app.app_context():
        return to_clinic(value).strftime("%Y-%m-%dT%H:%M")


def test_saving_an_enquiry_keeps_a_received_time_in_the_repeated_autumn_hour(app, client, login_as, make_enquiry):
    from datetime import UTC, datetime

    login_as("reception")
    enquiry_id = make_enquiry()
    second_half_past_one = datetime(2026, 10, 25, 1, 30, 15, tzinfo=UTC)  # 01:30 BST came first, this is 01:30 GMT
    with app.app_context():
        db.session.get(Enquiry, enquiry_id).received_at = second_half_past_one
        db.session.commit()
    stored = read_enquiry(app, enquiry_id)
    response = client.post(f"/enquiries/{enquiry_id}/edit", data={
        "channel": "email", "received_at": "2026-10-25T01:30", "version": stored.version})
    assert response.status_code == 302
    assert read_enquiry(app, enquiry_id).received_at == second_half_past_one
