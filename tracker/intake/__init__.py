"""Enquiries that arrive by themselves: the public enquiry form, the intake API and its keys."""

from flask import Blueprint

bp = Blueprint("intake", __name__)

from tracker.intake import models  # noqa: E402,F401  (models and providers register on import)
