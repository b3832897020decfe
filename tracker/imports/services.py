"""Importing enquiries from a CSV file: staging the upload, previewing it, and the run itself (dry or real)."""

import csv
import hashlib
import io
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TextIO

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from tracker.audit import services as audit
from tracker.audit.models import AuditAction
from tracker.clock import local_day_start
from tracker.db import utcnow
from tracker.errors import ServiceError
from tracker.exports.writers import neutralise
from tracker.extensions import db
from tracker.imports import mapping as fields
from tracker.imports import matching, parse
from tracker.imports import values as value_lists
from tracker.imports.bulk import Writer
from tracker.imports.models import ImportedRow, ImportRun, ImportUpload
from tracker.imports.rows import Lookups, Row, check, month_first, resolve
from tracker.patients.names import name_key
from tracker.settings.services import OptionLabelTaken, add_option

BATCH = 2000  # rows per INSERT and per fingerprint look-up
PREVIEW_ROWS = 20
UPLOAD_LIFETIME = timedelta(days=1)
REJECTED = "rejected/"  # the name prefix of an upload that now holds a run's rejected rows (no upload name has "/")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
WIDER_THAN_HEADER = "Row: it has more cells than the first line has column names; check for a stray delimiter."
DATE_KEYS = ("received_at", "date_of_birth", "stage_on", "follow_up_on")
HISTORY_DAYS = 30  # the value-mapping step's default: enquiries older than this come in as history


class AlreadyRun(LookupError):
    """The staged upload was imported (or removed) while this request waited for it: a second click on Import."""


class MappingError(ServiceError):
    """The mapping cannot be used; `problems` says why."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass
class PreviewRow:
    """One of the first rows, as the preview shows it."""

    line: int
    values: dict[str, str]
    errors: list[str]
    status: str = "valid"  # valid, invalid, already imported
    row: Row | None = None
    match: matching.Found | None = None


@dataclass
class Result:
    """What came of reading (and maybe importing) a file. valid: rows that can be (or were) imported."""

    rows_read: int = 0
    valid: int = 0
    invalid: int = 0
    already_imported: int = 0
    imported: int = 0
    history: int = 0  # valid new rows older than the history age
    preview: list[PreviewRow] = field(default_factory=list)
    run: ImportRun | None = None
    stopped: bool = False  # an all-or-nothing run met invalid rows: the caller must roll back


def _rejected_writer(sink: TextIO, headers: list[str]):
    writer = csv.writer(sink, quoting=csv.QUOTE_ALL)
    writer.writerow([neutralise(h) for h in [*headers, "Reasons"]])
    return lambda cells, errors: writer.writerow([neutralise(c) for c in [*cells, " ".join(errors)]])


class _Reading:
    """One pass over the file: rows checked, fingerprints compared a batch at a time, batches written if asked."""

    def __init__(self, layout: parse.Layout, chosen: dict[str, str], writer: Writer | None, skip_invalid: bool,
                 rejected: TextIO | None, preview_rows: int, lookups: Lookups, history_before,
                 progress: Callable[[int], None] | None = None):
        self.width = len(layout.headers)
        self.positions = {key: layout.headers.index(column) for key, column in chosen.items()}
        self.lookups, self.history_before = lookups, history_before
        self.writer, self.skip_invalid, self.preview_rows = writer, skip_invalid, preview_rows
        self.reject = _rejected_writer(rejected, layout.headers) if rejected is not None else None
        self.result = Result()
        self.seen: set[bytes] = set()  # fingerprints met in this file (16 bytes each; at most MAX_ROWS of them)
        self.batch: list[tuple[Row, PreviewRow | None]] = []
        self.progress = progress or (lambda _rows: None)

    def take(self, line: int, cells: list[str]) -> None:
        result = self.result
        result.rows_read += 1
        values = {key: cells[at] if at < len(cells) else "" for key, at in self.positions.items()}
        _refuse_month_first(line, values)
        row, errors = check(line, values, self.lookups)
        if len(cells) > self.width and any(cell.strip() for cell in cells[self.width:]):
            row, errors = None, [WIDER_THAN_HEADER, *errors]
        shown = None
        if len(result.preview) < self.preview_rows:
            shown = PreviewRow(line, values, errors, "invalid" if errors else "valid", row)
            result.preview.append(shown)
        if row is None:
            result.invalid += 1
            result.stopped = result.stopped or (self.writer is not None and not self.skip_invalid)
            if self.reject:
                self.reject(cells, errors)
            self.progress(1)
            return
        self.batch.append((row, shown))
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Count the batch's rows imported before (in an earlier run or earlier in this file); write the rest."""
        fingerprints = [row.fingerprint for row, _ in self.batch]
        stored = set(db.session.scalars(select(ImportedRow.fingerprint)
                                        .where(ImportedRow.fingerprint.in_(fingerprints))))
        fresh = []
        for row, shown in self.batch:
            digest = bytes.fromhex(row.fingerprint)[:16]
            if row.fingerprint in stored or digest in self.seen:
                self.result.already_imported += 1
                if shown is not None:
                    shown.status = "already imported"
                continue
            self.seen.add(digest)
            fresh.append(row)
        self.result.valid += len(fresh)
        if self.history_before is not None:
            self.result.history += sum(row.received_at < self.history_before for row in fresh)
        if self.writer is not None and not self.result.stopped:
            self.writer.write(fresh)
            self.result.imported += len(fresh)
        self.progress(len(self.batch))
        self.batch = []


def _refuse_month_first(line: int, values: dict[str, str]) -> None:
    """FileError for the whole file at its first date that can only be month/day: read alone, each row's
    02/03/2025 would pass as 2 March while 02/13/2025 failed, so part of a US-format file would be misread."""
    for key in DATE_KEYS:
        value = values.get(key, "")
        if value and month_first(value):
            raise parse.FileError(
                f'Line {line:,}: "{value.strip()[:40]}" can only be month/day. The dates in this file look like '
                "month/day, but the import reads them day first: change the date columns to dd/mm/yyyy (or "
                "yyyy-mm-dd) and upload the file again. Nothing was imported.")


def _start_run(file_name: str, content: bytes, chosen: dict[str, str], by_id: int | None,
               skip_invalid: bool) -> ImportRun:
    run = ImportRun(file_name=file_name[:255], file_sha256=hashlib.sha256(content).hexdigest(), by_id=by_id,
                    mapping=dict(chosen), skip_invalid=skip_invalid, started_at=utcnow())
    db.session.add(run)
    db.session.flush()
    return run


def _targets(values: dict | None) -> dict[str, dict[str, str]]:
    """The remembered targets with the step's own over them (kind → {value key: target})."""
    targets = value_lists.remembered(value_lists.KINDS)
    for kind, chosen in (values or {}).items():
        if kind in targets and isinstance(chosen, dict):
            targets[kind].update({str(k): str(t) for k, t in chosen.items()})
    return targets


def _add_new_entries(targets: dict[str, dict[str, str]], labels: dict) -> dict[tuple[str, str], int]:
    """Add each value mapped to "new" to its list (sources, lost reasons), audited with the run; MappingError if
    the list already has that name (a retired entry, or one added meanwhile)."""
    created, problems = {}, []
    for kind, list_kind in value_lists.EDITABLE.items():
        for key, target in targets.get(kind, {}).items():
            if target != value_lists.NEW:
                continue
            label = str((labels.get(kind) or {}).get(key) or key)
            try:
                created[(kind, key)] = add_option(list_kind, value_lists.clean_label(label)).id
            except OptionLabelTaken:
                problems.append(f'{value_lists.KIND_LABELS[kind]} "{label}" is already in the list (perhaps retired): '
                                "choose it, or reactivate it in Settings.")
    if problems:
        raise MappingError(problems)
    db.session.flush()
    return created


def _made(targets: dict, created: dict[tuple[str, str], int]) -> dict[str, dict[str, str]]:
    """The targets to remember: each "new" as the entry it made."""
    return {kind: {key: f"option:{created[(kind, key)]}" if (kind, key) in created else target
                   for key, target in chosen.items()}
            for kind, chosen in targets.items() if kind in value_lists.KINDS}


def _finish_run(run: ImportRun, result: Result, writer: Writer, extra: dict) -> None:
    run.rows_read, run.rows_imported = result.rows_read, result.imported
    run.rows_rejected, run.rows_already_imported = result.invalid, result.already_imported
    run.finished_at = utcnow()
    audit.record(AuditAction.BULK_LOAD, entity=run, changes={
        "what": "enquiries import", "file_name": run.file_name, "rows_read": result.rows_read,
        "imported": result.imported, "rejected": result.invalid, "already_imported": result.already_imported,
        "skip_invalid": run.skip_invalid, **writer.counts.as_dict(), **extra})


def process(content: bytes, file_name: str, chosen: dict[str, str], *, commit: bool = False,
            skip_invalid: bool = False, by_id: int | None = None, rejected: TextIO | None = None,
            preview_rows: int = 0, values: dict[str, dict[str, str]] | None = None,
            labels: dict[str, dict[str, str]] | None = None, history_days: int | None = None,
            progress: Callable[[int], None] | None = None) -> Result:
    """Read every row of the file through the mapping; with commit, import the valid new ones.

    values: the value-mapping step's targets (kind → {value key: target}), over the remembered ones; a real run
    first adds the entries mapped to "new" to the clinic's lists, named as `labels` (kind → {value key: the value as
    written}) has them. history_days: enquiries received more than this
    many days before today come in as history (no first-contact call back, nothing overdue); None: none do.

    Dry (the default): nothing is written. A real run writes in the caller's transaction; when a row is invalid and
    skip_invalid is not set, it stops writing, counts the rest and returns stopped=True, and the caller rolls
    back so nothing is kept. Invalid rows go to `rejected` (their cells and a Reasons column) when given.
    FileError: the file cannot be read (or its dates are month/day); MappingError: the mapping cannot be used.
    progress, if given, is told how many more rows have been read and written, a batch at a time.
    """
    parse.check_encoding(content)
    layout = parse.read_layout(content)
    problems = fields.problems(chosen, layout.headers)
    if problems:
        raise MappingError(problems)
    targets = _targets(values)
    created = _add_new_entries(targets, labels or {}) if commit else {}
    lookups = Lookups.load()
    lookups.mapped = resolve(targets, lookups, created)
    history_before = (local_day_start(lookups.today - timedelta(days=history_days))
                      if history_days is not None else None)
    run = _start_run(file_name, content, chosen, by_id, skip_invalid) if commit else None
    writer = Writer(run.id, run.file_name, by_id, history_before=history_before) if run else None
    reading = _Reading(layout, chosen, writer, skip_invalid, rejected, preview_rows, lookups, history_before,
                       progress)
    for line, cells in parse.data_rows(content, layout):
        reading.take(line, cells)
    if reading.batch:
        reading.flush()
    result = reading.result
    if run is not None and not result.stopped:
        remembered = value_lists.remember(_made(targets, created), by_id) if values else 0
        _finish_run(run, result, writer, {"history_days": history_days, "value_mappings_remembered": remembered,
                                          "list_entries_added": len(created)})
        result.run = run
    _add_matches(result.preview)
    return result


def _add_matches(preview: list[PreviewRow]) -> None:
    """The existing patient each previewed row would be flagged as (one look-up for them all)."""
    shown = [p for p in preview if p.row is not None and p.status == "valid"]
    if not shown:
        return
    index = matching.existing([p.row for p in shown])
    for p in shown:
        p.match = index.best(p.row, name_key(f"{p.row.first_name} {p.row.last_name}"))


# --- the web's staged uploads ---------------------------------------------------------------------------------

def store_upload(file_name: str, content: bytes, *, by_id: int) -> ImportUpload:
    """Keep an uploaded file for the mapping and preview steps; FileError (nothing kept) if it cannot be read.

    Uploads older than a day are removed first: they hold personal data nobody decided to import.
    """
    if len(content) > parse.MAX_BYTES:
        raise parse.FileError(f"The file is larger than {parse.MAX_BYTES // 2**20} MB; split it into smaller files.")
    if parse.is_workbook(content):
        content = parse.from_workbook(content)
    parse.check_encoding(content)
    parse.read_layout(content)
    purge_old_uploads()
    name = _CONTROL.sub("", file_name).replace("\\", "/").rsplit("/", 1)[-1].strip()[:255] or "upload.csv"
    upload = ImportUpload(token=secrets.token_urlsafe(32), file_name=name,
                          file_sha256=hashlib.sha256(content).hexdigest(), content=content, by_id=by_id)
    db.session.add(upload)
    db.session.flush()
    return upload


def purge_old_uploads() -> None:
    """Remove staged uploads (and kept rejected rows) older than a day."""
    db.session.execute(delete(ImportUpload).where(ImportUpload.created_at < utcnow() - UPLOAD_LIFETIME))


def _own_upload(token: str, user_id: int) -> ImportUpload | None:
    if not token or len(token) > 64:
        return None
    upload = db.session.scalar(select(ImportUpload).where(ImportUpload.token == token))
    if upload is None or upload.by_id != user_id or upload.created_at < utcnow() - UPLOAD_LIFETIME:
        return None
    return upload


def get_upload(token: str, user_id: int) -> ImportUpload | None:
    """A staged upload, only for the person who uploaded it (a day at most)."""
    upload = _own_upload(token, user_id)
    return upload if upload is not None and not upload.file_name.startswith(REJECTED) else None


def get_rejected(token: str, user_id: int) -> ImportUpload | None:
    """The rejected rows kept from a run, only for the person who ran it (a day at most)."""
    upload = _own_upload(token, user_id)
    return upload if upload is not None and upload.file_name.startswith(REJECTED) else None


def step_choices(upload: ImportUpload) -> dict:
    """process()'s values, labels and history_days from the upload's value-mapping step (its defaults before)."""
    choices = upload.choices if isinstance(upload.choices, dict) else {}
    days = choices.get("history_days", HISTORY_DAYS)
    return {"values": choices.get("values") or None, "labels": choices.get("labels") or None,
            "history_days": days if isinstance(days, int) else HISTORY_DAYS}


def save_choices(upload: ImportUpload, values: dict, labels: dict, history_days: int) -> None:
    """Keep the value-mapping step's choices on the staged upload, for its preview and run."""
    upload.choices = {"history_days": history_days, "values": values, "labels": labels}


def count_rows(content: bytes) -> int:
    """How many data rows a staged file has (one streaming pass), for a run's progress."""
    return sum(1 for _ in parse.data_rows(content, parse.read_layout(content)))


def run_upload(upload: ImportUpload, chosen: dict[str, str], *, skip_invalid: bool, by_id: int,
               progress: Callable[[int], None] | None = None) -> Result:
    """The real import of a staged upload. Afterwards the upload is removed, or, if rows were rejected, its
    content is replaced by the rejected rows' CSV for the importer to download (removed after a day).

    The upload row is locked first: of two clicks on Import, the second waits for the first to finish, then finds
    the upload gone or holding rejected rows and raises AlreadyRun (rather than importing the same rows again).
    """
    locked = db.session.scalars(select(ImportUpload).where(ImportUpload.id == upload.id).with_for_update()
                                .execution_options(populate_existing=True)).one_or_none()
    if locked is None or locked.file_name.startswith(REJECTED):
        raise AlreadyRun(upload.token)
    sink = io.StringIO()
    sink.write("\ufeff")  # Excel reads the file as UTF-8
    result = process(upload.content, upload.file_name, chosen, commit=True, skip_invalid=skip_invalid,
                     by_id=by_id, rejected=sink, progress=progress, **step_choices(upload))
    if result.stopped:
        return result
    if result.invalid:
        upload.choices = None
        upload.content = sink.getvalue().encode("utf-8")
        upload.file_name = f"{REJECTED}{upload.file_name}"[:255]
        upload.file_sha256 = hashlib.sha256(upload.content).hexdigest()
    else:
        db.session.delete(upload)
    return result


def rejected_name(upload: ImportUpload) -> str:
    """The download name of kept rejected rows: the file's own name with "-rejected"."""
    return upload.file_name.removeprefix(REJECTED).rsplit(".", 1)[0] + "-rejected"


def recent_runs(limit: int = 10) -> list[ImportRun]:
    """The latest real imports, newest first, with who ran them."""
    return list(db.session.scalars(select(ImportRun).options(joinedload(ImportRun.by))
                                   .order_by(ImportRun.id.desc()).limit(limit)))
