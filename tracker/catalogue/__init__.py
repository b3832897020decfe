"""The treatment catalogue: what the clinic offers and each treatment's defaults, kept by administrators."""

from flask import Blueprint

bp = Blueprint("catalogue", __name__)

from tracker.catalogue import models  # noqa: E402,F401  (models and providers register on import)
