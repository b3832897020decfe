"""imports: the hourly removal of staged uploads nobody went on to import (kept apart from tasks.py)."""

from datetime import datetime, timedelta

from tracker.imports import services
from tracker.jobs.schedule import scheduled


@scheduled("imports.purge", "Remove staged import files", every=timedelta(hours=1))
def purge_staged(_due_at: datetime) -> str:
    """Staged uploads and kept rejected rows older than a day: they hold personal data nobody decided to import."""
    services.purge_old_uploads()
    return "Removed staged files older than a day."
