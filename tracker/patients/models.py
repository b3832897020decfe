"""The patient: one person, however many enquiries they make."""

import enum
from datetime import date, datetime
from typing import Optional

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates

from tracker.audit.models import Audited
from tracker.db import TimestampMixin, UTCDateTime, VersionedMixin, archived_index, utcnow
from tracker.extensions import db
from tracker.patients.names import name_key
from tracker.patients.phones import reversed_digits
from tracker.settings.models import string_enum

# Name keys are compared by byte order so prefix ranges can use their index ("C" on PostgreSQL).
KeyString = String(161).with_variant(String(161, collation="C"), "postgresql")
DigitString = String(20).with_variant(String(20, collation="C"), "postgresql")


class ContactMethod(enum.StrEnum):
    """How the patient prefers to be contacted."""

    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    ANY = "any"

    @property
    def label(self) -> str:
        return {"phone": "Phone call", "sms": "Text message", "email": "E-mail", "any": "No preference"}[self.value]


class ConsentMethod(enum.StrEnum):
    """How marketing consent was given (UK GDPR: recorded with when and how)."""

    VERBAL = "verbal"
    WRITTEN = "written"
    WEB_FORM = "web_form"
    EMAIL = "email"

    @property
    def label(self) -> str:
        return {"verbal": "Verbally (by phone or in person)", "written": "In writing",
                "web_form": "On the web form", "email": "By e-mail"}[self.value]


class Patient(Audited, TimestampMixin, VersionedMixin, db.Model):
    """A person who has enquired. Archived, never deleted."""

    __tablename__ = "patients"
    __audit_exclude__ = frozenset({"name_key", "last_name_key",  # derived from the names
                                   "phone_reversed", "phone_alt_reversed"})  # and from the numbers
    # Surname then full name: search by surname reads the first matches in display order.
    __table_args__ = (archived_index("patients"),
                      Index("ix_patients_last_name_key_name_key", "last_name_key", "name_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(KeyString, index=True)  # "first last", folded
    last_name_key: Mapped[str] = mapped_column(KeyString)
    date_of_birth: Mapped[Optional[date]] = mapped_column(Date)
    phone: Mapped[Optional[str]] = mapped_column(String(20), index=True)  # E.164
    phone_alt: Mapped[Optional[str]] = mapped_column(String(20), index=True)
    # The numbers' digits backwards, so a search by their last digits reads an index as a range.
    phone_reversed: Mapped[Optional[str]] = mapped_column(DigitString, index=True)
    phone_alt_reversed: Mapped[Optional[str]] = mapped_column(DigitString, index=True)
    email: Mapped[Optional[str]] = mapped_column(String(320), index=True)  # lower case
    preferred_contact: Mapped[ContactMethod] = mapped_column(string_enum(ContactMethod, 10),
                                                             default=ContactMethod.ANY)
    preferred_times: Mapped[Optional[str]] = mapped_column(String(120))
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_consent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    marketing_consent_method: Mapped[Optional[ConsentMethod]] = mapped_column(string_enum(ConsentMethod, 10))
    notes: Mapped[Optional[str]] = mapped_column(Text)
    archived_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Set when this record was merged into another (and archived): old links and ids lead to the one kept.
    merged_into_id: Mapped[Optional[int]] = mapped_column(ForeignKey("patients.id"), index=True)

    @validates("first_name", "last_name")
    def _keep_keys(self, key: str, value: str) -> str:
        first = value if key == "first_name" else self.first_name or ""
        last = value if key == "last_name" else self.last_name or ""
        self.name_key = name_key(f"{first} {last}")
        self.last_name_key = name_key(last)
        return value

    @validates("phone", "phone_alt")
    def _keep_reversed(self, key: str, value: str | None) -> str | None:
        setattr(self, f"{key}_reversed", reversed_digits(value))
        return value

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: date) -> int | None:
        """Age in whole years on a day, if the date of birth is known."""
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def __repr__(self) -> str:
        return f"<Patient {self.id}>"


class ContactKind(enum.StrEnum):
    """What a secondary contact detail is."""

    PHONE = "phone"
    EMAIL = "email"

    @property
    def label(self) -> str:
        return {"phone": "Phone", "email": "E-mail"}[self.value]


class PatientContact(Audited, TimestampMixin, db.Model):
    """A further phone number or e-mail address of a patient, beyond the ones on the patient row.

    Merging keeps the other record's differing details here, so nothing typed about a person is lost, and
    matching finds the patient by them too.
    """

    __tablename__ = "patient_contacts"
    __table_args__ = (UniqueConstraint("patient_id", "kind", "value",
                                       name="uq_patient_contacts_patient_id_kind_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    kind: Mapped[ContactKind] = mapped_column(string_enum(ContactKind, 10))
    value: Mapped[str] = mapped_column(String(320), index=True)  # E.164 or lower-case e-mail, as on the patient
    note: Mapped[Optional[str]] = mapped_column(String(120))  # e.g. "from patient #123, merged 24/11/2026"


class DistinctPair(Audited, db.Model):
    """Two patient records someone has said are different people: the duplicates page leaves the pair out.

    Stored with the lower id first, so the pair has one row whichever way round it was decided.
    """

    __tablename__ = "patient_distinct_pairs"
    __table_args__ = (UniqueConstraint("low_id", "high_id", name="uq_patient_distinct_pairs_low_id_high_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    low_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    high_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
