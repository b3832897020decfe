"""Exports too large to stream: asked for in a request (audited, one job per ask), written to a file by a worker."""

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tracker.db import utcnow
from tracker.exports.audit import record_export_asked, record_export_written
from tracker.exports.writers import download_name, write_file
from tracker.extensions import db
from tracker.jobs import background, files
from tracker.jobs.models import Job


@dataclass(frozen=True)
class Written:
    """A file an export job wrote, and how many rows it holds."""

    path: Path
    rows: int


def key(what: str, user_id: int, file_format: str, args: dict[str, list[str]], now: datetime | None = None) -> str:
    """The job's key: the same ask by the same person in the same minute (a double click) is one job; the same ask
    later is a new one. The query string is hashed: a key holds no filter values."""
    asked = hashlib.sha256(json.dumps(sorted(args.items()), separators=(",", ":")).encode()).hexdigest()[:32]
    return f"export:{what}:{user_id}:{file_format}:{asked}:{(now or utcnow()):%Y%m%d%H%M}"


def start(what: str, file_format: str, title: str, *, by_id: int, args: dict[str, list[str]], used: dict,
          clinical: bool, total: int) -> int:
    """Record the EXPORT event and ask for the job that writes the file (the caller commits both); the job's id.

    Asked again while the same job exists (a double click), the existing job is returned and nothing is added:
    neither a second job nor an EXPORT event that no file would ever end.
    """
    started = record_export_asked(what, file_format, used, clinical=clinical)
    job = background.start("export", key(what, by_id, file_format, args), title, by_id=by_id, total=total,
                           params={"what": what, "format": file_format, "args": args, "audit_event": started})
    job_id = job.id
    if job.params.get("audit_event") != started:
        db.session.rollback()  # the ask was already made: this request's EXPORT event goes
    return job_id


def _advancing(rows: Iterable[tuple], progress: background.Progress) -> Iterator[tuple]:
    """The rows, each counted on the job's progress as it is written."""
    for row in rows:
        progress.advance()
        yield row


def write(job: Job, progress: background.Progress, header: list[str], rows: Iterable[tuple]) -> Written:
    """Write a job's export to a file of its own, each row counted on its progress; a file whose writing failed is
    removed. Call it inside db.reading(): it only reads."""
    file_format = job.params["format"]
    path = files.new_path(job, file_format)
    try:
        return Written(path, write_file(path, file_format, header, _advancing(rows, progress)))
    except BaseException:
        files.remove_partial(path)
        raise


def finish(job: Job, written: Written, filename: str) -> None:
    """Attach the written file to its job, with the job's message and the EXPORT_ENDED event (both commit with the
    job's end, in a short write of their own)."""
    files.keep(job, written.path, download_name(filename, job.params["format"]))
    job.message = f"{written.rows:,} row{'s' if written.rows != 1 else ''} exported."
    record_export_written(job.params["audit_event"], written.rows, by_id=job.by_id)
