"""Recording an export: committed before its first byte leaves, and its end (rows sent, completed) afterwards."""

import logging

from flask import request
from sqlalchemy.exc import SQLAlchemyError

from tracker.audit import services as audit
from tracker.audit.models import AuditAction
from tracker.exports.writers import OnDone
from tracker.extensions import db

log = logging.getLogger("tracker.exports")


def _nothing(_rows: int, _completed: bool) -> None:
    """A HEAD request sends no rows: nothing to record."""


def record_export(what: str, file_format: str, filters: dict, *, clinical: bool) -> OnDone:
    """Commit an AuditAction.EXPORT event (who, what, format, filters, clinical or not) now, before the response
    is made; return the writer's on_done, which records an EXPORT_ENDED event when the stream ends.

    If the EXPORT event cannot be written the export does not start (the error propagates). Both events go through
    the request's own session, one after the other (audit.record_committed), so an export holds one database
    connection at a time: with many exports at once, none waits for a second connection while holding a first.
    The end event says how many rows were handed over and whether the client received everything; an end that
    cannot be recorded is logged, and the export stays recorded by its EXPORT event.
    """
    if request.method == "HEAD":
        return _nothing
    started = audit.record_committed(AuditAction.EXPORT, changes={
        "what": what, "format": file_format, "filters": filters, "clinical": clinical})

    def done(rows: int, completed: bool) -> None:
        try:
            audit.record_committed(AuditAction.EXPORT_ENDED,
                                   changes={"export": started, "rows": rows, "completed": completed})
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("the end of export %s (%s rows, completed: %s) was not recorded", started, rows, completed)

    return done
