"""Anything posted to the public form, in any field, never gets a 500 and stores nothing unless it is accepted;
what is shown back is escaped."""

from hypothesis import example, given
from hypothesis import strategies as st

from tests.intake.public_helpers import enable_form, started, stored, valid_form
from tests.pages import injected_markup
from tests.properties import HOSTILE, PROPERTY

FIELDS = ("first_name", "last_name", "phone", "email", "preferred_contact", "preferred_times", "concerns",
          "treatments", "message", "source", "marketing_consent", "website", "started")


def _setup(app, make_user) -> None:
    enable_form(app, make_user)
    app.config.update(PUBLIC_FORM_RATE_LIMIT="10000 per minute", PUBLIC_FORM_MIN_SECONDS=0)


def _check(app, client, data) -> None:
    before = stored(app)
    response = client.post("/enquire", data=data)
    assert response.status_code in (200, 302, 400, 413), response.status_code
    after = stored(app)
    if response.status_code == 302:
        assert after[:2] == (before[0] + 1, before[1] + 1)
    else:
        assert after == before
        assert injected_markup(response) == []


def test_any_text_in_any_field_never_500s_and_stores_nothing_unless_accepted(app, client, make_user):
    _setup(app, make_user)
    token = started(app)

    @PROPERTY
    @given(data=st.fixed_dictionaries({}, optional={name: HOSTILE for name in FIELDS}),
           keep_token=st.booleans(), empty_trap=st.booleans())
    @example(data={"first_name": "<script>alert(1)</script>", "last_name": "'; DROP TABLE patients; --",
                   "phone": "{{ 7*7 }}"}, keep_token=True, empty_trap=True)
    @example(data={"first_name": "Ann", "last_name": "Lee", "phone": "07700 900123", "concerns": "\x00"},
             keep_token=True, empty_trap=True)
    def check(data, keep_token, empty_trap):
        sent = dict(data)
        if keep_token:
            sent["started"] = token
        if empty_trap:
            sent["website"] = ""
        _check(app, client, sent)

    check()


def test_a_valid_form_with_hostile_text_in_one_field_is_refused_or_stored_as_typed(app, client, make_user):
    _setup(app, make_user)

    @PROPERTY
    @given(name=st.sampled_from([f for f in FIELDS if f not in ("website", "started")]), value=HOSTILE)
    def check(name, value):
        _check(app, client, valid_form(app, **{name: value}))

    check()


def test_raw_bytes_that_are_not_utf8_never_500(app, client, make_user):
    _setup(app, make_user)
    # The tokens appended, so the bytes reach the form's own checks rather than stopping at CSRF.
    tokens = f"&csrf_token={client.csrf_token()}&started={started(app)}".encode()

    @PROPERTY
    @given(body=st.binary(max_size=2000))
    @example(body=b"first_name=%FF%FE&last_name=\xc3\x28&phone=07700900123")
    @example(body=b"first_name=Ann&last_name=Lee&phone=07700900123&concerns=%00&message=\xff\xfe")
    def check(body):
        before = stored(app)
        response = client.post("/enquire", data=body + tokens, content_type="application/x-www-form-urlencoded",
                               csrf=False)
        assert response.status_code in (200, 302, 400), response.status_code
        if response.status_code != 302:
            assert stored(app) == before

    check()
