"""The pipeline board: a column per open stage, a card per enquiry, moved through the stage rules."""

from flask import Blueprint

bp = Blueprint("board", __name__)
