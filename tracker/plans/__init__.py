"""Treatment plans, the patient's decision and consent, and the course of treatment sessions."""

from flask import Blueprint

bp = Blueprint("plans", __name__)

from tracker.plans import models, views, views_sessions  # noqa: E402,F401  (models and routes register on import)
