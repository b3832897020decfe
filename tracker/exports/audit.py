"""Recording an export: committed before its first byte leaves, and its end (rows sent, completed) afterwards."""

import logging

from flask import request
from sqlalchemy.exc import SQLAlchemyError

from tracker.audit import services as audit
from tracker.audit.models import AuditAction
from tracker.exports.writers import OnDone
from tracker.extensions import db

log = logging.getLogger("tracker.exports")
JOB_ACTOR = "background job"  # the actor label of what a job records for the person who asked (as tracker.jobs)


def _nothing(_rows: int, _completed: bool) -> None:
    """A HEAD request sends no rows: nothing to record."""


def _asked(what: str, file_format: str, filters: dict, clinical: bool) -> dict:
    """An EXPORT event's changes: what, in which format, narrowed by which filters, with clinical detail or not."""
    return {"what": what, "format": file_format, "filters": filters, "clinical": clinical}


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
    started = audit.record_committed(AuditAction.EXPORT, changes=_asked(what, file_format, filters, clinical))

    def done(rows: int, completed: bool) -> None:
        try:
            audit.record_committed(AuditAction.EXPORT_ENDED,
                                   changes={"export": started, "rows": rows, "completed": completed})
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("the end of export %s (%s rows, completed: %s) was not recorded", started, rows, completed)

    return done


def record_export_asked(what: str, file_format: str, filters: dict, *, clinical: bool) -> int:
    """Add the EXPORT event of an export a background job will write, in a transaction that begins with it; its id.

    Not committed: the caller commits it with the job, so there is neither an event without a job nor a job
    without its event. The request's reading transaction is closed first (as audit.record_committed does), so on
    SQLite the transaction starts with a write and waits its turn rather than failing.
    """
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("record_export_asked would discard pending changes; commit or roll back first")
    db.session.close()
    event = audit.record(AuditAction.EXPORT, changes=_asked(what, file_format, filters, clinical))
    db.session.flush()
    return event.id


def record_export_written(started: int, rows: int, *, by_id: int | None) -> None:
    """Add the EXPORT_ENDED event of an export a background job wrote to a file for `by_id`, in the job's own
    transaction (it commits with the job's end, so a file the job never finished has no end event)."""
    audit.record(AuditAction.EXPORT_ENDED, actor_id=by_id, actor_label=JOB_ACTOR,
                 changes={"export": started, "rows": rows, "completed": True})
