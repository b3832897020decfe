"""A treatment the clinic offers, with the defaults a plan item starts from."""

import enum
from typing import Optional

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.audit.models import Audited
from tracker.db import TimestampMixin, VersionedMixin
from tracker.extensions import db
from tracker.settings.models import string_enum


class TreatmentCategory(enum.StrEnum):
    """The family a treatment belongs to; the decision-support hints read it."""

    RESURFACING = "resurfacing"  # lasers, dermabrasion, peels
    COLLAGEN_INDUCTION = "collagen_induction"  # microneedling, RF microneedling
    FOCAL = "focal"  # treats single scars: TCA CROSS, punch techniques
    RELEASE = "release"  # subcision
    FILLER = "filler"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"collagen_induction": "Collagen induction", "focal": "Focal scar treatment",
                "release": "Scar release"}.get(self.value, self.value.capitalize())


class Treatment(Audited, TimestampMixin, VersionedMixin, db.Model):
    """A catalogue entry; retired with `active`, never deleted (enquiries and plans point at it)."""

    __tablename__ = "treatments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    category: Mapped[TreatmentCategory] = mapped_column(string_enum(TreatmentCategory, 24),
                                                        default=TreatmentCategory.OTHER)
    default_sessions: Mapped[int] = mapped_column(Integer, default=1)
    default_interval_weeks: Mapped[int] = mapped_column(Integer, default=4)
    price_pence: Mapped[int] = mapped_column(Integer, default=0)  # default price per session
    review_months: Mapped[list[int]] = mapped_column(JSON, default=list)  # reviews after the course, e.g. [3, 6]
    aftercare_label: Mapped[Optional[str]] = mapped_column(String(120))  # e.g. "Wound check"
    aftercare_from_days: Mapped[Optional[int]] = mapped_column(Integer)  # after each session
    aftercare_to_days: Mapped[Optional[int]] = mapped_column(Integer)
    reflection_days: Mapped[int] = mapped_column(Integer, default=2)  # minimum between information and booking
    ablative: Mapped[bool] = mapped_column(Boolean, default=False)  # fully ablative / resurfacing
    surgical: Mapped[bool] = mapped_column(Boolean, default=False)  # a surgical procedure (punch, subcision)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __str__(self) -> str:
        return self.name
