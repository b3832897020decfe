"""A follow-up: the next step on an enquiry, with a date and an owner; its reschedules; the digest log."""

import enum
from datetime import date, datetime, time
from typing import Optional

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.audit.models import Audited
from tracker.db import TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from tracker.extensions import db
from tracker.settings.models import string_enum


class FollowUpKind(enum.StrEnum):
    """What the follow-up is for."""

    CALL_BACK = "call_back"
    CONSULTATION_REMINDER = "consultation_reminder"
    POST_CONSULTATION = "post_consultation"
    DECISION_CHASE = "decision_chase"
    PRE_TREATMENT = "pre_treatment"
    AFTERCARE = "aftercare"
    SESSION_REMINDER = "session_reminder"
    REVIEW = "review"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self.value]


_KIND_LABELS = {
    "call_back": "Call back", "consultation_reminder": "Consultation reminder",
    "post_consultation": "Post-consultation check-in", "decision_chase": "Decision chase",
    "pre_treatment": "Pre-treatment check", "aftercare": "Aftercare check",
    "session_reminder": "Course session reminder", "review": "Review appointment", "other": "Other",
}


class Priority(enum.StrEnum):
    """How urgent: high ones sort first within their day."""

    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def rank(self) -> int:
        return {"high": 0, "normal": 1, "low": 2}[self.value]


class FollowUpStatus(enum.StrEnum):
    """Open until done (with an outcome) or cancelled (with a reason)."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# Rule-made follow-ups are unique per enquiry, rule and key (the appointment, plan or session it is
# about), so a rule that fires twice finds its own row instead of adding another.
_FROM_A_RULE = text("rule IS NOT NULL")


class FollowUp(Audited, TimestampMixin, VersionedMixin, db.Model):
    """The next step on an enquiry: a kind, a due date (and maybe a time), an owner, a status. Never deleted.

    due_on and due_time are the clinic's wall clock; overdue_at is the UTC instant it falls overdue (the due
    time, or the end of the due day when it has none), which the queues sort and compare on.
    assigned_to_id None: the reception team's, for whoever picks it up.
    """

    __tablename__ = "follow_ups"
    __table_args__ = (
        Index("ix_follow_ups_assigned_to_id_status_overdue_at", "assigned_to_id", "status", "overdue_at"),
        # Also the owner and enquiry: the report counts overdue work per owner from the index alone.
        Index("ix_follow_ups_status_overdue_at", "status", "overdue_at", "assigned_to_id", "enquiry_id"),
        Index("ix_follow_ups_enquiry_id_status", "enquiry_id", "status"),
        Index("uq_follow_ups_enquiry_id_rule_rule_key", "enquiry_id", "rule", "rule_key", unique=True,
              sqlite_where=_FROM_A_RULE, postgresql_where=_FROM_A_RULE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiries.id"))
    kind: Mapped[FollowUpKind] = mapped_column(string_enum(FollowUpKind, 24))
    due_on: Mapped[date] = mapped_column(Date)
    due_time: Mapped[Optional[time]] = mapped_column(Time)
    overdue_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_to_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    priority: Mapped[Priority] = mapped_column(string_enum(Priority, 10), default=Priority.NORMAL)
    note: Mapped[Optional[str]] = mapped_column(Text)
    status: Mapped[FollowUpStatus] = mapped_column(string_enum(FollowUpStatus, 10), default=FollowUpStatus.OPEN)
    rule: Mapped[Optional[str]] = mapped_column(String(40))  # the rule that made it (followups.rules), or None
    rule_key: Mapped[Optional[str]] = mapped_column(String(80))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[Optional[str]] = mapped_column(Text)  # done: what came of it
    cancel_reason: Mapped[Optional[str]] = mapped_column(Text)  # cancelled: why

    enquiry = relationship("Enquiry", lazy="raise")
    assigned_to = relationship("User", foreign_keys=[assigned_to_id], lazy="raise")
    created_by = relationship("User", foreign_keys=[created_by_id], lazy="raise")
    closed_by = relationship("User", foreign_keys=[closed_by_id], lazy="raise")

    @property
    def is_open(self) -> bool:
        return self.status is FollowUpStatus.OPEN

    def __repr__(self) -> str:
        return f"<FollowUp {self.id} {self.kind} {self.due_on} {self.status}>"


class Reschedule(Audited, db.Model):
    """One move of a follow-up's due date or owner: the history a rescheduled follow-up keeps."""

    __tablename__ = "follow_up_reschedules"
    __table_args__ = (Index("ix_follow_up_reschedules_follow_up_id_at", "follow_up_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_ups.id"))
    from_due_on: Mapped[date] = mapped_column(Date)
    from_due_time: Mapped[Optional[time]] = mapped_column(Time)
    to_due_on: Mapped[date] = mapped_column(Date)
    to_due_time: Mapped[Optional[time]] = mapped_column(Time)
    from_assigned_to_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    to_assigned_to_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    note: Mapped[Optional[str]] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))  # None: a rule moved it

    by = relationship("User", foreign_keys=[by_id], lazy="raise")


class DigestSent(db.Model):
    """One day's reminder e-mail to one user, sent: what makes `flask send-reminders` send once a day."""

    __tablename__ = "digests_sent"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_digests_sent_user_id_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    day: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    items: Mapped[int] = mapped_column(Integer)  # how many lines the digest held
