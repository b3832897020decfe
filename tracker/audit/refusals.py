"""Refused access in the trail: each 403 a signed-in user gets from @require is one ACCESS_DENIED event.

The event says who, which page (the path; the route's pattern where the path holds more than record numbers,
such as an import's staging key), the method and the permission needed: never the page's content. It is
committed in a short transaction of its own, after the request's own is closed (whatever the request had done
is dropped: it was refused), so the 403 still reaches the user when the trail cannot be written (logged).
Anonymous visitors are sent to sign in, not refused, so they are not recorded.
"""

import logging

from flask import request
from sqlalchemy.exc import SQLAlchemyError

from tracker.audit.models import AuditAction
from tracker.audit.services import record
from tracker.extensions import db
from tracker.permissions import access_refused

log = logging.getLogger("tracker.audit")


def _page() -> str:
    """The path, or the route's pattern when the path holds more than record numbers (a secret key, say)."""
    args = request.view_args or {}
    if request.url_rule is not None and any(not isinstance(value, int) for value in args.values()):
        return request.url_rule.rule
    return request.path


@access_refused.provider()
def record_refusal(permission: str) -> None:
    """Commit an ACCESS_DENIED event for the current request."""
    try:
        db.session.close()
        record(AuditAction.ACCESS_DENIED, changes={"page": _page(), "method": request.method,
                                                   "permission": permission})
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("refused access to %s was not recorded", request.endpoint)
