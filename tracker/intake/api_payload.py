"""The intake API's JSON body: read, checked for shape and types, and turned into the public form's input.

The API validates with the same IntakeForm as the public page, so both accept and refuse the same enquiries;
this module only decides what JSON may be handed to it (a form cannot tell 3 from "3", or a list from a string).
"""

import hashlib
import json
import re

from werkzeug.datastructures import MultiDict

from tracker.errors import ServiceError
from tracker.intake.forms import FIELD_CAPS

TEXT_FIELDS = (*FIELD_CAPS, "preferred_contact")
LIST_FIELDS = ("concerns", "treatments")
BOOL_FIELDS = ("marketing_consent",)
FIELDS = (*TEXT_FIELDS, *LIST_FIELDS, *BOOL_FIELDS)
IDEMPOTENCY_KEY = re.compile(r"[!-~][ -~]{0,254}")  # printable ASCII, up to 255 characters, not starting blank
MAX_LIST_ITEMS = 50  # far more than there are concerns or treatments to choose from


class PayloadError(ServiceError):
    """The body is not an enquiry: {"field": ["message", ...]} says why."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid payload")
        self.errors = errors


def parse(body: bytes) -> dict:
    """The JSON object in the body; PayloadError if it is not UTF-8 JSON holding one object."""
    try:
        payload = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise PayloadError({"body": ["The body must be a JSON object (UTF-8)."]}) from None
    if not isinstance(payload, dict):
        raise PayloadError({"body": ["The body must be a JSON object."]})
    return payload


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _type_error(name: str, value) -> str | None:
    if name in TEXT_FIELDS and not isinstance(value, str):
        return "Must be a string."
    if name in LIST_FIELDS and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return "Must be a list of strings."
    if name in LIST_FIELDS and len(value) > MAX_LIST_ITEMS:
        return f"Must hold at most {MAX_LIST_ITEMS} items."
    if name in BOOL_FIELDS and not isinstance(value, bool):
        return "Must be true or false."
    if not all(map(_encodable, value if isinstance(value, list) else [value])):
        return "Must be valid Unicode text."
    return None


def _encodable(value) -> bool:
    # JSON may escape half of a surrogate pair ("\ud800"), which no database can store as text.
    try:
        str(value).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def formdata(payload: dict) -> MultiDict:
    """The payload as the public form would have posted it; PayloadError for unknown fields and wrong types."""
    errors = {name: ["Unknown field."] for name in payload if name not in FIELDS}
    errors.update({name: [message] for name, value in payload.items()
                   if name in FIELDS and (message := _type_error(name, value))})
    if errors:
        raise PayloadError(errors)
    data = MultiDict({"source": ""})  # a form posts the empty choice when nothing is picked
    for name, value in payload.items():
        if name in LIST_FIELDS:
            data.setlist(name, value)
        elif name in BOOL_FIELDS:
            if value:
                data[name] = "y"
        else:
            data[name] = value
    return data


def payload_hash(payload: dict) -> str:
    """The hex SHA-256 of the canonical payload: the same enquiry sent twice hashes the same, whatever its spacing."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
