"""The week calendar of follow-ups and appointments, and the iCalendar feeds calendar programs subscribe to."""

from flask import Blueprint

bp = Blueprint("calendar", __name__)

from tracker.calendar import models  # noqa: E402,F401  (models and providers register on import)
