"""The audit trail: who did what to which record, when, and from where."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")

from tracker.audit import refusals  # noqa: E402,F401  (models and providers register on import)
