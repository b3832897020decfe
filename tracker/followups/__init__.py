"""Follow-ups: each enquiry's next step with a date and an owner, My day, the automatic rules, the digest."""

from flask import Blueprint

bp = Blueprint("followups", __name__)

from tracker.followups import models  # noqa: E402,F401  (models register on import)
