"""The intake API: `POST /api/v1/enquiries` makes an enquiry from JSON sent with an API key; every answer is JSON."""

from datetime import timedelta

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from tracker.db import utcnow
from tracker.enquiries.models import Channel, Enquiry
from tracker.extensions import db, limiter
from tracker.intake import api_openapi, api_payload, api_submissions, keys, notify, services
from tracker.intake.forms import IntakeForm
from tracker.intake.models import ApiKey
from tracker.permissions import public

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
CHANNEL = Channel.WEB_FORM  # it is the clinic's web site's form, sent on by the site's back end


class Refused(Exception):
    """A request the API answers with a 4xx and {"errors": {...}} (plus `extra`), having stored nothing."""

    def __init__(self, status: int, errors: dict[str, list[str]], headers: dict | None = None, **extra):
        super().__init__(status)
        self.status, self.errors, self.headers, self.extra = status, errors, headers or {}, extra


@api_bp.url_value_preprocessor
def _cap_request(_endpoint, _values) -> None:
    # Before any hook reads the body: werkzeug then refuses a longer Content-Length, and stops a chunked body
    # (which has none) once it passes the cap, instead of reading it all.
    request.max_content_length = current_app.config["API_MAX_BODY_BYTES"]


@api_bp.errorhandler(Refused)
def json_refusal(error: Refused):
    """The JSON answer for a refused request (the API's own: forms use tracker.outcomes.refused)."""
    db.session.rollback()
    return jsonify({"errors": error.errors, **error.extra}), error.status, error.headers


@api_bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Too large, too many and the like, as JSON like every other answer of the API."""
    db.session.rollback()
    return jsonify({"errors": {"request": [error.description or error.name]}}), error.code


def _bearer() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _key_bucket() -> str:
    return "api-key:" + keys.key_hash(_bearer())


def _key_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _address_limit() -> str:
    return current_app.config["API_ADDRESS_LIMIT"]


def _unknown_key(response) -> bool:
    return response.status_code == 401


def _key() -> ApiKey:
    key = keys.key_for(_bearer())
    if key is None:
        raise Refused(401, {"Authorization": ["Send a valid API key: Authorization: Bearer <key>."]},
                      {"WWW-Authenticate": 'Bearer realm="intake"'})
    if not key.active:
        raise Refused(403, {"Authorization": ["This API key was revoked."]})
    return key


def _body() -> bytes:
    if request.mimetype != "application/json":
        raise Refused(415, {"Content-Type": ["Send the enquiry as application/json."]})
    cap = current_app.config["API_MAX_BODY_BYTES"]
    # Read to the end or one byte past the cap, whatever the chunks (werkzeug raises 413 itself for a chunked
    # body read past it); the cap holds even if the stream were not limited.
    body = bytearray()
    while len(body) <= cap and (chunk := request.stream.read(cap + 1 - len(body))):
        body += chunk
    if len(body) > cap:
        raise Refused(413, {"body": [f"The body must be at most {cap} bytes."]})
    return bytes(body)


def _payload() -> dict:
    try:
        return api_payload.parse(_body())
    except api_payload.PayloadError as error:
        raise Refused(400, error.errors) from None


def _idempotency_key() -> str | None:
    value = request.headers.get("Idempotency-Key")
    if value is not None and not api_payload.IDEMPOTENCY_KEY.fullmatch(value):
        raise Refused(400, {"Idempotency-Key": ["Must be 1 to 255 printable ASCII characters."]})
    return value


def _validated(payload: dict):
    """The public form filled from the payload and validated, with the choices it was given."""
    try:
        data = api_payload.formdata(payload)
    except api_payload.PayloadError as error:
        raise Refused(400, error.errors) from None
    sources, treatments = services.offered_sources(), services.offered_treatments()
    form = IntakeForm(formdata=data, meta={"csrf": False})
    form.set_choices(sources=sources, treatments=treatments)
    if not form.validate():
        raise Refused(400, {name: list(messages) for name, messages in form.errors.items()})
    return services.details_from(form, sources=sources, treatments=treatments)


def _created(body: dict, status: int, *, replayed: bool = False):
    headers = {"Location": url_for("enquiries.detail", enquiry_id=body["id"], _external=True)}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return jsonify(body), status, headers


def _replay(earlier, digest: str):
    if earlier.payload_hash != digest:
        raise Refused(422, {"Idempotency-Key": ["This Idempotency-Key was sent with a different enquiry; "
                                                "use a new key for a new enquiry."]})
    return _created(api_submissions.answer(db.session.get(Enquiry, earlier.enquiry_id)), earlier.status_code,
                    replayed=True)


def _create(key: ApiKey, details, digest: str, idempotency_key: str | None):
    now = utcnow()
    enquiry = services.submit(details, channel=CHANNEL, received_at=now)
    try:
        api_submissions.record(key, enquiry, payload_hash=digest, idempotency_key=idempotency_key, at=now)
    except IntegrityError:  # a retry sent at the same time committed first: answer as it was answered
        db.session.rollback()
        earlier = api_submissions.earlier_with_key(key, idempotency_key) if idempotency_key else None
        if earlier is None:
            raise
        return _replay(earlier, digest)
    keys.mark_used(key, now)
    body = api_submissions.answer(enquiry)
    db.session.commit()
    notify.announce(body["id"])
    return _created(body, 201)


@api_bp.route("/enquiries", methods=["POST"])
# Public as far as sign-in goes: the bearer key is the authentication (checked first, 401/403), there is no
# session, and CSRF does not apply (a browser never adds the Authorization header by itself).
@public
@limiter.limit(_address_limit, key_func=get_remote_address, deduct_when=_unknown_key)
@limiter.limit(_key_limit, key_func=_key_bucket)
def enquiries_create():
    """Log an enquiry on a new patient, flagged with a possible match; a retry with its Idempotency-Key gets the
    first answer again, and an exact repeat without one is refused (409) for API_REPEAT_MINUTES."""
    key = _key()
    payload = _payload()
    digest, idempotency_key = api_payload.payload_hash(payload), _idempotency_key()
    if idempotency_key and (earlier := api_submissions.earlier_with_key(key, idempotency_key)):
        return _replay(earlier, digest)
    details = _validated(payload)
    since = utcnow() - timedelta(minutes=current_app.config["API_REPEAT_MINUTES"])
    if idempotency_key is None and (repeat := api_submissions.repeat_of(key, digest, since)):
        raise Refused(409, {"body": ["The same enquiry was sent with this key a moment ago; it was not logged "
                                     "again. Send an Idempotency-Key to make retries safe."]},
                      enquiry_id=repeat.enquiry_id)
    return _create(key, details, digest, idempotency_key)


@api_bp.route("/openapi.json")
@public
def openapi():
    """The API's OpenAPI description, with the clinic's current sources and treatments as the allowed values."""
    return jsonify(api_openapi.describe(sources=services.offered_sources(), treatments=services.offered_treatments()))
