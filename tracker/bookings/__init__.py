"""Appointments: consultations now, treatment sessions later; one table so double-booking is one rule."""

from flask import Blueprint

bp = Blueprint("bookings", __name__)

from tracker.bookings import models, provides  # noqa: E402,F401  (models and providers register on import)
