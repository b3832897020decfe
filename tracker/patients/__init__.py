"""Patients: the people behind enquiries, with their contact details and marketing consent."""

from flask import Blueprint

bp = Blueprint("patients", __name__)

from tracker.patients import models, views, views_match, views_merge  # noqa: E402,F401  (models and routes register on import)
