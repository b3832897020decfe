"""Whether the database and the task queue answer, and how long work has waited, for /healthz."""

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tracker.extensions import db
from tracker.jobs import background
from tracker.jobs.queue import reachable


def database_answers() -> bool:
    """True when the database answers a trivial query; otherwise the failed transaction is rolled back."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True


def report() -> dict:
    """{"status", "database", "queue", "oldest_waiting_seconds"}: status "ok" when both answer."""
    database = database_answers()
    queue = reachable()
    waited = None
    if database:
        try:
            waited = background.oldest_waiting()
        except SQLAlchemyError:  # not migrated yet: the upgrade is what is missing, not a worker
            db.session.rollback()
    return {"status": "ok" if database and queue else "unavailable",
            "database": "ok" if database else "unreachable", "queue": "ok" if queue else "unreachable",
            "oldest_waiting_seconds": None if waited is None else round(waited)}
