"""The specialist's consultation: assessment, contraindication screen and decision-support hints."""

from flask import Blueprint

bp = Blueprint("consultations", __name__)

from tracker.consultations import models  # noqa: E402,F401  (models register on import)
