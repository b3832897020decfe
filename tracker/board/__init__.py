"""The pipeline board: a column per open stage, a card per enquiry, moved through the stage rules."""

from flask import Blueprint

bp = Blueprint("board", __name__)

from tracker.board import views  # noqa: E402,F401  (routes register on import)
