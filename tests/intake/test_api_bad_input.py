"""Any JSON at all sent to the intake API gets a 201 or a JSON 4xx, never a 500, and a refusal stores nothing."""

from hypothesis import example, given
from hypothesis import strategies as st

from tests.intake.api_helpers import URL, make_key, send, stored
from tests.properties import HOSTILE, PROPERTY
from tracker.intake.api_payload import FIELDS

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | HOSTILE
ANY_JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


def _check(app, client, secret, body) -> None:
    before = stored(app)
    response = send(client, secret, body)
    assert response.status_code in (201, 400, 409), response.status_code
    assert response.is_json
    after = stored(app)
    if response.status_code == 201:
        assert after[:3] == (before[0] + 1, before[1] + 1, before[2] + 1)
    else:
        assert after == before


def test_any_value_in_any_field_never_500s_and_stores_nothing_unless_accepted(app, client, make_user):
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    _, secret = make_key(app, make_user)

    @PROPERTY
    @given(body=st.fixed_dictionaries({}, optional={name: ANY_JSON for name in (*FIELDS, "extra")}))
    @example(body={"first_name": "Ann", "last_name": "Lee", "phone": "07700 900123", "concerns": ["\x00"]})
    @example(body={"first_name": "Ann\u0000", "last_name": "Lee", "email": "ann@example.org"})
    @example(body={"first_name": "Ann", "last_name": "Lee", "email": "ann@example.org", "treatments": ["nope"]})
    def run(body):
        _check(app, client, secret, body)

    run()


def test_any_json_document_never_500s(app, client, make_user):
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    _, secret = make_key(app, make_user)

    @PROPERTY
    @given(body=ANY_JSON)
    def run(body):
        _check(app, client, secret, body)

    run()


def test_any_bytes_as_the_body_never_500(app, client, make_user):
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    _, secret = make_key(app, make_user)

    @PROPERTY
    @given(raw=st.binary(max_size=200))
    def run(raw):
        before = stored(app)
        response = client.post(URL, data=raw, content_type="application/json",
                               headers={"Authorization": f"Bearer {secret}"}, csrf=False)
        assert response.status_code in (201, 400, 409) and response.is_json
        if response.status_code != 201:
            assert stored(app) == before

    run()
