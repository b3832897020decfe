"""Treatment plans: priced items from the catalogue, the patient's decision and consent, kept in versions."""

import enum
from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.audit.models import Audited
from tracker.db import TimestampMixin, UTCDateTime, VersionedMixin
from tracker.extensions import db
from tracker.settings.models import string_enum


class PlanStatus(enum.StrEnum):
    """A plan is drafted, proposed to the patient, then decided; a revision supersedes it."""

    DRAFT = "draft"  # being put together; items can still change
    PROPOSED = "proposed"  # information given to the patient, awaiting their decision
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"  # replaced by a later revision

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def open(self) -> bool:
        """Still awaiting a decision or being carried out."""
        return self in (PlanStatus.DRAFT, PlanStatus.PROPOSED, PlanStatus.ACCEPTED)


class TreatmentPlan(Audited, TimestampMixin, VersionedMixin, db.Model):
    """One version of a plan for an enquiry; revising it makes a new row and supersedes this one."""

    __clinical_columns__ = frozenset({"notes"})
    __tablename__ = "treatment_plans"
    # The pipeline report's value: plans decided, or proposed, in a range of days.
    __table_args__ = (UniqueConstraint("enquiry_id", "number", "revision", name="uq_treatment_plans_enquiry_id"),
                      Index("ix_treatment_plans_status_decided_on", "status", "decided_on"),
                      Index("ix_treatment_plans_proposed_at", "proposed_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiries.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # plan 1, 2... of this enquiry
    revision: Mapped[int] = mapped_column(Integer, default=1)  # its version
    supersedes_id: Mapped[Optional[int]] = mapped_column(ForeignKey("treatment_plans.id"))
    status: Mapped[PlanStatus] = mapped_column(string_enum(PlanStatus, 12), default=PlanStatus.DRAFT)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # who will perform it
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    notes: Mapped[Optional[str]] = mapped_column(Text)
    info_given_on: Mapped[Optional[date]] = mapped_column(Date)  # written information given to the patient
    proposed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decided_on: Mapped[Optional[date]] = mapped_column(Date)
    decline_reason_id: Mapped[Optional[int]] = mapped_column(ForeignKey("options.id"))  # a lost reason
    decline_note: Mapped[Optional[str]] = mapped_column(Text)
    consent_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))  # must be the practitioner
    consent_on: Mapped[Optional[date]] = mapped_column(Date)
    consent_recorded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    practitioner = relationship("User", foreign_keys=[practitioner_id], lazy="raise")
    created_by = relationship("User", foreign_keys=[created_by_id], lazy="raise")
    consent_by = relationship("User", foreign_keys=[consent_by_id], lazy="raise")
    decline_reason = relationship("Option", lazy="raise")
    items = relationship("PlanItem", lazy="raise",
                         primaryjoin="and_(PlanItem.plan_id == TreatmentPlan.id, PlanItem.archived_at.is_(None))",
                         order_by="(PlanItem.phase, PlanItem.position, PlanItem.id)", viewonly=True)

    @property
    def title(self) -> str:
        return f"Plan {self.number}" + (f" (version {self.revision})" if self.revision > 1 else "")

    @property
    def total_pence(self) -> int:
        return sum(item.total_pence for item in self.items)

    @property
    def total_sessions(self) -> int:
        return sum(item.sessions for item in self.items)


class PlanItem(Audited, TimestampMixin, VersionedMixin, db.Model):
    """A catalogue treatment in a plan: where, how many sessions, how far apart, at what price, in which phase."""

    __clinical_columns__ = frozenset({"notes", "areas", "other_areas"})
    __tablename__ = "plan_items"
    __table_args__ = (Index("ix_plan_items_plan_id", "plan_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("treatment_plans.id"))
    treatment_id: Mapped[int] = mapped_column(ForeignKey("treatments.id"))
    phase: Mapped[int] = mapped_column(Integer, default=1)  # 1: first, 2: after phase 1...
    position: Mapped[int] = mapped_column(Integer, default=0)
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)  # consultations.models.Area values
    other_areas: Mapped[Optional[str]] = mapped_column(String(200))
    sessions: Mapped[int] = mapped_column(Integer)
    interval_weeks: Mapped[int] = mapped_column(Integer)
    price_pence: Mapped[int] = mapped_column(Integer)  # per session; from the catalogue, editable
    reflection_days: Mapped[int] = mapped_column(Integer)  # the treatment's minimum, as it was when added
    notes: Mapped[Optional[str]] = mapped_column(Text)
    archived_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # taken out of a draft

    plan = relationship(TreatmentPlan, lazy="raise")
    treatment = relationship("Treatment", lazy="raise")

    @property
    def total_pence(self) -> int:
        return self.sessions * self.price_pence
