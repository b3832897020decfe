"""The home page and the health check."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from tracker.main import favicon, views  # noqa: E402,F401
