"""Signed-in sessions: starting, ending, idle and absolute limits, safe redirects."""

import time
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from tracker.auth.models import User

# Only refresh the idle clock in the cookie this often, so most responses do not rewrite it.
_SEEN_RESOLUTION_S = 60


def start_session(user: User, remember: bool) -> None:
    """Sign a user in on a fresh session; `remember` keeps the cookie after the browser closes."""
    session.clear()
    refresh_session(user)
    session.permanent = remember
    now = int(time.time())
    session["auth_at"] = now
    session["seen_at"] = now


def refresh_session(user: User) -> None:
    """Keep this browser signed in after the account's session token changed (own password change).

    The sign-in time is kept, so the absolute session limit still counts from the real sign-in.
    """
    login_user(user)
    g.audit_actor_id = user.id


def signed_in_user() -> User:
    """The signed-in account itself, not Flask-Login's proxy (services and the ORM need the object)."""
    return current_user._get_current_object()


def end_session() -> None:
    """Forget the signed-in user in this browser."""
    logout_user()
    session.clear()


def _expired(now: int) -> bool:
    cfg = current_app.config
    auth_at, seen_at = session.get("auth_at"), session.get("seen_at")
    if not isinstance(auth_at, int) or not isinstance(seen_at, int):
        return True
    return now - auth_at > cfg["SESSION_MAX_HOURS"] * 3600 or now - seen_at > cfg["SESSION_IDLE_MINUTES"] * 60


def enforce_session_limits():
    """Before each request: end sessions past their idle or absolute limit, note the actor."""
    if not current_user.is_authenticated:
        return None
    now = int(time.time())
    if _expired(now):
        end_session()
        flash("Your session ended after a period of inactivity. Please sign in again.", "info")
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    if now - session["seen_at"] >= _SEEN_RESOLUTION_S:
        session["seen_at"] = now
    g.audit_actor_id = current_user.id
    return None


def safe_next_url(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (blocks //x, /\\x, http:///x, ...)."""
    if not target or len(target) > 2048:
        return None
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None  # browsers strip tabs/newlines and read \ as /, turning these into //host
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
