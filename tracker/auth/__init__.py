"""Staff accounts: sign-in, first-run setup, own password, user administration."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from tracker.auth import admin_views, views  # noqa: E402,F401
