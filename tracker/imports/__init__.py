"""CSV import of enquiries from the spreadsheets clinics keep."""

from flask import Blueprint

bp = Blueprint("imports", __name__)

from tracker.imports import models  # noqa: E402,F401  (models and providers register on import)
