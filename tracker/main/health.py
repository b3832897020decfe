"""Whether the database answers, for /healthz."""

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tracker.extensions import db


def database_answers() -> bool:
    """True when the database answers a trivial query; otherwise the failed transaction is rolled back."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True
