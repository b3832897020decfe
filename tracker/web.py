"""Per-request plumbing: request ids, access log, security headers, first-run and access guards."""

import json
import logging
import re
import time
import uuid

from flask import Flask, abort, current_app, g, redirect, request, url_for
from flask_login import current_user

from tracker.auth.services import any_user_exists
from tracker.auth.sessions import enforce_session_limits
from tracker.extensions import csrf
from tracker.permissions import declared_permission
from tracker.policy import CONTENT_SECURITY_POLICY, framed_policy

access_log = logging.getLogger("tracker.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_UNGUARDED_ENDPOINTS = {"static", "bootstrap.static"}
CACHEABLE_ENDPOINTS = {"intake.public.logo", "main.favicon"}  # public, no personal data; sets its own Cache-Control
# Routes whose address is itself a secret (a calendar feed's token, a staged import file's token): logged as their
# rule, each part in angle brackets replaced, so "/calendar/<redacted>.ics" and never the token.
SECRET_PATH_ENDPOINTS = {"calendar.feed_ics", "imports.mapping_page", "imports.values_page", "imports.run",
                         "imports.rejected"}
_RULE_PART = re.compile(r"<[^<>]*>")

class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {"level": record.levelname, "logger": record.name, "message": record.getMessage()}
        payload.update(getattr(record, "fields", {}))
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def configure_logging(app: Flask) -> None:
    """Structured logs to stderr at LOG_LEVEL."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("tracker")
    root.handlers[:] = [handler]
    root.setLevel(app.config["LOG_LEVEL"])
    root.propagate = app.testing  # tests read records through pytest's caplog


def _start_request():
    g.started = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.client_ip = request.remote_addr


def _first_run():
    if request.endpoint in _UNGUARDED_ENDPOINTS | {"auth.setup", "main.healthz", "main.favicon"}:
        return None
    if current_app.extensions.get("tracker_has_users"):
        return None
    if any_user_exists():
        # Accounts are never deleted, so once true this stays true for the process.
        current_app.extensions["tracker_has_users"] = True
        return None
    return redirect(url_for("auth.setup"))


def _deny_undeclared():
    """Defence in depth: a view that declares no permission is refused, never served."""
    if request.endpoint is None or request.endpoint in _UNGUARDED_ENDPOINTS:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if declared_permission(view) is None:
        current_app.logger.error("route %s declares no permission", request.endpoint)
        abort(403)
    return None


def _secure_headers(response):
    headers = response.headers
    # A page that may be embedded (the public enquiry form) sets g.frame_ancestors to the origins allowed;
    # X-Frame-Options cannot name them, so it is left off there and CSP alone decides.
    ancestors = g.get("frame_ancestors")
    headers.setdefault("Content-Security-Policy", framed_policy(ancestors) if ancestors else CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    if not ancestors:
        headers["X-Frame-Options"] = "DENY"
    headers["X-Request-ID"] = g.get("request_id", "")
    if current_app.config["HSTS"]:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint not in _UNGUARDED_ENDPOINTS | CACHEABLE_ENDPOINTS:
        headers["Cache-Control"] = "no-store"  # pages may show patient data
    return response


def logged_path() -> str:
    """The request's path as the access log shows it: with the secret parts of secret addresses redacted."""
    if request.endpoint in SECRET_PATH_ENDPOINTS and request.url_rule is not None:
        return _RULE_PART.sub("<redacted>", request.url_rule.rule)
    return request.path


def _log_request(response):
    elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    user_id = current_user.id if current_user and current_user.is_authenticated else None
    path = logged_path()
    access_log.info(
        "%s %s %s", request.method, path, response.status_code,
        extra={"fields": {
            "method": request.method, "path": path, "status": response.status_code,
            "duration_ms": round(elapsed_ms, 1), "user_id": user_id, "request_id": g.get("request_id"),
        }},
    )
    return response


def register_request_hooks(app: Flask) -> None:
    """Attach the per-request hooks, in the order they must run."""
    app.before_request(_start_request)
    app.before_request(_deny_undeclared)
    app.before_request(_first_run)
    app.before_request(enforce_session_limits)
    app.after_request(_secure_headers)
    app.after_request(_log_request)
    csrf.init_app(app)  # its check runs after the guards above
