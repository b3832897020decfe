"""Friendly error pages, the conflict and service errors a change can meet, and 500 handling."""

import logging
from datetime import datetime

from flask import Flask, Response, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from tracker.clock import format_datetime
from tracker.extensions import db, login_manager

log = logging.getLogger("tracker.errors")
BUSY_RETRY_SECONDS = 5
BUSY_PAGE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Busy</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem">
<main><h1>The tracker is busy</h1>
<p>Too many requests are being served at this moment and nothing of yours was done. Wait a few seconds, then try
again.</p><p>Reference for support: <code data-testid="request-id">{request_id}</code></p></main>
</body></html>
"""


class ServiceError(ValueError):
    """A rule refused the change: the message says why, `field` the form field it belongs beside (None: the form)."""

    def __init__(self, message: str = "", field: str | None = None):
        super().__init__(message)
        self.field = field


class ConflictError(Exception):
    """The record changed since the form was opened; saving would overwrite someone's work."""

    def __init__(self, changed_by: str | None = None, changed_at: datetime | None = None):
        super().__init__(f"changed by {changed_by or 'someone else'}")
        self.changed_by = changed_by
        self.changed_at = changed_at

    @property
    def message(self) -> str:
        who = self.changed_by or "someone else"
        when = f" at {format_datetime(self.changed_at)}" if self.changed_at else ""
        return (
            f"This record was changed by {who}{when} while you were editing it. "
            "Nothing of yours was saved: compare with the current values, then save again."
        )


def _render(status: int, **context):
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=context.get("title", "error"), status=status), status
    return render_template(f"errors/{status}.html", **context), status


def register_errorhandlers(app: Flask) -> None:
    """Attach the friendly pages to the app."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, title="Form expired", reason=error.description)

    @app.errorhandler(ConflictError)
    def conflict(error):
        db.session.rollback()
        return _render(409, title="Changed by someone else", message=error.message)

    @app.errorhandler(StaleDataError)
    def stale(_error):
        db.session.rollback()
        return _render(409, title="Changed by someone else", message=ConflictError().message)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code in (400, 403, 404, 405, 409, 413, 429):
            response, status = _render(error.code, title=error.name, reason=error.description)
            if error.code == 405:
                response = app.make_response((response, status))
                response.headers["Allow"] = ", ".join(error.valid_methods or [])
            return response, status
        return error

    @app.errorhandler(PoolTimeout)
    def busy(_error):
        # Every database connection stayed in use for the pool's whole timeout: too many requests at once, not a
        # fault. 503 with Retry-After, and a page that needs no database (not even for the signed-in account).
        db.session.rollback()
        log.warning("no database connection free request_id=%s", g.get("request_id"))
        if "_login_user" not in g:  # not loaded yet: the access log must not wait for a connection to read it
            g._login_user = login_manager.anonymous_user()
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            response = jsonify(error="Busy", status=503)
        else:  # not a template: rendering one reads the signed-in account, from the database
            response = Response(BUSY_PAGE.format(request_id=escape(g.get("request_id") or "")), mimetype="text/html")
        response.status_code = 503
        response.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
        return response

    @app.errorhandler(Exception)
    def server_error(error):
        db.session.rollback()
        log.exception("unhandled error request_id=%s", g.get("request_id"))
        return _render(500, title="Something went wrong", request_id=g.get("request_id"))
