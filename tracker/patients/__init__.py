"""Patients: the people behind enquiries, with their contact details and marketing consent."""

from flask import Blueprint

bp = Blueprint("patients", __name__)

from tracker.patients import models  # noqa: E402,F401  (models register on import)
