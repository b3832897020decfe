"""Flask-Login's user loader: the session must carry the account's current session token."""

import secrets

from tracker.auth.models import User
from tracker.extensions import db, login_manager


def load_user(token: str) -> User | None:
    """The active account named by "id.session_token", or None (the session is then over)."""
    user_id, _, session_token = token.partition(".")
    if not user_id.isdigit() or not session_token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not secrets.compare_digest(user.session_token, session_token):
        return None
    return user


def register_user_loader() -> None:
    """Install load_user on the login manager."""
    login_manager.user_loader(load_user)
