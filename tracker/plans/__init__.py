"""Treatment plans, the patient's decision and consent, and the course of treatment sessions."""

from flask import Blueprint

bp = Blueprint("plans", __name__)

from tracker.plans import models, provides  # noqa: E402,F401  (models and providers register on import)
