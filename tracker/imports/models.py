"""CSV imports: each run, which file rows became which enquiries (so a file imported again adds nothing), staged
uploads, and the remembered meaning of list values."""

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
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
    # The value-mapping step's choices: {"history_days": 30, "values": {kind: {value key: target}}}; None: not yet.
    choices: Mapped[Optional[dict]] = mapped_column(JSON)


class ImportValueMapping(db.Model):
    """What a value in a file's list column meant last time ("insta" → the source Instagram): prefills the next file.

    A convenience kept by each real run (recorded in the run's audit event), not a record: a target that has since
    been retired is simply not offered again.
    """

    __tablename__ = "import_value_mappings"
    __table_args__ = (UniqueConstraint("kind", "value_key", name="uq_import_value_mappings_kind_value_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # status, source, lost_reason, treatment, channel
    value_key: Mapped[str] = mapped_column(String(200))  # the value as tracker.imports.values.value_key leaves it
    target: Mapped[str] = mapped_column(String(40))  # "option:12", "treatment:3", "stage:contacted", "" (ignore)...
    by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
