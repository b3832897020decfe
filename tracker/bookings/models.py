"""An appointment with a practitioner, and what became of it."""

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.audit.models import Audited
from tracker.db import TimestampMixin, UTCDateTime, VersionedMixin
from tracker.extensions import db
from tracker.settings.models import string_enum


class AppointmentKind(enum.StrEnum):
    """What the appointment is for."""

    CONSULTATION = "consultation"
    TREATMENT_SESSION = "treatment_session"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class AppointmentStatus(enum.StrEnum):
    """Booked until it happens, is missed, is cancelled or is moved."""

    BOOKED = "booked"
    ATTENDED = "attended"
    DID_NOT_ATTEND = "did_not_attend"
    CANCELLED = "cancelled"
    REBOOKED = "rebooked"  # replaced by another appointment (rebooked_to)

    @property
    def label(self) -> str:
        return {"did_not_attend": "Did not attend (DNA)"}.get(self.value, self.value.capitalize())


# Statuses that hold the practitioner's time: a cancelled or moved slot is free again.
HOLDS_TIME = (AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED, AppointmentStatus.DID_NOT_ATTEND)

# A session of a plan item is booked or done at most once, even when two bookings race past the rules' check
# (a moved session leaves 'booked' before its new row is written).
_ONE_SESSION = text("plan_item_id IS NOT NULL AND status IN ('booked', 'attended')")
_ATTENDED_CONSULTATION = text("kind = 'consultation' AND status = 'attended'")


class Appointment(Audited, TimestampMixin, VersionedMixin, db.Model):
    """A booked slot for an enquiry with a practitioner; history is kept by status, never deleted."""

    __clinical_columns__ = frozenset({"session_notes"})
    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_practitioner_id_starts_at", "practitioner_id", "starts_at"),
                      Index("uq_appointments_plan_item_id_session_number", "plan_item_id", "session_number",
                            unique=True, sqlite_where=_ONE_SESSION, postgresql_where=_ONE_SESSION),
                      # The pipeline report's specialists: each enquiry's attended consultations, read alone.
                      Index("ix_appointments_attended_consultations", "enquiry_id", "practitioner_id",
                            sqlite_where=_ATTENDED_CONSULTATION, postgresql_where=_ATTENDED_CONSULTATION))

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiries.id"), index=True)
    kind: Mapped[AppointmentKind] = mapped_column(string_enum(AppointmentKind, 24))
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    room_id: Mapped[Optional[int]] = mapped_column(ForeignKey("options.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[AppointmentStatus] = mapped_column(string_enum(AppointmentStatus, 20),
                                                      default=AppointmentStatus.BOOKED)
    booked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    status_changed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    status_changed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[Optional[str]] = mapped_column(Text)
    rebooked_to_id: Mapped[Optional[int]] = mapped_column(ForeignKey("appointments.id"))
    # Booked while the clinic is closed: the reason given with the explicit override (None within opening hours).
    outside_hours_reason: Mapped[Optional[str]] = mapped_column(Text)
    # A treatment session: which plan item and which of its sessions; who performed it and how.
    plan_item_id: Mapped[Optional[int]] = mapped_column(ForeignKey("plan_items.id"), index=True)
    session_number: Mapped[Optional[int]] = mapped_column(Integer)
    performed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    session_notes: Mapped[Optional[str]] = mapped_column(Text)  # settings used, notes (clinical)

    enquiry = relationship("Enquiry", lazy="raise")
    practitioner = relationship("User", foreign_keys=[practitioner_id], lazy="raise")
    room = relationship("Option", lazy="raise")
    booked_by = relationship("User", foreign_keys=[booked_by_id], lazy="raise")
    status_changed_by = relationship("User", foreign_keys=[status_changed_by_id], lazy="raise")
    rebooked_to = relationship("Appointment", remote_side=[id], lazy="raise")
    plan_item = relationship("PlanItem", lazy="raise")
    performed_by = relationship("User", foreign_keys=[performed_by_id], lazy="raise")

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)
