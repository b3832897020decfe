"""plans views."""

from tracker.plans import bp  # noqa: F401
