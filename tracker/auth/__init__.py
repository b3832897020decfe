"""Staff accounts: sign-in, first-run setup, own password, user administration."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
