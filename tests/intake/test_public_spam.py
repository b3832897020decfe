"""The public form's defences: honeypot, minimum fill time, signed start token, rate limit, size cap, CSRF.
Each refused submission gets a plain page and stores nothing; one sent too soon (autofill) or from a page open
over a day comes back with everything typed."""

import logging
import re
import time

import pytest

from tests.intake.public_helpers import enable_form, started, stored, valid_form
from tracker.intake import spam

REFUSED = "Sorry, we could not accept this form."
SEND_AGAIN = "Please check your details and send again"


@pytest.fixture
def form_on(app, make_user):
    enable_form(app, make_user)


def _refused(app, client, caplog, reason: str, **overrides) -> None:
    before = stored(app)
    with caplog.at_level(logging.INFO, logger="tracker.intake"):
        response = client.post("/enquire", data=valid_form(app, **overrides))
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert REFUSED in body and "020 7946 0123" in body
    assert stored(app) == before
    refusals = [r for r in caplog.records if r.name == "tracker.intake"]
    assert [r.getMessage() for r in refusals] == [f"public enquiry refused: {reason}"]
    assert "Lovelace" not in caplog.text  # the log says why, never what was typed


def test_a_filled_honeypot_is_refused_and_nothing_stored(app, client, form_on, caplog):
    _refused(app, client, caplog, "honeypot", website="https://spam.example")


def _sent_back(app, client, caplog, reason: str, **overrides):
    """The form comes back (200) with every field as typed, a fresh start time and a message; nothing is stored."""
    before = stored(app)
    typed = valid_form(app, email="ada@example.com", preferred_times="after 6pm", message="Acne scars, <both> cheeks",
                       concerns=["rolling"], marketing_consent="y", **overrides)
    with caplog.at_level(logging.INFO, logger="tracker.intake"):
        response = client.post("/enquire", data=typed)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert SEND_AGAIN in body and REFUSED not in body
    for value in ('value="Ada"', 'value="Lovelace"', 'value="07700 900123"', 'value="ada@example.com"',
                  'value="after 6pm"', "Acne scars, &lt;both&gt; cheeks</textarea>"):
        assert value in body
    assert re.search(r'<input[^>]*checked[^>]*value="rolling"|<input[^>]*value="rolling"[^>]*checked', body)
    assert re.search(r'<input[^>]*checked[^>]*name="marketing_consent"|name="marketing_consent"[^>]*checked', body)
    assert stored(app) == before
    logged = [r.getMessage() for r in caplog.records if r.name == "tracker.intake"]
    assert logged == [f"public enquiry refused: {reason}"]
    assert "Lovelace" not in caplog.text
    token = re.search(r'name="started" type="hidden" value="([^"]+)"', body)[1]
    with app.test_request_context():
        _payload, signed_at = spam._serializer().loads(token, return_timestamp=True)
    assert abs(time.time() - signed_at.timestamp()) < 5  # signed now, not carried over
    return typed, token


def test_a_submission_faster_than_the_minimum_fill_time_comes_back_with_everything_typed(app, client, form_on, caplog,
                                                                                        monkeypatch):
    """Autofill sends the form 0.55 s after it opened: the person sees their details again, and the second send,
    after the minimum time, goes through."""
    typed, token = _sent_back(app, client, caplog, "too fast", started=started(app, seconds_ago=0))
    before = stored(app)
    now = time.time()
    monkeypatch.setattr(spam.time, "time", lambda: now + app.config["PUBLIC_FORM_MIN_SECONDS"] + 1)
    response = client.post("/enquire", data={**typed, "started": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/enquire/thanks")
    assert stored(app)[:2] == (before[0] + 1, before[1] + 1)


def test_a_second_send_still_too_fast_comes_back_again_and_stores_nothing(app, client, form_on, caplog):
    _typed, token = _sent_back(app, client, caplog, "too fast", started=started(app, seconds_ago=0))
    caplog.clear()
    _sent_back(app, client, caplog, "too fast", started=token)


def test_a_honeypot_sent_too_fast_is_still_refused(app, client, form_on, caplog):
    _refused(app, client, caplog, "honeypot", website="https://spam.example", started=started(app, seconds_ago=0))


def test_a_forged_start_token_is_refused(app, client, form_on, caplog):
    forged = started(app)[:-4] + "AAAA"
    _refused(app, client, caplog, "bad token", started=forged)


def test_a_token_signed_with_another_key_is_refused(app, client, form_on, caplog):
    other = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another-secret-key-entirely-0123456789abcdef"
    token = started(app)
    app.config["SECRET_KEY"] = other
    _refused(app, client, caplog, "bad token", started=token)


def test_a_missing_start_token_is_refused(app, client, form_on, caplog):
    _refused(app, client, caplog, "bad token", started="")


def test_a_form_open_over_a_day_comes_back_with_everything_typed(app, client, form_on, caplog):
    _sent_back(app, client, caplog, "old token", started=started(app, seconds_ago=spam.MAX_AGE_SECONDS + 60))


def test_a_start_token_dated_in_the_future_comes_back_and_stores_nothing(app, client, form_on, caplog):
    _sent_back(app, client, caplog, "old token", started=started(app, seconds_ago=-600))


def test_the_page_signs_a_token_that_becomes_acceptable_after_the_minimum_time(app, client, form_on):
    app.config["PUBLIC_FORM_MIN_SECONDS"] = 0
    token = re.search(r'name="started" type="hidden" value="([^"]+)"', client.get("/enquire").get_data(as_text=True))
    assert token, "the page carries a start token"
    response = client.post("/enquire", data=valid_form(app, started=token[1]))
    assert response.status_code == 302


def test_submissions_beyond_the_rate_limit_get_429_and_a_plain_page(app, client, form_on):
    app.config["PUBLIC_FORM_RATE_LIMIT"] = "2 per minute"
    before = stored(app)
    statuses = [client.post("/enquire", data=valid_form(app)).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert stored(app)[:2] == (before[0] + 2, before[1] + 2)
    third = client.post("/enquire", data=valid_form(app))
    body = third.get_data(as_text=True)
    assert third.status_code == 429 and "Too many submissions" in body and "Sign out" not in body
    assert client.get("/enquire").status_code == 200  # reading the form is not limited


def test_an_oversized_request_gets_413_and_a_plain_page_and_nothing_stored(app, client, form_on):
    before = stored(app)
    response = client.post("/enquire", data=valid_form(app, message="x" * (app.config["PUBLIC_FORM_MAX_BYTES"] + 1)))
    assert response.status_code == 413
    assert "Too much to send" in response.get_data(as_text=True)
    assert stored(app) == before


def test_a_submission_without_the_csrf_token_is_refused_and_nothing_stored(app, client, form_on):
    before = stored(app)
    response = client.post("/enquire", data=valid_form(app), csrf=False)
    assert response.status_code == 400
    assert stored(app) == before


def test_the_size_cap_applies_to_the_public_pages_only(app, client, make_user):
    from tests.conftest import sign_in

    sign_in(client, make_user("reception"))
    response = client.post("/enquiries/new", data={"first_name": "A", "last_name": "B", "caller_words": "x" * 70_000})
    assert response.status_code != 413


def test_an_incomplete_form_sent_too_soon_shows_what_is_missing_rather_than_the_refusal(app, client, form_on):
    before = stored(app)
    response = client.post("/enquire", data=valid_form(app, first_name="", started=started(app, seconds_ago=0)))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert REFUSED not in body and 'id="first_name-error"' in body
    assert stored(app) == before
