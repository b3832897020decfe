"""Goodman & Baron quantitative score (worked by hand) and the warnings on unusual or contradictory findings."""

from decimal import Decimal

import pytest

from tracker.consultations.models import Answer, Assessment, KeloidArea, ScarFinding, ScarType, SkinType
from tracker.consultations.scoring import MAX_SCORE, score, warnings


def _assessment(*, present=(), grade=2, distensible=Answer.NOT_ASKED, widths=None, **counts) -> Assessment:
    """An in-memory assessment: the given types present (widths in mm by type), the G&B counts given."""
    widths = widths or {}
    findings = [ScarFinding(scar_type=t, position=i, present=t in present, areas=[],
                            width_mm=Decimal(widths[t]) if t in widths else None) for i, t in enumerate(ScarType)]
    return Assessment(skin_type=SkinType.III, gb_grade=grade, distensible=distensible, findings=findings, **counts)


# --- the quantitative score -----------------------------------------------------------------

# The paper's table (Goodman & Baron, J Cosmet Dermatol 2006;5:48), copied by hand: column, wording, points.
PAPER = (
    ("gb_macular", "Macular erythematous or pigmented scars", 1),
    ("gb_mild_atrophic", "Mildly atrophic dish-like scars", 1),
    ("gb_moderate_atrophic", "Moderately atrophic dish-like scars", 2),
    ("gb_shallow_punched", "Punched-out scars with shallow bases, small (< 5 mm)", 2),
    ("gb_shallow_broad", "Shallow but broad atrophic areas", 2),
    ("gb_deep_punched", "Punched-out scars with deep but normal-looking bases, small (< 5 mm)", 3),
    ("gb_deep_abnormal", "Punched-out scars with deep, abnormal bases (ice pick), small (< 5 mm)", 3),
    ("gb_linear", "Linear or troughed dermal scarring", 3),
    ("gb_deep_broad", "Deep, broad atrophic areas", 3),
    ("gb_papular", "Papular scars", 2),
)
LABEL = {column: label for column, label, _ in PAPER}


def _line(result, column: str):
    [line] = [line for line in result.lines if line.subtype == LABEL[column]]
    return line


def test_the_breakdown_lists_each_subtype_of_the_paper_under_its_class_then_keloid_by_area():
    result = score(_assessment())
    assert [(line.subtype, line.points) for line in result.lines[:-1]] == [(label, p) for _, label, p in PAPER]
    assert [(name, len(lines)) for name, lines in result.by_class] == [
        ("Mild", 2), ("Moderate", 3), ("Severe", 4), ("Hyperplastic", 2)]
    keloid = result.lines[-1]
    assert (keloid.lesion_class, keloid.subtype) == ("Hyperplastic", "Hypertrophic or keloid scars (by area)")


def test_nothing_counted_scores_zero():
    result = score(_assessment())
    assert result.total == 0
    assert [line.subtotal for line in result.lines] == [0] * 11
    assert {line.band for line in result.lines[:-1]} == {"Not counted"}


def test_twelve_macular_five_ice_pick_and_keloid_of_5_to_20_cm2_score_17():
    # macular: 1 point x 2 (11–20 lesions) = 2; deep abnormal (ice pick): 3 points x 1 (1–10) = 3;
    # keloid 5–20 cm² = 12. 2 + 3 + 12 = 17.
    result = score(_assessment(gb_macular=12, gb_deep_abnormal=5, gb_keloid_area=KeloidArea.FROM_5_TO_20))
    assert result.total == 17
    macular, ice_pick, keloid = _line(result, "gb_macular"), _line(result, "gb_deep_abnormal"), result.lines[-1]
    assert (macular.lesion_class, macular.count, macular.band, macular.points, macular.multiplier,
            macular.subtotal) == ("Mild", 12, "11–20", 1, 2, 2)
    assert (ice_pick.lesion_class, ice_pick.count, ice_pick.band, ice_pick.points, ice_pick.multiplier,
            ice_pick.subtotal) == ("Severe", 5, "1–10", 3, 1, 3)
    assert (keloid.band, keloid.points, keloid.multiplier, keloid.subtotal) == ("5–20 cm²", 12, 1, 12)
    others = [line for line in result.lines[:-1] if line not in (macular, ice_pick)]
    assert {(line.count, line.band, line.subtotal) for line in others} == {(None, "Not counted", 0)}


def test_every_subtype_over_20_and_keloid_over_20_cm2_scores_the_maximum_of_84():
    # mild 2 subtypes x 1 point x 3 = 6; moderate 3 x 2 x 3 = 18; severe 4 x 3 x 3 = 36; papular 2 x 3 = 6;
    # keloid over 20 cm² = 18. 6 + 18 + 36 + 6 + 18 = 84 (2x3 + 3x6 + 4x9 + 6 + 18).
    counts = {column: 21 + n * 50 for n, (column, _, _) in enumerate(PAPER)}  # 21 up to 471: all over 20
    result = score(_assessment(**counts, gb_keloid_area=KeloidArea.OVER_20))
    assert result.total == 84 == MAX_SCORE == result.maximum
    assert [line.multiplier for line in result.lines[:-1]] == [3] * 10


def test_two_subtypes_of_one_class_are_scored_separately():
    # 21 macular: 1 x 3 = 3; 21 mildly atrophic: 1 x 3 = 3. 3 + 3 = 6 (counting the class once would give 3).
    assert score(_assessment(gb_macular=21, gb_mild_atrophic=21)).total == 6


def test_25_shallow_punched_15_linear_and_3_papular_score_14():
    # shallow punched-out: 2 points x 3 (over 20) = 6; linear: 3 x 2 (11–20) = 6; papular: 2 x 1 (1–10) = 2.
    # 6 + 6 + 2 = 14.
    result = score(_assessment(gb_shallow_punched=25, gb_linear=15, gb_papular=3))
    assert result.total == 14
    assert [_line(result, c).subtotal for c in ("gb_shallow_punched", "gb_linear", "gb_papular")] == [6, 6, 2]


@pytest.mark.parametrize(("lesions", "multiplier"), [(0, 0), (1, 1), (10, 1), (11, 2), (20, 2), (21, 3), (500, 3)])
@pytest.mark.parametrize(("column", "points"), [(column, points) for column, _, points in PAPER])
def test_the_count_band_boundaries_set_each_subtypes_multiplier(column, points, lesions, multiplier):
    # Each subtype scores its points x 0 (none), 1 (1–10), 2 (11–20) or 3 (over 20); no other subtype counts.
    result = score(_assessment(**{column: lesions}))
    line = _line(result, column)
    assert (line.multiplier, line.subtotal) == (multiplier, points * multiplier)
    assert result.total == points * multiplier


def test_a_count_of_zero_shows_none_rather_than_not_counted():
    assert _line(score(_assessment(gb_papular=0)), "gb_papular").band == "None"


@pytest.mark.parametrize(("area", "points"), [(KeloidArea.NONE, 0), (KeloidArea.UNDER_5, 6),
                                              (KeloidArea.FROM_5_TO_20, 12), (KeloidArea.OVER_20, 18), (None, 0)])
def test_hypertrophic_or_keloid_scarring_scores_by_area(area, points):
    assert score(_assessment(gb_keloid_area=area)).total == points


def test_papular_lesions_and_moderate_ones_score_two_points_each_band():
    # 15 papular: 2 x 2 = 4; 3 moderately atrophic: 2 x 1 = 2; under 5 cm² keloid: 6. 4 + 2 + 6 = 12.
    assert score(_assessment(gb_papular=15, gb_moderate_atrophic=3, gb_keloid_area=KeloidArea.UNDER_5)).total == 12


# --- warnings -------------------------------------------------------------------------------

ICE_PICK, BOXCAR, ROLLING, RAISED, MACULAR = ScarType


@pytest.mark.parametrize(("width", "warned"), [("1.99", False), ("2", True), ("2.5", True)])
def test_an_ice_pick_scar_2_mm_or_wider_is_warned_about(width, warned):
    found = warnings(_assessment(present=[ICE_PICK], widths={ICE_PICK: width}, grade=2))
    assert any(w.startswith("Ice pick scars are usually under 2 mm wide") for w in found) is warned
    assert len(found) == int(warned)


@pytest.mark.parametrize(("width", "warned"), [("4", False), ("5", False), ("5.01", True), ("12", True)])
def test_a_boxcar_scar_wider_than_5_mm_is_warned_about(width, warned):
    found = warnings(_assessment(present=[BOXCAR], widths={BOXCAR: width}, grade=2))
    assert any(w.startswith("Boxcar scars are usually 1.5–4 mm wide") for w in found) is warned
    assert len(found) == int(warned)


@pytest.mark.parametrize("present", [[ICE_PICK], [BOXCAR, MACULAR], [ROLLING], [RAISED]])
def test_grade_1_with_scars_that_change_the_contour_is_warned_about(present):
    [found] = warnings(_assessment(present=present, grade=1))
    assert found.startswith("Grade 1 (macular) was chosen, but")


@pytest.mark.parametrize("present", [[], [MACULAR]])
def test_grade_1_with_only_macular_scars_or_none_is_not_warned_about(present):
    assert warnings(_assessment(present=present, grade=1)) == []


@pytest.mark.parametrize("grade", [2, 3, 4])
@pytest.mark.parametrize(("present", "said"), [([], "no scars are"), ([MACULAR], "only macular scars are")])
def test_grades_2_to_4_with_only_macular_scars_or_none_are_warned_about(grade, present, said):
    assert warnings(_assessment(present=present, grade=grade)) == [
        f"Grade {grade} describes scars that change the skin's contour, but {said} recorded."]


@pytest.mark.parametrize("grade", [2, 3, 4])
def test_grades_2_to_4_with_a_contour_scar_are_not_warned_about(grade):
    assert warnings(_assessment(present=[MACULAR, ROLLING], grade=grade)) == []


@pytest.mark.parametrize(("grade", "distensible", "warned"), [
    (3, Answer.NO, True), (3, Answer.YES, False), (3, Answer.NOT_ASKED, False),
    (4, Answer.YES, True), (4, Answer.NO, False), (4, Answer.NOT_ASKED, False),
    (2, Answer.NO, False), (2, Answer.YES, False),
])
def test_grades_3_and_4_contradicted_by_distensibility_are_warned_about(grade, distensible, warned):
    found = warnings(_assessment(present=[ROLLING], grade=grade, distensible=distensible))
    assert len(found) == int(warned)
    if warned:
        assert ("not distensible" if grade == 3 else "recorded as distensible") in found[0]


def test_warnings_add_up_and_an_ordinary_assessment_has_none():
    busy = _assessment(present=[ICE_PICK, BOXCAR], widths={ICE_PICK: "3", BOXCAR: "7"}, grade=1)
    assert len(warnings(busy)) == 3
    assert warnings(_assessment(present=[ROLLING], grade=3, distensible=Answer.YES)) == []
