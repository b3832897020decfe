"""Treatment plans, the patient's decision and consent, and the course of treatment sessions."""

from flask import Blueprint

bp = Blueprint("plans", __name__)

from tracker.plans import models  # noqa: E402,F401  (models register on import)
