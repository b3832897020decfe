"""imports: the real run of a staged file as a background job, and the hourly removal of staged files."""

from datetime import datetime, timedelta

from tracker.extensions import db
from tracker.imports import parse, services
from tracker.imports.models import ImportUpload
from tracker.jobs import background
from tracker.jobs.models import Job
from tracker.jobs.schedule import scheduled
from tracker.links import page_url

GONE = "This file has already been imported (or was removed after a day): see the latest imports below."


def _invalid(result: services.Result) -> str:
    return (f"Nothing was imported: {result.invalid:,} row(s) are invalid. Correct them, or tick \"Skip invalid "
            "rows\" to import the others.")


@background.handler("import")
def run_import(job: Job, progress: background.Progress) -> None:
    """Import a staged file with the previewed mapping, all or nothing: its rows and the job's end commit together,
    so a worker stopped mid-way leaves no row of it, and the run again finds the file as it was."""
    back = job.params.get("back_url")
    upload = db.session.get(ImportUpload, job.params["upload_id"])
    if upload is None or upload.file_name.startswith(services.REJECTED):
        raise background.Gone(GONE, page_url("imports.upload"))
    try:
        progress.total_is(services.count_rows(upload.content))
        result = services.run_upload(upload, job.params["chosen"], skip_invalid=job.params["skip_invalid"],
                                     by_id=job.by_id, progress=progress.advance)
    except services.AlreadyRun:
        raise background.Gone(GONE, page_url("imports.upload")) from None
    except (services.MappingError, parse.FileError) as error:
        raise background.Gone(" ".join(getattr(error, "problems", [str(error)])), back) from None
    if result.stopped:
        raise background.Gone(_invalid(result), back)
    rejected = f" {result.invalid:,} invalid row(s) were left out: download them below." if result.invalid else ""
    job.message = f"Imported {result.imported:,} {'enquiry' if result.imported == 1 else 'enquiries'}.{rejected}"
    job.result_url = page_url("imports.result", run_id=result.run.id,
                              rejected=upload.token if result.invalid else None)


@scheduled("imports.purge", "Remove staged import files", every=timedelta(hours=1))
def purge_staged(_due_at: datetime) -> str:
    """Staged uploads and kept rejected rows older than a day: they hold personal data nobody decided to import."""
    services.purge_old_uploads()
    return "Removed staged files older than a day."
