"""The OpenAPI description: it is valid, and real answers (schemathesis-generated requests) match it."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.intake.api_helpers import make_key, payload
from tracker.enquiries.models import Concern
from tracker.intake.forms import FIELD_CAPS

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
# Few examples, derandomized: the same requests on every run, a few seconds on either database.
FEW = settings(max_examples=25, derandomize=True, database=None, deadline=None,
               suppress_health_check=list(HealthCheck))


def test_the_description_names_the_endpoint_its_caps_enums_and_bearer_security(app, client, make_user):
    make_key(app, make_user)
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.0.3"
    assert spec["components"]["securitySchemes"]["apiKey"] == {"type": "http", "scheme": "bearer",
                                                                "description": spec["components"]["securitySchemes"]
                                                                ["apiKey"]["description"]}
    enquiry = spec["components"]["schemas"]["Enquiry"]
    assert enquiry["additionalProperties"] is False
    assert {name: enquiry["properties"][name]["maxLength"] for name in FIELD_CAPS} == FIELD_CAPS
    assert enquiry["properties"]["concerns"]["items"]["enum"] == [c.value for c in Concern]
    responses = spec["paths"]["/enquiries"]["post"]["responses"]
    assert set(responses) == {"201", "400", "401", "403", "409", "413", "415", "422", "429"}


def test_the_description_offers_the_clinics_current_sources_and_treatments(app, client, make_user):
    from tracker.intake import services

    make_key(app, make_user)
    with app.app_context():
        sources = [s.label for s in services.offered_sources()]
        codes = [t.code for t in services.offered_treatments()]
    enquiry = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Enquiry"]["properties"]
    assert enquiry["source"]["enum"] == ["", *sources]
    assert enquiry["treatments"]["items"]["enum"] == codes


def _check_against_description(app, make_user, mode: GenerationMode) -> None:
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    _, secret = make_key(app, make_user)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema["/enquiries"]["POST"]

    @FEW
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)

    run()


def test_valid_requests_from_the_description_get_answers_it_describes(app, make_user):
    _check_against_description(app, make_user, GenerationMode.POSITIVE)


def test_invalid_requests_from_the_description_get_answers_it_describes(app, make_user):
    _check_against_description(app, make_user, GenerationMode.NEGATIVE)


def test_answers_the_generator_rarely_reaches_match_the_description(app, make_user):
    """Created, replayed, repeated (409), conflicting Idempotency-Key (422), unknown and revoked keys (401, 403), too
    large (413): requests built by hand, their answers validated by the same checks."""
    from tracker.extensions import db
    from tracker.intake import keys

    app.config["API_RATE_LIMIT"] = "100000 per minute"
    _, secret = make_key(app, make_user)
    _, revoked = make_key(app, make_user, "Old site")
    with app.app_context():
        old = keys.key_for(revoked)
        keys.revoke_key(old, version=old.version, by_id=old.created_by_id)
        db.session.commit()
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)["/enquiries"]["POST"]
    bearer = {"Authorization": f"Bearer {secret}"}
    sent = [(payload(), bearer, 201), (payload(), bearer, 409),
            (payload(message="Retry"), {**bearer, "Idempotency-Key": "k-1"}, 201),
            (payload(message="Retry"), {**bearer, "Idempotency-Key": "k-1"}, 201),
            (payload(message="Other"), {**bearer, "Idempotency-Key": "k-1"}, 422),
            (payload(), {"Authorization": "Bearer ct_00000000_" + "a" * 43}, 401),
            (payload(), {"Authorization": f"Bearer {revoked}"}, 403),
            (payload(message="x" * app.config["API_MAX_BODY_BYTES"]), bearer, 413)]
    for body, headers, status in sent:
        response = operation.Case(body=body, headers=headers).call_and_validate(checks=CHECKS)
        assert response.status_code == status
