"""POST /api/v1/enquiries: every answer it gives, and that nothing is stored for a refused request."""

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.intake.api_helpers import URL, key_row, make_key, payload, send, stored
from tracker.enquiries.models import Channel, Enquiry
from tracker.extensions import db
from tracker.intake import keys
from tracker.intake.models import ApiSubmission


@pytest.fixture
def key(app, make_user) -> str:
    return make_key(app, make_user)[1]


def test_a_valid_enquiry_is_logged_as_a_web_enquiry_and_answered_201(app, client, key):
    response = send(client, key)
    assert response.status_code == 201
    body = response.get_json()
    assert body == {"id": body["id"], "status": "new", "possible_match": False}
    assert response.headers["Location"].endswith(f"/enquiries/{body['id']}")
    with app.app_context():
        enquiry = db.session.get(Enquiry, body["id"])
        assert (enquiry.channel, enquiry.caller_words) == (Channel.WEB_FORM, "Hello")
        submission = db.session.scalar(select(ApiSubmission))
        assert (submission.enquiry_id, submission.status_code, submission.idempotency_key) == (body["id"], 201, None)


def test_an_enquiry_like_a_known_patient_says_possible_match(app, client, key, make_patient):
    with app.app_context():
        make_patient(first_name="Ada", last_name="King", phone="+447700900123")
    assert send(client, key).get_json()["possible_match"] is True


@pytest.mark.parametrize(("body", "errors"), [
    ({"last_name": "Lovelace", "phone": "07700 900123"}, {"first_name": ["Enter your first name."]}),
    (payload(nickname="Ada"), {"nickname": ["Unknown field."]}),
    (payload(first_name=3), {"first_name": ["Must be a string."]}),
    (payload(concerns="boxcar"), {"concerns": ["Must be a list of strings."]}),
    (payload(concerns=[1]), {"concerns": ["Must be a list of strings."]}),
    (payload(marketing_consent="yes"), {"marketing_consent": ["Must be true or false."]}),
    (payload(first_name="A\ud800"), {"first_name": ["Must be valid Unicode text."]}),
    (payload(first_name="x" * 81), {"first_name": ["Field cannot be longer than 80 characters."]}),
    (payload(phone="", email=""), {"phone": ["Enter a phone number or an e-mail address, so we can reply."]}),
    (payload(preferred_contact="pigeon"), {"preferred_contact": ["Not a valid choice."]}),
])
def test_a_wrong_field_is_400_with_the_forms_message_and_stores_nothing(app, client, key, body, errors):
    before = stored(app)
    response = send(client, key, body)
    assert (response.status_code, response.get_json()) == (400, {"errors": errors})
    assert stored(app) == before


@pytest.mark.parametrize("raw", [b"{", b"[]", b'"text"', b"NaN", b"\xff\xfe", b"[" * 5000 + b"]" * 5000])
def test_a_body_that_is_not_a_json_object_is_400_on_body(app, client, key, raw):
    before = stored(app)
    response = client.post(URL, data=raw, content_type="application/json",
                           headers={"Authorization": f"Bearer {key}"}, csrf=False)
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == ["body"]
    assert stored(app) == before


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer nonsense", "Basic YWRhOmFkYQ==",
                                           "Bearer ct_00000000_" + "a" * 43])
def test_a_missing_or_unknown_key_is_401_with_www_authenticate(app, client, key, authorization):
    before = stored(app)
    headers = {"Authorization": authorization} if authorization else {}
    response = client.post(URL, json=payload(), headers=headers, csrf=False)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization" in response.get_json()["errors"]
    assert stored(app) == before


def test_a_revoked_key_is_403(app, client, make_user):
    _, secret = make_key(app, make_user)
    with app.app_context():
        key = keys.key_for(secret)
        keys.revoke_key(key, version=key.version, by_id=key.created_by_id)
        db.session.commit()
    before = stored(app)
    response = send(client, secret)
    assert (response.status_code, response.get_json()) == (403, {"errors": {"Authorization": ["This API key was "
                                                                                              "revoked."]}})
    assert stored(app) == before


def test_a_body_that_is_not_json_is_415(app, client, key):
    before = stored(app)
    response = client.post(URL, data=json.dumps(payload()), content_type="text/plain",
                           headers={"Authorization": f"Bearer {key}"}, csrf=False)
    assert response.status_code == 415
    assert stored(app) == before


def test_a_body_over_the_cap_is_413(app, client, key):
    before = stored(app)
    response = send(client, key, payload(message="x" * (app.config["API_MAX_BODY_BYTES"] + 1)))
    assert response.status_code == 413
    assert "body" in response.get_json()["errors"] or "request" in response.get_json()["errors"]
    assert stored(app) == before


def test_a_chunked_body_over_the_cap_is_413_without_a_content_length(app, client, key):
    big = json.dumps(payload(message="x" * (app.config["API_MAX_BODY_BYTES"] + 1))).encode()
    before = stored(app)
    response = client.post(URL, input_stream=io.BytesIO(big), content_type="application/json",
                           headers={"Authorization": f"Bearer {key}", "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True}, csrf=False)
    assert response.status_code == 413
    assert stored(app) == before


def test_an_exact_repeat_is_409_with_the_first_enquiry_within_the_window_and_logged_after_it(app, client, key):
    first = send(client, key).get_json()["id"]
    before = stored(app)
    repeat = send(client, key)
    assert repeat.status_code == 409
    assert repeat.get_json()["enquiry_id"] == first
    assert stored(app) == before
    assert send(client, key, payload(message="Another")).status_code == 201  # a different payload is not a repeat
    with app.app_context():
        earlier = timedelta(minutes=app.config["API_REPEAT_MINUTES"], seconds=1)
        for submission in db.session.scalars(select(ApiSubmission)):
            submission.at -= earlier
        db.session.commit()
    again = send(client, key)
    assert again.status_code == 201
    assert again.get_json()["id"] != first


def test_an_idempotent_retry_gets_the_first_answer_and_creates_nothing(app, client, key):
    first = send(client, key, headers={"Idempotency-Key": "order-42"})
    before = stored(app)
    retry = send(client, key, headers={"Idempotency-Key": "order-42"})
    assert (retry.status_code, retry.get_json()) == (first.status_code, first.get_json())
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert stored(app) == before


def test_an_idempotency_key_skips_the_repeat_check_for_a_new_key(app, client, key):
    send(client, key, headers={"Idempotency-Key": "one"})
    second = send(client, key, headers={"Idempotency-Key": "two"})
    assert second.status_code == 201


def test_the_same_idempotency_key_with_another_payload_is_422(app, client, key):
    send(client, key, headers={"Idempotency-Key": "order-42"})
    before = stored(app)
    response = send(client, key, payload(message="Different"), headers={"Idempotency-Key": "order-42"})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["Idempotency-Key"]
    assert stored(app) == before


@pytest.mark.parametrize("value", ["", " leading", "x" * 256, "tab\tinside"])
def test_an_unusable_idempotency_key_is_400(app, client, key, value):
    before = stored(app)
    response = send(client, key, headers={"Idempotency-Key": value})
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == ["Idempotency-Key"]
    assert stored(app) == before


def test_keys_are_rate_limited_each_on_its_own_with_a_json_429(app, client, make_user):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    _, first = make_key(app, make_user)
    _, second = make_key(app, make_user, "Booking partner")
    assert [send(client, first, payload(message=str(n))).status_code for n in range(2)] == [201, 201]
    before = stored(app)
    limited = send(client, first, payload(message="third"))
    assert limited.status_code == 429
    assert "request" in limited.get_json()["errors"]
    assert stored(app) == before
    assert send(client, second).status_code == 201


def test_an_address_guessing_keys_is_held_off_with_429(app, client, key):
    app.config["API_ADDRESS_LIMIT"] = "3 per minute"
    guesses = [send(client, f"ct_0000000{n}_" + "a" * 43).status_code for n in range(4)]
    assert guesses == [401, 401, 401, 429]


def test_a_real_key_does_not_use_up_the_addresss_allowance_for_unknown_keys(app, client, key):
    app.config["API_ADDRESS_LIMIT"] = "2 per minute"
    statuses = [send(client, key, payload(message=str(n))).status_code for n in range(4)]
    assert statuses == [201] * 4


def test_sending_an_enquiry_records_when_the_key_was_last_used(app, client, make_user):
    key_id, secret = make_key(app, make_user)
    assert key_row(app, key_id).last_used_at is None
    send(client, secret)
    used = key_row(app, key_id)
    assert used.last_used_at is not None
    assert used.version == 1  # a use is not an edit: no version change, no audit event


def test_unknown_addresses_and_methods_under_the_api_answer_json(client, key):
    assert client.get("/api/v1/nothing").get_json()["status"] == 404
    response = client.get(URL)
    assert (response.status_code, response.get_json()["status"]) == (405, 405)
    assert "POST" in response.headers["Allow"]


def test_the_api_needs_no_csrf_token_nor_session(app, client, key):
    app.config["WTF_CSRF_ENABLED"] = True
    assert send(client, key).status_code == 201


def test_a_new_enquiry_is_announced_once_but_a_retry_or_refusal_is_not(client, key, monkeypatch):
    from tracker.intake import notify

    announced = []
    monkeypatch.setattr(notify, "announce", announced.append)
    first = send(client, key, headers={"Idempotency-Key": "once"})
    send(client, key, headers={"Idempotency-Key": "once"})  # the replay
    send(client, key)  # an exact repeat: 409
    send(client, key, payload(first_name=""))  # 400
    assert announced == [first.get_json()["id"]]
