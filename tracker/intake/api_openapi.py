"""The intake API's OpenAPI 3.0.3 description, built per request so sources and treatments are the current ones."""

from tracker.enquiries.models import Concern
from tracker.intake.api_payload import IDEMPOTENCY_KEY, MAX_LIST_ITEMS
from tracker.intake.forms import FIELD_CAPS
from tracker.patients.models import ContactMethod

_JSON = "application/json"
_NOT_BLANK = r"\S"  # names are required: blank or spaces only is refused


def _text(name: str, description: str, **extra) -> dict:
    return {"type": "string", "maxLength": FIELD_CAPS[name], "description": description, **extra}


def _enquiry(sources: list, treatments: list) -> dict:
    codes = [t.code for t in treatments]
    treatment_items = {"type": "string", "enum": codes} if codes else {"type": "string"}
    return {
        "type": "object", "additionalProperties": False, "required": ["first_name", "last_name"],
        "description": "At least one of phone and email must be given (non-blank), so the clinic can reply.",
        "properties": {
            "first_name": _text("first_name", "Given name.", minLength=1, pattern=_NOT_BLANK),
            "last_name": _text("last_name", "Family name.", minLength=1, pattern=_NOT_BLANK),
            "phone": _text("phone", "A UK number, or international with +."),
            "email": _text("email", "An e-mail address."),
            "preferred_contact": {"type": "string", "enum": [m.value for m in ContactMethod], "default": "any"},
            "preferred_times": _text("preferred_times", "When is a good time to call, in the person's words."),
            "concerns": {"type": "array", "maxItems": MAX_LIST_ITEMS,
                         "items": {"type": "string", "enum": [c.value for c in Concern]}},
            "treatments": {"type": "array", "maxItems": MAX_LIST_ITEMS if codes else 0, "items": treatment_items,
                           "description": "Codes of the clinic's active treatments."},
            "message": _text("message", "The person's message, in their words."),
            "source": _text("source", "How they heard of the clinic: one of the clinic's active sources, or empty.",
                            enum=["", *(s.label for s in sources)]),
            "marketing_consent": {"type": "boolean", "default": False,
                                  "description": "True only if the person ticked the box to hear about offers."},
        },
    }


def _error(description: str, **extra) -> dict:
    return {"description": description, "content": {_JSON: {"schema": {"$ref": "#/components/schemas/Errors"}}},
            **extra}


def describe(*, sources: list, treatments: list) -> dict:
    """The OpenAPI document."""
    created = {"description": "Logged (or, for a retry with the same Idempotency-Key, logged before).",
               "headers": {"Location": {"description": "The enquiry's page in the tracker (staff sign in).",
                                        "schema": {"type": "string"}}},
               "content": {_JSON: {"schema": {"$ref": "#/components/schemas/Created"}}}}
    responses = {
        "201": created,
        "400": _error("Not an enquiry: each field's problems, or `body` for unreadable JSON."),
        "401": _error("No key, or not a key of this clinic.",
                      headers={"WWW-Authenticate": {"schema": {"type": "string"}}}),
        "403": _error("The key was revoked."),
        "409": _error("The same payload was sent with this key within the last minutes, without an "
                      "Idempotency-Key; `enquiry_id` is the enquiry it made."),
        "413": _error("The body is over the size limit."),
        "415": _error("The body is not application/json."),
        "422": _error("The Idempotency-Key was sent before with a different payload."),
        "429": _error("Too many requests with this key, or with unknown keys from this address."),
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Clinic tracker intake API", "version": "1.0.0",
                 "description": "Send enquiries from the clinic's web site. Each becomes a new enquiry on "
                                "reception's list, on a new patient record flagged when it may be someone known."},
        "servers": [{"url": "/api/v1"}],
        "paths": {"/enquiries": {"post": {
            "operationId": "createEnquiry", "summary": "Log an enquiry",
            "security": [{"apiKey": []}],
            "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                            "description": "Makes retries safe: the same key and payload get the first answer.",
                            "schema": {"type": "string", "maxLength": 255, "pattern": f"^{IDEMPOTENCY_KEY.pattern}$"}}],
            "requestBody": {"required": True, "content": {_JSON: {"schema": {"$ref": "#/components/schemas/Enquiry"}}}},
            "responses": responses}}},
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer",
                                           "description": "A key made on the tracker's API keys page."}},
            "schemas": {
                "Enquiry": _enquiry(sources, treatments),
                "Created": {"type": "object", "additionalProperties": False,
                            "required": ["id", "status", "possible_match"],
                            "properties": {"id": {"type": "integer"}, "status": {"type": "string", "enum": ["new"]},
                                           "possible_match": {"type": "boolean", "description":
                                                              "It may be a patient the clinic already has."}}},
                "Errors": {"type": "object", "additionalProperties": False, "required": ["errors"],
                           "properties": {"errors": {"type": "object",
                                                     "additionalProperties": {"type": "array",
                                                                              "items": {"type": "string"}}},
                                          "enquiry_id": {"type": "integer"}}},
            },
        },
    }
