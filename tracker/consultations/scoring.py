"""Goodman & Baron scoring of an assessment, and the findings a specialist would want a second look at.

The quantitative score follows the table of Goodman & Baron, J Cosmet Dermatol 2006;5:48, subtype by
subtype: each lesion subtype scores its class's points times a multiplier for how many lesions of that
subtype there are, and hypertrophic or keloid scarring scores by the area it covers. The maximum is 84.
"""

from dataclasses import dataclass
from typing import NamedTuple

from tracker.consultations.models import Answer, Assessment, CountBand, KeloidArea, ScarType


class Subtype(NamedTuple):
    """One row of the paper's table: the Assessment column counting it, its wording, and a short name."""

    column: str
    label: str
    short: str  # for lists of changed fields


class LesionClass(NamedTuple):
    """A class heading of the paper's table and the points each lesion of its subtypes scores."""

    name: str
    points: int
    subtypes: tuple[Subtype, ...]


# The paper's table, in its order.
LESION_CLASSES = (
    LesionClass("Mild", 1, (
        Subtype("gb_macular", "Macular erythematous or pigmented scars", "macular lesions"),
        Subtype("gb_mild_atrophic", "Mildly atrophic dish-like scars", "mildly atrophic lesions"))),
    LesionClass("Moderate", 2, (
        Subtype("gb_moderate_atrophic", "Moderately atrophic dish-like scars", "moderately atrophic lesions"),
        Subtype("gb_shallow_punched", "Punched-out scars with shallow bases, small (< 5 mm)",
                "shallow punched-out lesions"),
        Subtype("gb_shallow_broad", "Shallow but broad atrophic areas", "shallow broad atrophic lesions"))),
    LesionClass("Severe", 3, (
        Subtype("gb_deep_punched", "Punched-out scars with deep but normal-looking bases, small (< 5 mm)",
                "deep punched-out lesions"),
        Subtype("gb_deep_abnormal", "Punched-out scars with deep, abnormal bases (ice pick), small (< 5 mm)",
                "ice pick lesions"),
        Subtype("gb_linear", "Linear or troughed dermal scarring", "linear or troughed lesions"),
        Subtype("gb_deep_broad", "Deep, broad atrophic areas", "deep broad atrophic lesions"))),
    LesionClass("Hyperplastic", 2, (Subtype("gb_papular", "Papular scars", "papular lesions"),)),
)
SUBTYPES = tuple(subtype for lesion_class in LESION_CLASSES for subtype in lesion_class.subtypes)
COUNT_COLUMNS = tuple(subtype.column for subtype in SUBTYPES)
MULTIPLIERS = {CountBand.FEW: 1, CountBand.SEVERAL: 2, CountBand.MANY: 3}
KELOID_POINTS = {KeloidArea.NONE: 0, KeloidArea.UNDER_5: 6, KeloidArea.FROM_5_TO_20: 12, KeloidArea.OVER_20: 18}
KELOID_CLASS = LESION_CLASSES[-1].name  # hypertrophic or keloid scarring is hyperplastic too, scored by area
KELOID_LABEL = "Hypertrophic or keloid scars (by area)"
MAX_SCORE = (sum(c.points * len(c.subtypes) for c in LESION_CLASSES) * MULTIPLIERS[CountBand.MANY]
             + KELOID_POINTS[KeloidArea.OVER_20])

# The qualitative grades, as the scale words them.
GRADES = {
    1: "Macular: flat marks, red or pigmented, no change in contour",
    2: "Mild: not obvious at 50 cm or more, covered by make-up",
    3: "Moderate: obvious at 50 cm or more, flattens on stretching",
    4: "Severe: obvious at 50 cm or more, does not flatten on stretching",
}
ICE_PICK_WIDEST, BOXCAR_WIDEST = 2, 5  # millimetres (Jacob et al. 2001)


@dataclass(frozen=True)
class ScoreLine:
    """One row of the breakdown: a lesion subtype, how many, and what it scores."""

    lesion_class: str
    subtype: str
    count: int | None  # None: not counted (and for hypertrophic or keloid scarring, scored by area)
    band: str  # the count band or the area, as shown
    points: int  # per lesion (for hypertrophic or keloid scarring, for the area)
    multiplier: int
    subtotal: int


@dataclass(frozen=True)
class Score:
    """The quantitative score with its breakdown."""

    lines: tuple[ScoreLine, ...]
    total: int
    maximum: int = MAX_SCORE

    @property
    def by_class(self) -> list[tuple[str, list[ScoreLine]]]:
        """The lines grouped under their class headings, in the table's order."""
        groups: dict[str, list[ScoreLine]] = {}
        for line in self.lines:
            groups.setdefault(line.lesion_class, []).append(line)
        return list(groups.items())


def _line(lesion_class: LesionClass, subtype: Subtype, count: int | None) -> ScoreLine:
    band = CountBand.of(count)
    multiplier = MULTIPLIERS.get(band, 0)
    shown = band.label if band else "Not counted" if count is None else "None"
    return ScoreLine(lesion_class.name, subtype.label, count, shown, lesion_class.points, multiplier,
                     lesion_class.points * multiplier)


def score(assessment: Assessment) -> Score:
    """The Goodman & Baron quantitative score, recomputed from the stored counts per subtype."""
    lines = [_line(lesion_class, subtype, getattr(assessment, subtype.column))
             for lesion_class in LESION_CLASSES for subtype in lesion_class.subtypes]
    area = assessment.gb_keloid_area or KeloidArea.NONE
    keloid = KELOID_POINTS[area]
    lines.append(ScoreLine(KELOID_CLASS, KELOID_LABEL, None, area.label, keloid, 1 if keloid else 0, keloid))
    return Score(tuple(lines), sum(line.subtotal for line in lines))


def _mm(value) -> str:
    return f"{value.normalize():f}"


def _width_warnings(assessment: Assessment) -> list[str]:
    found = []
    ice_pick, boxcar = assessment.finding(ScarType.ICE_PICK), assessment.finding(ScarType.BOXCAR)
    if ice_pick is not None and ice_pick.width_mm is not None and ice_pick.width_mm >= ICE_PICK_WIDEST:
        found.append(f"Ice pick scars are usually under {ICE_PICK_WIDEST} mm wide, but {_mm(ice_pick.width_mm)} mm was "
                     "recorded: check the width, or whether these are boxcar scars.")
    if boxcar is not None and boxcar.width_mm is not None and boxcar.width_mm > BOXCAR_WIDEST:
        found.append(f"Boxcar scars are usually 1.5–4 mm wide, but {_mm(boxcar.width_mm)} mm was recorded: check the "
                     "width, or whether these are rolling scars.")
    return found


def _grade_warnings(assessment: Assessment) -> list[str]:
    grade, present = assessment.gb_grade, set(assessment.present_types)
    contoured = sorted((t for t in present if t is not ScarType.MACULAR), key=list(ScarType).index)
    if grade == 1 and contoured:
        names = ", ".join(t.label.lower() for t in contoured)
        return [f"Grade 1 (macular) was chosen, but {names} scars are recorded: they change the skin's contour."]
    if grade in (2, 3, 4) and not contoured:
        found = "only macular scars are" if present else "no scars are"
        return [f"Grade {grade} describes scars that change the skin's contour, but {found} recorded."]
    if grade == 3 and assessment.distensible is Answer.NO:
        return ["Grade 3 (moderate) scarring flattens on stretching, but the scarring was recorded as not "
                "distensible: grade 4 may fit better."]
    if grade == 4 and assessment.distensible is Answer.YES:
        return ["Grade 4 (severe) scarring does not flatten on stretching, but the scarring was recorded as "
                "distensible: grade 3 may fit better."]
    return []


def warnings(assessment: Assessment) -> list[str]:
    """Findings that look unusual or contradict the grade (findings loaded); advice only, never a refusal."""
    return _width_warnings(assessment) + _grade_warnings(assessment)
