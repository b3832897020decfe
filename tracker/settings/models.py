"""The administrator-editable lists and the clinic's single settings row."""

import enum
from datetime import time
from typing import Optional

from sqlalchemy import Boolean, Enum, Integer, LargeBinary, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker.audit.models import Audited
from tracker.db import TimestampMixin, VersionedMixin
from tracker.extensions import db


def string_enum(enum_class: type[enum.Enum], length: int = 32) -> Enum:
    """An enum stored as its values in a plain string column (adding a value needs no migration)."""
    return Enum(enum_class, native_enum=False, create_constraint=False, length=length,
                values_callable=lambda e: [m.value for m in e])


class OptionKind(enum.StrEnum):
    """Which list an option belongs to."""

    SOURCE = "source"
    LOST_REASON = "lost_reason"
    ROOM = "room"

    @property
    def label(self) -> str:
        return {"source": "Sources", "lost_reason": "Lost reasons", "room": "Sites and rooms"}[self.value]


class Option(Audited, TimestampMixin, VersionedMixin, db.Model):
    """One entry of an editable list. Never deleted (records point at it); retired by `active`."""

    __tablename__ = "options"
    __table_args__ = (UniqueConstraint("kind", "label", name="uq_options_kind_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OptionKind] = mapped_column(string_enum(OptionKind, 20))
    label: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __str__(self) -> str:
        return self.label


class ClinicSettings(Audited, TimestampMixin, VersionedMixin, db.Model):
    """The clinic's defaults: exactly one row, id 1, created by the migration."""

    __tablename__ = "clinic_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_minutes: Mapped[int] = mapped_column(Integer, default=30)
    # A new enquiry not yet contacted gets a call-back due within this many opening hours.
    first_contact_hours: Mapped[int] = mapped_column(Integer, default=2)
    # Shown in the header, page titles, the public form and e-mails; None: the CLINIC_NAME setting.
    clinic_name: Mapped[Optional[str]] = mapped_column(String(120))


class PublicFormSettings(Audited, TimestampMixin, VersionedMixin, db.Model):
    """How the public "make an enquiry" form looks and where its enquiries are announced: one row, id 1.

    Off until an administrator turns it on (a public page that stores personal data needs its privacy notice
    set first). The logo is kept here, not on disk, so every worker on every host serves the same one.
    """

    __tablename__ = "public_form_settings"
    __audit_exclude__ = frozenset({"logo"})  # the trail records logo_type and that it changed, not the bytes

    id: Mapped[int] = mapped_column(primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    accent_colour: Mapped[str] = mapped_column(String(7), default="#1d5fa8")  # #rrggbb
    logo: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    logo_type: Mapped[Optional[str]] = mapped_column(String(20))  # image/png or image/jpeg
    privacy_notice_url: Mapped[Optional[str]] = mapped_column(String(500))
    clinic_phone: Mapped[Optional[str]] = mapped_column(String(20))  # E.164, shown on the thank-you page
    # Origins allowed to show the form in an iframe, space-separated (https://www.example-clinic.co.uk);
    # none: frame-ancestors 'none'.
    embed_origins: Mapped[Optional[str]] = mapped_column(Text)
    # Where each web or API enquiry is announced by e-mail (no clinical details); none: no e-mail.
    notify_email: Mapped[Optional[str]] = mapped_column(String(320))


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class OpeningHours(Audited, VersionedMixin, db.Model):
    """When the clinic is open on one day of the week (0 Monday … 6 Sunday); no times: closed that day.

    Seven rows, made by the migration. The first-contact target and "the working day before" count in them.
    """

    __tablename__ = "opening_hours"

    weekday: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    opens: Mapped[Optional[time]] = mapped_column(Time)
    closes: Mapped[Optional[time]] = mapped_column(Time)

    @property
    def day_name(self) -> str:
        return WEEKDAYS[self.weekday]

    @property
    def is_open(self) -> bool:
        return self.opens is not None and self.closes is not None and self.opens < self.closes
