"""Reads of the staff accounts, for the pages that list them."""

from sqlalchemy import Row, select

from tracker.auth.models import User
from tracker.extensions import db


def accounts() -> list[User]:
    """Every account, active ones first, then by name."""
    return db.session.scalars(select(User).order_by(User.active.desc(), User.full_name)).all()


def names() -> list[Row]:
    """Every account's (id, full_name), by name, active or not."""
    return db.session.execute(select(User.id, User.full_name).order_by(User.full_name)).all()
