"""Appointments: consultations now, treatment sessions later; one table so double-booking is one rule."""

from flask import Blueprint

bp = Blueprint("bookings", __name__)

from tracker.bookings import models  # noqa: E402,F401  (models register on import)
