"""Enquiries: the record of each approach to the clinic, its pipeline stage and its history."""

from flask import Blueprint

bp = Blueprint("enquiries", __name__)

from tracker.enquiries import models, views, views_actions, views_export, views_list  # noqa: E402,F401  (models, routes)
