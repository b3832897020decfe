"""Clinic settings an administrator edits: lists (sources, lost reasons, rooms) and defaults."""

from flask import Blueprint

bp = Blueprint("settings", __name__)

from tracker.settings import models  # noqa: E402,F401  (models and providers register on import)
