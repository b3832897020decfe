"""The specialist's assessment at each attended demo consultation: findings that fit what the enquirer asked about.

Skin types follow the UK population's mix; the screen is mostly "no", with the rarer answers about as
often as clinics see them. The Goodman & Baron counts are the findings' own counts, sorted into the
paper's subtypes, and the qualitative grade never contradicts the findings (scoring.warnings stays quiet).
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta

from tracker.consultations.models import (
    SCREEN_QUESTIONS,
    Answer,
    Area,
    CountBand,
    HerpesStatus,
    KeloidArea,
    ScarType,
    SizeBasis,
    SkinType,
)
from tracker.consultations.scoring import COUNT_COLUMNS
from tracker.demo.chance import Weighted, between, choice
from tracker.demo.hours import Calendar
from tracker.enquiries.models import Concern

# Fitzpatrick types of people in the UK: mostly white (II–III, some I and IV), South Asian (IV–V),
# Black (V–VI) and mixed heritage (III–V).
SKIN_TYPES = Weighted({SkinType.I: 7, SkinType.II: 30, SkinType.III: 35, SkinType.IV: 15, SkinType.V: 8,
                       SkinType.VI: 5})
ASKED = {Concern.ICE_PICK: ScarType.ICE_PICK, Concern.BOXCAR: ScarType.BOXCAR, Concern.ROLLING: ScarType.ROLLING,
         Concern.PIGMENTATION: ScarType.MACULAR}
ATROPHIC = (ScarType.ICE_PICK, ScarType.BOXCAR, ScarType.ROLLING)
ALSO_FOUND = {ScarType.ICE_PICK: 0.3, ScarType.BOXCAR: 0.35, ScarType.ROLLING: 0.3, ScarType.HYPERTROPHIC: 0.04,
              ScarType.MACULAR: 0.25}  # the chance a type the enquirer did not mention is found too
# Per type: lesion count (low, high), width and depth in tenths of a millimetre (Jacob et al. 2001); None: flat.
COUNTS = {ScarType.ICE_PICK: (2, 25), ScarType.BOXCAR: (3, 40), ScarType.ROLLING: (3, 30),
          ScarType.HYPERTROPHIC: (1, 6), ScarType.MACULAR: (5, 50)}
WIDTHS = {ScarType.ICE_PICK: (5, 19), ScarType.BOXCAR: (15, 40), ScarType.ROLLING: (40, 80),
          ScarType.HYPERTROPHIC: (20, 60), ScarType.MACULAR: (20, 80)}
DEPTHS = {ScarType.ICE_PICK: (8, 25), ScarType.BOXCAR: (1, 10), ScarType.ROLLING: (2, 8)}
DEEP_BOXCAR = 5  # tenths of a millimetre: a boxcar scar this deep or deeper is deep
CHEEKS = (Area.CHEEK_LEFT, Area.CHEEK_RIGHT)
AREAS = Weighted({  # where atrophic scars and marks are: mostly both cheeks, often with the temples or jaw
    CHEEKS: 26, (Area.TEMPLES, *CHEEKS): 12, (*CHEEKS, Area.CHIN): 8, (*CHEEKS, Area.JAWLINE): 8,
    (Area.FOREHEAD, Area.TEMPLES, *CHEEKS): 6, (*CHEEKS, Area.CHIN, Area.JAWLINE): 6, (Area.CHEEK_LEFT,): 5,
    (Area.CHEEK_RIGHT,): 5, (Area.TEMPLES,): 4, (Area.FOREHEAD,): 4, (Area.CHIN, Area.JAWLINE): 5,
    (*CHEEKS, Area.NOSE): 3, (Area.CHIN, Area.PERIORAL): 3, (Area.FOREHEAD, Area.TEMPLES): 3, (Area.CHIN,): 2})
RAISED_AREAS = Weighted({(Area.JAWLINE,): 35, (Area.CHIN,): 25, (Area.CHIN, Area.JAWLINE): 20, (Area.CHEEK_LEFT,): 10,
                         (Area.CHEEK_RIGHT,): 10})
OTHER_AREAS = ("back", "chest", "shoulders", "upper back and shoulders")
KELOID_AREAS = Weighted({KeloidArea.UNDER_5: 80, KeloidArea.FROM_5_TO_20: 17, KeloidArea.OVER_20: 3})
# The chance of "yes" to each screening question; "not asked" is rarer still.
SCREEN_YES = {"active_acne": 0.12, "keloid_history": 0.03, "anticoagulants": 0.02, "photosensitising": 0.05,
              "pregnancy": 0.015, "immunosuppression": 0.01, "diabetes": 0.01, "skin_infection": 0.01}
NOT_ASKED = 0.02
LIKELY = 0.6  # active acne when the enquirer said so; a keloid history when raised scars are found
HERPES = Weighted({HerpesStatus.NONE: 78, HerpesStatus.HISTORY: 18, HerpesStatus.ACTIVE: 1,
                   HerpesStatus.NOT_ASKED: 3})
ISOTRETINOIN = Weighted({Answer.YES: 30, Answer.NO: 67, Answer.NOT_ASKED: 3})  # common after severe acne
NOTES = ("Scarring mainly on the cheeks; patient keen to improve texture.", "Photographs taken with consent.",
         "Discussed realistic outcomes: improvement, not removal.", "Mixed scarring, worse on the left.",
         "Some post-inflammatory erythema still settling.", "Test patch discussed before any resurfacing.")
WELLBEING = ("Realistic expectations; understands several sessions are needed.",
             "Self-conscious about the scarring at work; expectations discussed.",
             "Low mood about appearance; GP support already in place.", "Expects an improvement for a wedding.")
SIZED, MEASURED, COUNTED, GB_COUNTED = 0.7, 0.25, 0.55, 0.85
ABSENT = {"present": False, "count": None, "count_band": None, "width_mm": None, "depth_mm": None, "size_basis": None,
          "areas": [], "other_areas": None}  # a scar type not found
RECENT_DAYS = 183  # isotretinoin within about 6 months: no dermabrasion or fully ablative laser yet


@dataclass
class Seen:
    """What the plan and the sessions need from an assessment: the types present, skin, contraindications."""

    present: list[ScarType]
    predominant: ScarType | None
    darker: bool  # skin type IV–VI
    ablative_deferred: bool  # isotretinoin within 6 months
    areas: list[str] = field(default_factory=list)  # every facial area with scars, in Area order


def _tenths(rng: random.Random, bounds: tuple[int, int]) -> int:
    """A size in tenths of a millimetre, as stored hundredths (Hundredths)."""
    return between(rng, *bounds) * 10


class Assessor:
    """Writes one assessment and its five scar findings per attended consultation into `rows`."""

    def __init__(self, rng: random.Random, calendar: Calendar, rows, ids):
        self.rng, self.cal, self.rows, self.ids = rng, calendar, rows, ids
        self._area_lists: dict[tuple | frozenset, list[str]] = {}

    def assess(self, enquiry_id: int, appointment_id: int, specialist: int, moment: int,
               concerns: list[Concern]) -> Seen:
        """The assessment recorded as the consultation ended at `moment`."""
        rng = self.rng
        present = self._present(concerns)
        counts = {t: between(rng, *COUNTS[t]) for t in present}
        skin = SKIN_TYPES.pick(rng)
        assessment_id = self.ids.take("assessments")
        at = self.cal.stored(moment)
        depths, areas = self._findings(assessment_id, present, counts, at)
        grade = self._grade(present, counts)
        row = {
            "id": assessment_id, "appointment_id": appointment_id, "enquiry_id": enquiry_id,
            "assessed_by_id": specialist, "assessed_at": at, "skin_type": skin,
            "distensible": self._distensible(grade),
            "predominant": max(present, key=counts.get) if present and rng.random() < 0.9 else None,
            "gb_grade": grade, "gb_keloid_area": KeloidArea.NONE,
            "notes": choice(rng, NOTES) if rng.random() < 0.25 else None,
            "wellbeing_note": choice(rng, WELLBEING) if rng.random() < 0.2 else None,
            "created_at": at, "updated_at": at, "version": 1,
            **dict.fromkeys(COUNT_COLUMNS),
        }
        if rng.random() < GB_COUNTED:
            self._gb_counts(row, counts, depths, grade)
        recent = self._screen(row, moment, concerns, present)
        self.rows.assessments.append(row)
        return Seen(present, row["predominant"], skin.darker, recent, areas)

    def _present(self, concerns: list[Concern]) -> list[ScarType]:
        """The scar types found: those asked about, often others besides; mixed scarring is two or three."""
        rng = self.rng
        found = {ASKED[c] for c in concerns if c in ASKED}
        if Concern.MIXED in concerns:
            left_out = choice(rng, ATROPHIC) if rng.random() < 0.6 else None  # two types of the three, or all
            found.update(t for t in ATROPHIC if t is not left_out)
        for scar_type, chance in ALSO_FOUND.items():
            if scar_type not in found and rng.random() < chance:
                found.add(scar_type)
        if not found:  # active acne or "other" alone: some shallow scarring or marks all the same
            found.add(ScarType.BOXCAR if rng.random() < 0.6 else ScarType.MACULAR)
        return [t for t in ScarType if t in found]

    def _areas(self, scar_type: ScarType) -> tuple[Area, ...]:
        """The facial areas with scars of this type."""
        return (RAISED_AREAS if scar_type is ScarType.HYPERTROPHIC else AREAS).pick(self.rng)

    def _area_list(self, areas) -> list[str]:
        """Area values in the form's order, the same list for the same areas (the loader writes each list once)."""
        key = areas if isinstance(areas, tuple) else frozenset(areas)
        found = self._area_lists.get(key)
        if found is None:
            found = self._area_lists[key] = [a.value for a in Area if a in areas]
        return found

    def _findings(self, assessment_id: int, present: list[ScarType], counts: dict, at: str) -> tuple[dict, list]:
        """One row per scar type, present or not; the depths given (tenths of a mm) and every area scarred."""
        rng, take, append = self.rng, self.ids.take, self.rows.scar_findings.append
        depths, areas = {}, set()
        for position, scar_type in enumerate(ScarType):
            row = {"id": take("scar_findings"), "assessment_id": assessment_id, "scar_type": scar_type,
                   "position": position, **ABSENT, "created_at": at, "updated_at": at}
            append(row)
            count = counts.get(scar_type)
            if count is None:
                continue
            where = self._areas(scar_type)
            areas.update(where)
            row.update(present=True, areas=self._area_list(where))
            if rng.random() < COUNTED:
                row["count"] = count
            else:
                row["count_band"] = CountBand.of(count)
            if rng.random() < 0.06:
                row["other_areas"] = choice(rng, OTHER_AREAS)
            if rng.random() < SIZED:
                row["width_mm"] = _tenths(rng, WIDTHS[scar_type])
                row["size_basis"] = SizeBasis.MEASURED if rng.random() < MEASURED else SizeBasis.ESTIMATED
                if scar_type in DEPTHS:
                    row["depth_mm"] = _tenths(rng, DEPTHS[scar_type])
                    depths[scar_type] = row["depth_mm"] // 10
        return depths, self._area_list(areas)

    def _grade(self, present: list[ScarType], counts: dict) -> int:
        """Goodman & Baron qualitative grade: 1 for flat marks alone, else 2–4, higher with more atrophic scars."""
        atrophic = sum(counts.get(t, 0) for t in ATROPHIC)
        if not any(t is not ScarType.MACULAR for t in present):
            return 1
        severity = self.rng.random() + min(0.3, atrophic / 200)
        return 2 if severity < 0.4 else 3 if severity < 0.85 else 4

    def _distensible(self, grade: int) -> Answer:
        """Grade 3 flattens on stretching, grade 4 does not; grade 1 has no contour to stretch."""
        roll = self.rng.random()
        if grade == 1:
            return Answer.NOT_ASKED
        if grade == 3:
            return Answer.YES if roll < 0.9 else Answer.NOT_ASKED
        if grade == 4:
            return Answer.NO if roll < 0.9 else Answer.NOT_ASKED
        return Answer.YES if roll < 0.5 else Answer.NO if roll < 0.8 else Answer.NOT_ASKED

    def _gb_counts(self, row: dict, counts: dict, depths: dict, grade: int) -> None:
        """The lesion counts per subtype of the paper's table, and raised scarring by area."""
        rng = self.rng
        for scar_type, count in counts.items():
            if scar_type is ScarType.ICE_PICK:
                row["gb_deep_abnormal"] = count
            elif scar_type is ScarType.BOXCAR:
                deep = depths[scar_type] >= DEEP_BOXCAR if scar_type in depths else rng.random() < 0.4
                row["gb_deep_punched" if deep else "gb_shallow_punched"] = count
            elif scar_type is ScarType.ROLLING:
                row["gb_deep_broad" if grade == 4 else "gb_shallow_broad"] = count
            elif scar_type is ScarType.MACULAR:
                row["gb_macular"] = count
            else:
                row["gb_papular"] = count
                row["gb_keloid_area"] = KELOID_AREAS.pick(rng) if rng.random() < 0.5 else KeloidArea.NONE

    def _screen(self, row: dict, moment: int, concerns: list[Concern], present: list[ScarType]) -> bool:
        """The contraindication screen's answers; whether isotretinoin was taken in the last 6 months."""
        rng = self.rng
        likely = {"active_acne": Concern.ACTIVE_ACNE in concerns, "keloid_history": ScarType.HYPERTROPHIC in present}
        for column, _label in SCREEN_QUESTIONS:
            chance = LIKELY if likely.get(column) else SCREEN_YES[column]
            roll = rng.random()
            row[column] = Answer.YES if roll < chance else Answer.NOT_ASKED if roll > 1 - NOT_ASKED else Answer.NO
        row["herpes"] = HERPES.pick(rng)
        row["isotretinoin"] = answer = ISOTRETINOIN.pick(rng)
        row["isotretinoin_last_taken"] = None
        if answer is not Answer.YES:
            return False
        days = between(rng, 30, 180) if rng.random() < 0.1 else between(rng, 181, 8 * 365)
        taken = self.cal.day(moment) - timedelta(days=days)
        if rng.random() < 0.5:
            taken = taken.replace(day=1)  # an estimate, as the form suggests
        row["isotretinoin_last_taken"] = self.cal.stored_day(taken)
        return (self.cal.day(moment) - taken).days < RECENT_DAYS
