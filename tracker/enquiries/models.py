"""The enquiry, its concerns and treatments asked about, and its history rows."""

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.audit.models import Audited
from tracker.catalogue.models import Treatment
from tracker.db import TimestampMixin, UTCDateTime, VersionedMixin, archived_index, utcnow
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.settings.models import string_enum


class Channel(enum.StrEnum):
    """How the enquiry reached the clinic."""

    PHONE = "phone"
    WEB_FORM = "web_form"
    EMAIL = "email"
    WALK_IN = "walk_in"
    SOCIAL = "social"
    REFERRAL = "referral"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"web_form": "Web form", "email": "E-mail", "walk_in": "Walk-in",
                "social": "Social media"}.get(self.value, self.value.capitalize())


class Concern(enum.StrEnum):
    """What the enquirer wants help with."""

    ICE_PICK = "ice_pick"
    BOXCAR = "boxcar"
    ROLLING = "rolling"
    MIXED = "mixed"
    ACTIVE_ACNE = "active_acne"
    PIGMENTATION = "pigmentation"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"ice_pick": "Ice-pick scars", "boxcar": "Boxcar scars", "rolling": "Rolling scars",
                "mixed": "Mixed acne scarring", "active_acne": "Active acne", "pigmentation": "Pigmentation",
                "other": "Other"}[self.value]


class MatchStrength(enum.StrEnum):
    """How sure a possible match with an existing patient is."""

    STRONG = "strong"  # same phone number or e-mail (a similar name as well ranks first)
    WEAK = "weak"  # same name and date of birth

    @property
    def label(self) -> str:
        return {"strong": "Likely the same person", "weak": "Possibly the same person"}[self.value]


class ContactOutcome(enum.StrEnum):
    """What came of a call-back or message."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    WRONG_NUMBER = "wrong_number"
    MESSAGE_SENT = "message_sent"

    @property
    def label(self) -> str:
        return {"voicemail": "Voicemail left"}.get(self.value, self.value.replace("_", " ").capitalize())


# The concern and treatment rows carry their enquiry's stage, so the stage tabs can count them
# per concern or treatment from an index alone. The foreign key on (enquiry_id, stage), ON UPDATE
# CASCADE, makes the database rewrite the copy whenever the stage changes and refuse a wrong one;
# the ORM fills it from the enquiry on insert.
def _stage_key(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["enquiry_id", "stage"], ["enquiries.id", "enquiries.stage"], onupdate="CASCADE",
                                name=f"fk_{table}_enquiry_id_enquiries")


enquiry_treatments = Table(
    "enquiry_treatments",
    db.metadata,
    Column("enquiry_id", Integer, primary_key=True),
    Column("treatment_id", ForeignKey("treatments.id"), primary_key=True),
    Column("stage", string_enum(Stage, 24), nullable=False),
    _stage_key("enquiry_treatments"),
    Index("ix_enquiry_treatments_treatment_id_stage", "treatment_id", "stage", "enquiry_id"),
)


class EnquiryConcern(db.Model):
    """One concern of an enquiry (a row each, so the list can filter and count by concern through an index)."""

    __tablename__ = "enquiry_concerns"
    __table_args__ = (_stage_key("enquiry_concerns"),
                      Index("ix_enquiry_concerns_concern_stage", "concern", "stage", "enquiry_id"))

    enquiry_id: Mapped[int] = mapped_column(primary_key=True)
    concern: Mapped[Concern] = mapped_column(string_enum(Concern, 20), primary_key=True)
    stage: Mapped[Stage] = mapped_column(string_enum(Stage, 24))


MILESTONES = ("furthest_stage", "consulted_at", "plan_proposed_at", "treatment_booked_at", "treatment_started_at",
              "plan_decided_at")


def live_index(name: str, *columns: str) -> Index:
    """An index of the rows that are not archived, which are the only ones lists and counts read."""
    live = text("archived_at IS NULL")
    return Index(name, *columns, sqlite_where=live, postgresql_where=live)


class Enquiry(Audited, TimestampMixin, VersionedMixin, db.Model):
    """One approach to the clinic, followed through the pipeline. Archived, never deleted."""

    __tablename__ = "enquiries"
    # Live rows only: the stage tabs count them (unfiltered, or by channel, source, assignee or
    # not yet contacted) from one of these indexes alone, never the table.
    __table_args__ = (live_index("ix_enquiries_stage_received_at", "stage", "received_at"),
                      live_index("ix_enquiries_channel_stage", "channel", "stage"),
                      live_index("ix_enquiries_source_id_stage", "source_id", "stage"),
                      live_index("ix_enquiries_assigned_to_id_stage", "assigned_to_id", "stage"),
                      live_index("ix_enquiries_first_contacted_at_stage", "first_contacted_at", "stage", "received_at"),
                      Index("uq_enquiries_id_stage", "id", "stage", unique=True),  # the link rows' key
                      # "No open follow-up": next_follow_up_at IS NULL and the stage are two equalities, so the
                      # enquiries without a next step at one stage are one contiguous range, newest last.
                      live_index("ix_enquiries_next_follow_up_at_stage", "next_follow_up_at", "stage", "received_at"),
                      archived_index("enquiries"))
    # next_follow_up_at is kept by the follow-up rules from the follow-ups themselves: no one edits it, so it is
    # neither in the trail nor a reason for someone's open edit form to be stale.
    # So are the milestones (tracker/enquiries/milestones.py), kept from the stage history.
    __audit_exclude__ = frozenset({"next_follow_up_at", *MILESTONES})
    __version_ignore__ = frozenset({"next_follow_up_at", *MILESTONES})

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    channel: Mapped[Channel] = mapped_column(string_enum(Channel, 20), index=True)
    source_id: Mapped[Optional[int]] = mapped_column(ForeignKey("options.id"), index=True)
    caller_words: Mapped[Optional[str]] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    logged_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    assigned_to_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    stage: Mapped[Stage] = mapped_column(string_enum(Stage, 24), default=Stage.NEW)
    first_contacted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # The opening time from received to first contact, in seconds, by the opening hours set when it is worked out
    # (at first contact, or when the received time is corrected): the reports' "time to first contact in opening
    # hours", set with first_contacted_at by the services.
    first_contact_open_seconds: Mapped[Optional[int]] = mapped_column(Integer)
    lost_from_stage: Mapped[Optional[Stage]] = mapped_column(string_enum(Stage, 24))
    lost_reason_id: Mapped[Optional[int]] = mapped_column(ForeignKey("options.id"))
    lost_note: Mapped[Optional[str]] = mapped_column(Text)
    archived_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # When its soonest open follow-up falls overdue; None: no next step (kept by tracker.followups.rules).
    next_follow_up_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Milestones from the stage history: the furthest stage reached and when it first reached consulted, plan
    # proposed, treatment booked and in treatment (or a later stage), and first left plan proposed (a decision).
    furthest_stage: Mapped[Optional[Stage]] = mapped_column(string_enum(Stage, 24))
    consulted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    plan_proposed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    treatment_booked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    treatment_started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    plan_decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # An enquiry that arrived by itself (web form, API, import) whose details match an existing patient: reception
    # confirms (the records are merged) or says it is someone else (cleared). Never a silent duplicate.
    match_patient_id: Mapped[Optional[int]] = mapped_column(ForeignKey("patients.id"), index=True)
    match_strength: Mapped[Optional[MatchStrength]] = mapped_column(string_enum(MatchStrength, 10))
    match_reason: Mapped[Optional[str]] = mapped_column(String(120))  # "same phone number and same e-mail"

    patient = relationship("Patient", lazy="raise", backref="enquiries", foreign_keys=[patient_id])
    match_patient = relationship("Patient", lazy="raise", foreign_keys=[match_patient_id])
    source = relationship("Option", foreign_keys=[source_id], lazy="raise")
    lost_reason = relationship("Option", foreign_keys=[lost_reason_id], lazy="raise")
    logged_by = relationship("User", foreign_keys=[logged_by_id], lazy="raise")
    assigned_to = relationship("User", foreign_keys=[assigned_to_id], lazy="raise")
    concern_rows = relationship(EnquiryConcern, lazy="raise", cascade="all, delete-orphan",
                                order_by=EnquiryConcern.concern)
    treatments = relationship(Treatment, secondary=enquiry_treatments, lazy="raise",
                              order_by="Treatment.position")

    @property
    def concerns(self) -> list[Concern]:
        return [row.concern for row in self.concern_rows]

    def __repr__(self) -> str:
        return f"<Enquiry {self.id} {self.stage}>"


class StageChange(Audited, db.Model):
    """One move through the pipeline: from, to, by whom, when, why."""

    __tablename__ = "stage_changes"
    # (enquiry, at) orders a timeline; to_stage and from_stage ride along so the reports' per-enquiry
    # "first reached" aggregates read this index alone.
    __table_args__ = (Index("ix_stage_changes_enquiry_id_at", "enquiry_id", "at", "to_stage", "from_stage"),
                      # With the enquiry: the report's "booked per week" counts from the index alone.
                      Index("ix_stage_changes_to_stage_at", "to_stage", "at", "enquiry_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiries.id"))
    from_stage: Mapped[Optional[Stage]] = mapped_column(string_enum(Stage, 24))  # None: logged
    to_stage: Mapped[Stage] = mapped_column(string_enum(Stage, 24))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    lost_reason_id: Mapped[Optional[int]] = mapped_column(ForeignKey("options.id"))
    note: Mapped[Optional[str]] = mapped_column(Text)

    by = relationship("User", lazy="raise")
    lost_reason = relationship("Option", lazy="raise")


class ContactAttempt(Audited, db.Model):
    """A call-back or message to the enquirer, and what came of it."""

    __tablename__ = "contact_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiries.id"), index=True)
    outcome: Mapped[ContactOutcome] = mapped_column(string_enum(ContactOutcome, 20))
    note: Mapped[Optional[str]] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))

    by = relationship("User", lazy="raise")


class EnquiryNote(Audited, db.Model):
    """A free-text note on the enquiry's timeline."""

    __tablename__ = "enquiry_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiries.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))

    by = relationship("User", lazy="raise")
