"""Work that runs by itself: the task queue, background jobs with progress, and the scheduled jobs."""

from flask import Blueprint

bp = Blueprint("jobs", __name__)

from tracker.jobs import models  # noqa: E402,F401  (models register on import)
