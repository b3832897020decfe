"""CSV import of enquiries from the spreadsheets clinics keep."""

from flask import Blueprint

bp = Blueprint("imports", __name__)

from tracker.imports import models, views  # noqa: E402,F401  (the views register their routes on import)
