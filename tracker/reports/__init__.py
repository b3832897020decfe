"""The manager's reports: the pipeline dashboard and its tables. Reads only; owns no tables."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
