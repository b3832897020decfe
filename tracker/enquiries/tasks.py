"""enquiries: work this feature hands to the task queue (a large export written to a file)."""

from werkzeug.datastructures import MultiDict

from tracker.auth.models import User
from tracker.clock import clinic_today
from tracker.db import reading
from tracker.enquiries import choices, export
from tracker.exports import queued
from tracker.extensions import db
from tracker.jobs import background
from tracker.jobs.models import Job


@background.handler("export")
def export_enquiries(job: Job, progress: background.Progress) -> None:
    """The enquiry list's export the asker asked for, with the columns the asker may see now, written to a file.

    The asker's permissions are read again: one who may no longer export gets nothing. The rows are read in a
    transaction that only reads (on SQLite: no write lock while the file is written); the outcome is a short write.
    """
    with reading():
        asker = db.session.get(User, job.by_id) if job.by_id is not None else None
        if asker is None or not asker.can("export"):
            raise background.Gone("You may no longer export enquiries; nothing was exported.")
        asked = choices.read_export(MultiDict(job.params["args"]), asker.id, asker.can)
        written = queued.write(job, progress, [column.header for column in asked.columns],
                               export.rows(asked.statement(), asked.columns))
        db.session.rollback()  # the reading transaction ends here, having written nothing
    queued.finish(job, written, f"enquiries-{clinic_today().isoformat()}")
