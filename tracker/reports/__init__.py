"""The manager's reports: the pipeline dashboard and its tables. Reads only; owns no tables."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from tracker.reports import views  # noqa: E402, F401  (registers the routes)
