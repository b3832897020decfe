"""The audit row of an export: who, what, with which filters and how many rows, written once the download ends."""

from sqlalchemy.orm import Session

from tracker.audit.models import AuditAction, AuditEvent
from tracker.audit.recorder import request_context
from tracker.exports.writers import OnDone
from tracker.extensions import db


def export_recorder(what: str, file_format: str, filters: dict, *, clinical: bool) -> OnDone:
    """A writer's on_done that records the export as one AuditAction.EXPORT event.

    Who and from where are read now, before the body streams. The row count is known only when the
    stream ends, after the view has returned, so the event is written then in a short transaction of
    its own (a session on the engine, not the request's, which is busy reading the rows). A download the
    client gave up on is recorded too, with the rows written so far and "completed": false.
    """
    context, engine = request_context(), db.engine

    def done(rows: int, completed: bool) -> None:
        changes = {"what": what, "format": file_format, "filters": filters, "rows": rows, "clinical": clinical,
                   "completed": completed}
        with Session(engine) as session, session.begin():
            session.add(AuditEvent(action=AuditAction.EXPORT, changes=changes, **context))

    return done
