"""The specialist's consultation: assessment, contraindication screen and decision-support hints."""

from flask import Blueprint

bp = Blueprint("consultations", __name__)

from tracker.consultations import models, provides  # noqa: E402,F401  (models and providers register on import)
