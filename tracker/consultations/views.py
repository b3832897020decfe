"""consultations views."""

from tracker.consultations import bp  # noqa: F401
