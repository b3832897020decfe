"""Enquiries: the record of each approach to the clinic, its pipeline stage and its history."""

from flask import Blueprint

bp = Blueprint("enquiries", __name__)

from tracker.enquiries import models  # noqa: E402,F401  (models register on import)
