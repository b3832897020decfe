"""CSV imports: each run, and which file rows became which enquiries (so a file imported again adds nothing)."""

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.audit.models import Audited
from tracker.db import UTCDateTime, utcnow
from tracker.extensions import db


class ImportRun(Audited, db.Model):
    """One real (not dry) import of a file: who, which file, how it was mapped, and what came of its rows."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))  # None: the command line
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)  # field → the file's column
    skip_invalid: Mapped[bool] = mapped_column(default=False)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_imported: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    rows_already_imported: Mapped[int] = mapped_column(Integer, default=0)

    by = relationship("User", lazy="raise")


class ImportedRow(db.Model):
    """A file row that became an enquiry, by a fingerprint of its mapped values: the same row again is skipped."""

    __tablename__ = "imported_rows"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)  # hex SHA-256 of the normalised row
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"), index=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiries.id"), index=True)


class ImportUpload(db.Model):
    """A file uploaded for import, kept between the mapping, preview and import steps (any worker may serve each).

    Staging, not a record: removed when its import has run, and after a day if it never does (it holds
    personal data nobody has decided to keep).
    """

    __tablename__ = "import_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)  # unguessable: the steps' URLs carry it
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
