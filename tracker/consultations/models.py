"""The specialist's assessment at a consultation: findings per scar type, severity, and the contraindication screen."""

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.audit.models import Audited
from tracker.db import Hundredths, TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from tracker.extensions import db
from tracker.settings.models import string_enum


class ScarType(enum.StrEnum):
    """Jacob et al. 2001 (J Am Acad Dermatol 45:109), plus raised and flat scars."""

    ICE_PICK = "ice_pick"
    BOXCAR = "boxcar"
    ROLLING = "rolling"
    HYPERTROPHIC = "hypertrophic"  # hypertrophic or keloid
    MACULAR = "macular"

    @property
    def label(self) -> str:
        return {"ice_pick": "Ice pick", "hypertrophic": "Hypertrophic / keloid"}.get(self.value,
                                                                                   self.value.capitalize())

    @property
    def atrophic(self) -> bool:
        return self in (ScarType.ICE_PICK, ScarType.BOXCAR, ScarType.ROLLING)


class CountBand(enum.StrEnum):
    """How many scars, when not counted exactly (the Goodman & Baron bands)."""

    FEW = "1-10"
    SEVERAL = "11-20"
    MANY = "over_20"

    @property
    def label(self) -> str:
        return {"1-10": "1–10", "11-20": "11–20", "over_20": "More than 20"}[self.value]

    @classmethod
    def of(cls, count: int | None) -> "CountBand | None":
        """The band an exact count falls in (None for none or unknown)."""
        if not count:
            return None
        return cls.FEW if count <= 10 else cls.SEVERAL if count <= 20 else cls.MANY


class SizeBasis(enum.StrEnum):
    """Whether widths and depths were measured or estimated by eye."""

    MEASURED = "measured"
    ESTIMATED = "estimated"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Area(enum.StrEnum):
    """Where the scars are (face), with other body areas as free text beside."""

    FOREHEAD = "forehead"
    TEMPLES = "temples"
    CHEEK_LEFT = "cheek_left"
    CHEEK_RIGHT = "cheek_right"
    NOSE = "nose"
    CHIN = "chin"
    JAWLINE = "jawline"
    PERIORAL = "perioral"

    @property
    def label(self) -> str:
        return {"cheek_left": "Left cheek", "cheek_right": "Right cheek"}.get(self.value, self.value.capitalize())


class SkinType(enum.StrEnum):
    """Fitzpatrick skin type I–VI."""

    I = "I"  # noqa: E741 (the scale's own name)
    II = "II"
    III = "III"
    IV = "IV"
    V = "V"
    VI = "VI"

    @property
    def label(self) -> str:
        return f"Type {self.value}"

    @property
    def description(self) -> str:
        return SKIN_TYPE_DESCRIPTIONS[self]

    @property
    def darker(self) -> bool:
        """IV–VI: a much higher risk of hyperpigmentation after ablative resurfacing."""
        return self in (SkinType.IV, SkinType.V, SkinType.VI)


SKIN_TYPE_DESCRIPTIONS = {
    SkinType.I: "Always burns, never tans", SkinType.II: "Burns easily, tans minimally",
    SkinType.III: "Sometimes burns, tans gradually", SkinType.IV: "Rarely burns, tans easily",
    SkinType.V: "Very rarely burns, tans very easily", SkinType.VI: "Never burns, deeply pigmented",
}


class Answer(enum.StrEnum):
    """A screening question's answer: never blank, so 'not asked' is said out loud."""

    YES = "yes"
    NO = "no"
    NOT_ASKED = "not_asked"

    @property
    def label(self) -> str:
        return {"not_asked": "Not asked"}.get(self.value, self.value.capitalize())


class HerpesStatus(enum.StrEnum):
    """Herpes simplex: an active outbreak defers treatment; a history prompts antiviral prophylaxis."""

    ACTIVE = "active"
    HISTORY = "history"
    NONE = "none"
    NOT_ASKED = "not_asked"

    @property
    def label(self) -> str:
        return {"active": "Active now", "history": "History of cold sores", "none": "None",
                "not_asked": "Not asked"}[self.value]


class KeloidArea(enum.StrEnum):
    """Goodman & Baron: hypertrophic or keloid scarring scored by the area it covers."""

    NONE = "none"
    UNDER_5 = "under_5"
    FROM_5_TO_20 = "5-20"
    OVER_20 = "over_20"

    @property
    def label(self) -> str:
        return {"none": "None", "under_5": "Under 5 cm²", "5-20": "5–20 cm²", "over_20": "Over 20 cm²"}[self.value]


# The screen's yes / no / not asked questions, in the order the form asks them: column, label.
SCREEN_QUESTIONS = (
    ("active_acne", "Active acne (seen or reported)"),
    ("keloid_history", "History of keloid or hypertrophic scarring"),
    ("anticoagulants", "Anticoagulants or antiplatelets"),
    ("photosensitising", "Photosensitising medicines or a recent tan"),
    ("pregnancy", "Pregnant or breastfeeding"),
    ("immunosuppression", "Immunosuppression"),
    ("diabetes", "Poorly controlled diabetes"),
    ("skin_infection", "Active skin infection in the area"),
)


def _answer() -> Mapped[Answer]:
    return mapped_column(string_enum(Answer, 12), default=Answer.NOT_ASKED)


class Assessment(Audited, TimestampMixin, VersionedMixin, db.Model):
    """What the specialist saw and screened at one consultation; amended in place, the trail keeps each change."""

    __clinical_columns__ = frozenset({"*"})
    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), unique=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiries.id"), index=True)
    assessed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    skin_type: Mapped[SkinType] = mapped_column(string_enum(SkinType, 4))
    distensible: Mapped[Answer] = _answer()  # the atrophic scarring flattens on stretching
    predominant: Mapped[Optional[ScarType]] = mapped_column(string_enum(ScarType, 16))
    gb_grade: Mapped[int] = mapped_column(Integer)  # Goodman & Baron qualitative, 1–4
    # Goodman & Baron quantitative: lesions counted per subtype of the paper's table (None: not
    # counted), so the score can be recomputed; hypertrophic or keloid scarring by area.
    gb_macular: Mapped[Optional[int]] = mapped_column(Integer)  # mild, 1 point: macular
    gb_mild_atrophic: Mapped[Optional[int]] = mapped_column(Integer)  # mild: mildly atrophic dish-like
    gb_moderate_atrophic: Mapped[Optional[int]] = mapped_column(Integer)  # moderate, 2 points
    gb_shallow_punched: Mapped[Optional[int]] = mapped_column(Integer)  # moderate: punched out, shallow base, < 5 mm
    gb_shallow_broad: Mapped[Optional[int]] = mapped_column(Integer)  # moderate: shallow but broad atrophic areas
    gb_deep_punched: Mapped[Optional[int]] = mapped_column(Integer)  # severe, 3 points: deep, normal-looking base
    gb_deep_abnormal: Mapped[Optional[int]] = mapped_column(Integer)  # severe: deep, abnormal base (ice pick)
    gb_linear: Mapped[Optional[int]] = mapped_column(Integer)  # severe: linear or troughed dermal scarring
    gb_deep_broad: Mapped[Optional[int]] = mapped_column(Integer)  # severe: deep broad atrophic areas
    gb_papular: Mapped[Optional[int]] = mapped_column(Integer)  # hyperplastic, 2 points: papular
    gb_keloid_area: Mapped[KeloidArea] = mapped_column(string_enum(KeloidArea, 12), default=KeloidArea.NONE)
    notes: Mapped[Optional[str]] = mapped_column(Text)
    # The contraindication screen.
    isotretinoin: Mapped[Answer] = _answer()  # ever taken
    isotretinoin_last_taken: Mapped[Optional[date]] = mapped_column(Date)
    herpes: Mapped[HerpesStatus] = mapped_column(string_enum(HerpesStatus, 12), default=HerpesStatus.NOT_ASKED)
    active_acne: Mapped[Answer] = _answer()
    keloid_history: Mapped[Answer] = _answer()
    anticoagulants: Mapped[Answer] = _answer()
    photosensitising: Mapped[Answer] = _answer()
    pregnancy: Mapped[Answer] = _answer()
    immunosuppression: Mapped[Answer] = _answer()
    diabetes: Mapped[Answer] = _answer()
    skin_infection: Mapped[Answer] = _answer()
    wellbeing_note: Mapped[Optional[str]] = mapped_column(Text)  # psychological wellbeing and expectations

    appointment = relationship("Appointment", lazy="raise")
    assessed_by = relationship("User", lazy="raise")
    findings = relationship("ScarFinding", lazy="raise", order_by="ScarFinding.position",
                            back_populates="assessment")

    def finding(self, scar_type: ScarType) -> "ScarFinding | None":
        """The row for one scar type (every assessment has one per type)."""
        return next((f for f in self.findings if f.scar_type is scar_type), None)

    @property
    def present_types(self) -> list[ScarType]:
        return [f.scar_type for f in self.findings if f.present]


class ScarFinding(Audited, TimestampMixin, db.Model):
    """One scar type on one assessment: present or not, how many, how big, where."""

    __clinical_columns__ = frozenset({"*"})
    __tablename__ = "scar_findings"
    __table_args__ = (UniqueConstraint("assessment_id", "scar_type", name="uq_scar_findings_assessment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    scar_type: Mapped[ScarType] = mapped_column(string_enum(ScarType, 16))
    position: Mapped[int] = mapped_column(Integer, default=0)
    present: Mapped[bool] = mapped_column(Boolean, default=False)
    count: Mapped[Optional[int]] = mapped_column(Integer)  # exact, when counted
    count_band: Mapped[Optional[CountBand]] = mapped_column(string_enum(CountBand, 10))  # else a band
    width_mm: Mapped[Optional[Decimal]] = mapped_column(Hundredths)  # typical width
    depth_mm: Mapped[Optional[Decimal]] = mapped_column(Hundredths)  # typical depth
    size_basis: Mapped[Optional[SizeBasis]] = mapped_column(string_enum(SizeBasis, 10))
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)  # Area values
    other_areas: Mapped[Optional[str]] = mapped_column(String(200))  # body areas beyond the face

    assessment = relationship(Assessment, lazy="raise", back_populates="findings")

    @property
    def band(self) -> CountBand | None:
        """The count band, from the exact count when there is one."""
        return CountBand.of(self.count) if self.count is not None else self.count_band

    @property
    def area_labels(self) -> list[str]:
        return [Area(a).label for a in self.areas] + ([self.other_areas] if self.other_areas else [])


class HintAcknowledgement(Audited, db.Model):
    """A specialist's note that they saw a decision-support hint, on an assessment or a plan item."""

    __clinical_columns__ = frozenset({"rule", "note"})
    __tablename__ = "hint_acknowledgements"
    __table_args__ = (Index("ix_hint_acknowledgements_enquiry_id", "enquiry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiries.id"))
    assessment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("assessments.id"))
    plan_item_id: Mapped[Optional[int]] = mapped_column(ForeignKey("plan_items.id"))
    rule: Mapped[str] = mapped_column(String(40))  # hints.RULES code
    note: Mapped[Optional[str]] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    by = relationship("User", lazy="raise")
