"""Throttling details: attempts counted before the check, a moving window, what the trail keeps."""

import time

from limits.storage import memory

from tests.conftest import PASSWORD, sign_in
from tracker.audit.models import AuditAction
from tracker.auth import throttle


def test_attempts_in_flight_count_before_any_password_is_checked(app):
    # Simultaneous requests each reserve an attempt first; the sixth is refused even though
    # none of the five has been found wrong yet.
    with app.test_request_context():
        assert all(throttle.reserve_attempt("rita@clinic.example") for _ in range(5))
        assert not throttle.reserve_attempt("rita@clinic.example")
        assert throttle.is_locked("rita@clinic.example", "10.0.0.1")
        assert not throttle.is_locked("other@clinic.example", "10.0.0.1")


def test_failures_straddling_fifteen_minute_slots_still_lock(client, make_user, monkeypatch):
    user = make_user()
    start = time.time()

    def at(seconds: int):
        monkeypatch.setattr(memory.time, "time", lambda: start + seconds)

    def fail():
        assert client.post("/login", data={"email": user.email, "password": "wrong-password-xx"}).status_code == 200

    at(0)
    fail()
    at(899)
    for _ in range(3):
        fail()
    at(901)  # a fixed 15-minute slot would have started afresh here
    fail()
    fail()
    at(902)
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 429
    at(902 + 16 * 60)  # the lock ends with the fake clock, so the clock really drove the window
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_a_password_typed_into_the_email_box_is_not_kept_in_the_trail(client, make_user, audit_rows):
    make_user()  # past first-run
    client.post("/login", data={"email": "Tr0ub4dor&3-correct-horse", "password": "whatever-it-is"})
    client.post("/login", data={"email": "Someone@Clinic.example", "password": "whatever-it-is"})
    labels = [row["actor_label"] for row in audit_rows(action=AuditAction.LOGIN_FAILED)]
    assert labels == ["(not an e-mail address)", "someone@clinic.example"]


def test_wrong_current_passwords_lock_the_account_like_failed_sign_ins(client, make_user, audit_rows):
    user = make_user()
    sign_in(client, user)
    attempt = {"current_password": "not-my-password", "password": "quiet-harbour-violet-77",
               "confirm": "quiet-harbour-violet-77"}
    for _ in range(5):
        assert client.post("/account/password", data=attempt).status_code == 200
    locked = client.post("/account/password", data={**attempt, "current_password": PASSWORD})
    assert locked.status_code == 429 and b"Sign-in is paused for 15 minutes" in locked.data
    fresh = client.application.test_client()
    assert fresh.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 429
    failed = audit_rows(action=AuditAction.LOGIN_FAILED)
    assert len(failed) == 5 and {row["entity_id"] for row in failed} == {user.id}
    assert audit_rows(action=AuditAction.LOGIN_THROTTLED)[0]["actor_id"] == user.id
