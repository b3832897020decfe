"""catalogue views."""

from tracker.catalogue import bp  # noqa: F401
