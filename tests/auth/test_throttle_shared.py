"""Several processes share one set of sign-in failure counts through Redis."""

import os
import uuid

import pytest
import redis

from tests.conftest import PASSWORD, make_test_app

REDIS_URL = os.environ.get("TRACKER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_storage():
    """A Redis URI and a key prefix of this test's own; skipped only where no Redis runs (never in CI)."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        reason = f"no Redis at {REDIS_URL}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    prefix = f"tracker-test-{uuid.uuid4().hex}"
    yield {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


def test_lockout_counted_by_one_process_is_seen_by_another(database_uri, make_user, redis_storage):
    user = make_user()
    first = make_test_app(database_uri, **redis_storage).test_client()
    for _ in range(5):
        assert first.post("/login", data={"email": user.email, "password": "wrong-password-xx"}).status_code == 200
    # A second app instance starts with fresh storage objects, as another gunicorn worker would.
    second = make_test_app(database_uri, **redis_storage).test_client()
    assert second.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 429


def test_separate_prefixes_do_not_share_counts(database_uri, make_user, redis_storage):
    user = make_user()
    first = make_test_app(database_uri, **redis_storage).test_client()
    for _ in range(5):
        first.post("/login", data={"email": user.email, "password": "wrong-password-xx"})
    other = make_test_app(database_uri, **{**redis_storage, "RATELIMIT_KEY_PREFIX": "other-" + uuid.uuid4().hex})
    assert other.test_client().post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
