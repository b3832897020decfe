"""Decision-support hints: the one rule table, what the rules read, and the specialist's acknowledgements.

Every hint is advice for the clinician, labelled as such, carrying its source; none blocks saving or
decides anything (UK GDPR Art. 22). Rules read treatment attributes (category, ablative, surgical),
never treatment names or codes, so an administrator's catalogue changes are followed.
"""

import calendar
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from tracker.catalogue.models import Treatment, TreatmentCategory
from tracker.consultations import hooks
from tracker.consultations.models import Answer, Assessment, HerpesStatus, HintAcknowledgement, ScarType, SkinType
from tracker.db import utcnow
from tracker.enquiries.hooks import Entry
from tracker.errors import ServiceError
from tracker.extensions import db

LABEL = "Decision support — the clinician decides"
NOTE_MAX = 1000
LIMIT = 500  # timeline entries: far beyond any real enquiry, and keeps the page bounded

Scope = Literal["assessment", "item"]
ASSESSMENT: Scope = "assessment"
ITEM: Scope = "item"

# Short citations; the full references are in the domain notes.
JACOB = "Jacob et al. 2001, J Am Acad Dermatol 45:109"
FABBROCINI = "Fabbrocini et al. 2010, Dermatol Res Pract 893080"
LEE = "Lee et al. 2002 (TCA CROSS)"
SKIN_NOTES = "Clinic domain notes: Skin type (Fitzpatrick I–VI)"
SCREEN_NOTES = "Clinic domain notes: Contraindication screen at consultation"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class HintError(ServiceError):
    """An acknowledgement the rules refuse; `field` names the input at fault, if any."""


@dataclass(frozen=True)
class Facts:
    """What the rules read: one assessment's findings and screen, the day judged on, and the treatment being added."""

    on: date
    scar_types: frozenset[ScarType] = frozenset()
    skin_type: SkinType | None = None
    isotretinoin: Answer = Answer.NOT_ASKED
    isotretinoin_last_taken: date | None = None
    herpes: HerpesStatus = HerpesStatus.NOT_ASKED
    active_acne: Answer = Answer.NOT_ASKED
    keloid_history: Answer = Answer.NOT_ASKED
    anticoagulants: Answer = Answer.NOT_ASKED
    pregnancy: Answer = Answer.NOT_ASKED
    treatment: Treatment | None = None
    plan_treatments: tuple[Treatment, ...] = ()

    @classmethod
    def of(cls, assessment: Assessment | None, *, on: date, treatment: Treatment | None = None,
           plan_treatments: Iterable[Treatment] = ()) -> "Facts":
        """An assessment's facts (findings loaded); None means no findings and nothing screened, so no rule fires."""
        others = tuple(plan_treatments)
        if assessment is None:
            return cls(on=on, treatment=treatment, plan_treatments=others)
        return cls(
            on=on, scar_types=frozenset(assessment.present_types),
            skin_type=SkinType(assessment.skin_type) if assessment.skin_type else None,
            isotretinoin=_answer(assessment.isotretinoin), isotretinoin_last_taken=assessment.isotretinoin_last_taken,
            herpes=HerpesStatus(assessment.herpes) if assessment.herpes else HerpesStatus.NOT_ASKED,
            active_acne=_answer(assessment.active_acne), keloid_history=_answer(assessment.keloid_history),
            anticoagulants=_answer(assessment.anticoagulants), pregnancy=_answer(assessment.pregnancy),
            treatment=treatment, plan_treatments=others)

    @property
    def raised(self) -> bool:
        """Hypertrophic or keloid scarring seen now, or in the history."""
        return ScarType.HYPERTROPHIC in self.scar_types or self.keloid_history is Answer.YES

    @property
    def recent_isotretinoin(self) -> bool:
        """Last taken less than six calendar months before the day judged on, or taken with no date recorded."""
        if self.isotretinoin_last_taken is not None:
            return self.isotretinoin_last_taken > months_before(self.on, 6)
        return self.isotretinoin is Answer.YES


def _answer(value) -> Answer:
    # Objects not yet flushed have None where the column default would put "not asked".
    return Answer(value) if value else Answer.NOT_ASKED


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier, or that month's last day when it is shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _category(facts: Facts, *categories: TreatmentCategory) -> bool:
    return facts.treatment is not None and facts.treatment.category in categories


def _ablative(facts: Facts) -> bool:
    return facts.treatment is not None and bool(facts.treatment.ablative)


def _surgical(facts: Facts) -> bool:
    return facts.treatment is not None and bool(facts.treatment.surgical)


def _no_focal_in_plan(facts: Facts) -> bool:
    return not any(t.category == TreatmentCategory.FOCAL for t in facts.plan_treatments)


@dataclass(frozen=True)
class Rule:
    """One hint: when it applies (on an assessment or a plan item), what it says, and where that comes from."""

    code: str
    scope: Scope
    condition: Callable[[Facts], bool]
    message: str
    source: str
    title: str  # short, for the timeline

    def hint(self) -> "Hint":
        return Hint(self.code, self.message, self.source, self.title)


@dataclass(frozen=True)
class Hint:
    """A rule that fired: its code, message and source citation."""

    rule: str
    message: str
    source: str
    title: str


RULES: tuple[Rule, ...] = (
    # --- on the assessment: suitability by scar type, and the screen ---------------------------------
    Rule("ice_pick_first_line", ASSESSMENT, lambda f: ScarType.ICE_PICK in f.scar_types,
         "Ice-pick scars: TCA CROSS or punch techniques (excision, elevation, grafting) are the usual first line; "
         "resurfacing or fillers alone reach them poorly.", f"{JACOB}; {FABBROCINI}; {LEE}",
         "Ice-pick scars: TCA CROSS or punch techniques"),
    Rule("boxcar_first_line", ASSESSMENT, lambda f: ScarType.BOXCAR in f.scar_types,
         "Boxcar scars: resurfacing or RF microneedling are the usual options; punch techniques for deep boxcar "
         "scars (0.5 mm or deeper).", f"{JACOB}; {FABBROCINI}",
         "Boxcar scars: resurfacing or RF microneedling"),
    Rule("rolling_first_line", ASSESSMENT, lambda f: ScarType.ROLLING in f.scar_types,
         "Rolling scars: subcision or fillers to release and lift the tethered skin, then resurfacing.",
         f"{JACOB}; {FABBROCINI}", "Rolling scars: subcision or fillers, then resurfacing"),
    Rule("raised_not_resurfacing", ASSESSMENT, lambda f: f.raised,
         "Hypertrophic or keloid scarring (seen, or in the history): resurfacing is not advised.",
         f"{FABBROCINI}; {SCREEN_NOTES}", "Hypertrophic / keloid: not resurfacing"),
    Rule("active_acne", ASSESSMENT, lambda f: f.active_acne is Answer.YES,
         "Active acne: bring it under control before treating the scars.", SCREEN_NOTES,
         "Active acne: control first"),
    Rule("herpes_active", ASSESSMENT, lambda f: f.herpes is HerpesStatus.ACTIVE,
         "Active herpes simplex: defer treatment until it has healed.", SCREEN_NOTES,
         "Active herpes simplex: defer"),
    Rule("pregnancy", ASSESSMENT, lambda f: f.pregnancy is Answer.YES,
         "Pregnant or breastfeeding: defer elective treatment.", SCREEN_NOTES,
         "Pregnancy or breastfeeding: defer"),
    # --- beside a plan item as it is added ----------------------------------------------------------
    Rule("item_ice_pick_reach", ITEM,
         lambda f: (ScarType.ICE_PICK in f.scar_types and _no_focal_in_plan(f)
                    and _category(f, TreatmentCategory.RESURFACING, TreatmentCategory.FILLER)),
         "Ice-pick scars are present and the plan has no focal treatment: resurfacing and fillers reach ice-pick "
         "scars poorly; consider TCA CROSS or punch techniques.", f"{FABBROCINI}; {LEE}",
         "Ice-pick scars: resurfacing or filler alone"),
    Rule("item_raised_resurfacing", ITEM,
         lambda f: f.raised and (_category(f, TreatmentCategory.RESURFACING) or _ablative(f)),
         "Hypertrophic or keloid scarring (seen, or in the history): resurfacing and ablative treatments are not "
         "advised.", f"{FABBROCINI}; {SCREEN_NOTES}", "Hypertrophic / keloid with resurfacing"),
    Rule("item_darker_skin_ablative", ITEM, lambda f: f.skin_type is not None and f.skin_type.darker and _ablative(f),
         "Skin type IV–VI: much higher risk of post-inflammatory hyperpigmentation after fully ablative laser, "
         "dermabrasion or medium/deep peels; consider non-ablative fractional laser, RF microneedling, "
         "microneedling, subcision or TCA CROSS; test spot; priming.", SKIN_NOTES,
         "Skin type IV–VI with an ablative treatment"),
    Rule("item_isotretinoin_ablative", ITEM, lambda f: f.recent_isotretinoin and _ablative(f),
         "Isotretinoin taken less than 6 months ago (or the date is not recorded): discuss the timing of "
         "dermabrasion or fully ablative laser.", SCREEN_NOTES, "Recent isotretinoin with an ablative treatment"),
    Rule("item_herpes_active", ITEM, lambda f: f.herpes is HerpesStatus.ACTIVE,
         "Active herpes simplex: defer this treatment until it has healed.", SCREEN_NOTES,
         "Active herpes simplex: defer"),
    Rule("item_herpes_prophylaxis", ITEM, lambda f: f.herpes is HerpesStatus.HISTORY and _ablative(f),
         "History of cold sores with an ablative treatment: has antiviral prophylaxis been considered?",
         SCREEN_NOTES, "Cold-sore history: antiviral prophylaxis considered?"),
    Rule("item_pregnancy", ITEM, lambda f: f.pregnancy is Answer.YES,
         "Pregnant or breastfeeding: defer elective treatment.", SCREEN_NOTES,
         "Pregnancy or breastfeeding: defer"),
    Rule("item_anticoagulant_bruising", ITEM,
         lambda f: f.anticoagulants is Answer.YES and (_surgical(f) or _category(f, TreatmentCategory.FILLER)),
         "Anticoagulants or antiplatelets with a surgical treatment or filler: higher risk of bruising; discuss "
         "with the prescriber.", SCREEN_NOTES, "Anticoagulants: bruising risk"),
    Rule("item_active_acne", ITEM, lambda f: f.active_acne is Answer.YES,
         "Active acne: bring it under control before this treatment.", SCREEN_NOTES, "Active acne: control first"),
)
BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}


def _fired(scope: Scope, facts: Facts) -> list[Hint]:
    return [rule.hint() for rule in RULES if rule.scope == scope and rule.condition(facts)]


def for_assessment(assessment: Assessment | None, *, on: date) -> list[Hint]:
    """The assessment's hints (findings must be loaded); none without an assessment."""
    return _fired(ASSESSMENT, Facts.of(assessment, on=on))


def for_item(assessment: Assessment | None, treatment: Treatment, *, plan_treatments: Sequence[Treatment] = (),
             on: date) -> list[Hint]:
    """Hints beside a treatment added to a plan, given the plan's other treatments; none without an assessment."""
    return _fired(ITEM, Facts.of(assessment, on=on, treatment=treatment, plan_treatments=plan_treatments))


def _check_target(enquiry_id: int, assessment_id: int | None, plan_item_id: int | None) -> None:
    """The assessment or plan item must be the enquiry's (a plan item's enquiry: hooks.item_enquiry, from plans)."""
    if assessment_id is not None:
        owner = db.session.scalar(select(Assessment.enquiry_id).where(Assessment.id == assessment_id))
    else:
        owner = next((found for found in hooks.item_enquiry.ask(plan_item_id) if found is not None), None)
    if owner != enquiry_id:
        raise HintError("That record is not part of this enquiry.")


def acknowledge(*, enquiry_id: int, rule: str, note: str | None, by_id: int, assessment_id: int | None = None,
                plan_item_id: int | None = None) -> HintAcknowledgement:
    """Record that a specialist saw a hint on an assessment or a plan item, with an optional note."""
    found = BY_CODE.get(rule)
    if found is None:
        raise HintError("This is not a decision-support hint the tracker knows.", "rule")
    if (assessment_id is None) == (plan_item_id is None):
        raise HintError("Acknowledge a hint on either an assessment or a plan item.")
    if found.scope != (ASSESSMENT if assessment_id is not None else ITEM):
        raise HintError("This hint does not belong to that kind of record.", "rule")
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        raise HintError(f"Keep the note to {NOTE_MAX} characters or fewer.", "note")
    if note is not None and _CONTROL.search(note):
        raise HintError("This contains characters that cannot be stored; please retype it.", "note")
    _check_target(enquiry_id, assessment_id, plan_item_id)
    acknowledgement = HintAcknowledgement(enquiry_id=enquiry_id, assessment_id=assessment_id,
                                          plan_item_id=plan_item_id, rule=rule, note=note, at=utcnow(), by_id=by_id)
    db.session.add(acknowledgement)
    db.session.flush()
    return acknowledgement


def acknowledgements(*, assessment_ids: Iterable[int] = (),
                     plan_item_ids: Iterable[int] = ()) -> dict[tuple[str, int, str], HintAcknowledgement]:
    """The latest acknowledgement of each hint on these records, keyed (kind, id, rule), who made it loaded."""
    assessment_ids, plan_item_ids = list(assessment_ids), list(plan_item_ids)
    where = ([HintAcknowledgement.assessment_id.in_(assessment_ids)] if assessment_ids else []) + (
        [HintAcknowledgement.plan_item_id.in_(plan_item_ids)] if plan_item_ids else [])
    if not where:
        return {}
    stmt = (select(HintAcknowledgement).where(or_(*where)).options(joinedload(HintAcknowledgement.by))
            .order_by(HintAcknowledgement.at, HintAcknowledgement.id))
    found = {}
    for ack in db.session.scalars(stmt):  # oldest first, so a later acknowledgement replaces an earlier one
        key = (ASSESSMENT, ack.assessment_id, ack.rule) if ack.assessment_id is not None else (
            ITEM, ack.plan_item_id, ack.rule)
        found[key] = ack
    return found


def timeline_entries(enquiry_id: int, *, clinical: bool) -> list:
    """The enquiry's acknowledgements as timeline entries, newest first; the hint and note only when clinical."""
    stmt = (select(HintAcknowledgement).where(HintAcknowledgement.enquiry_id == enquiry_id)
            .options(joinedload(HintAcknowledgement.by))
            .order_by(HintAcknowledgement.at.desc(), HintAcknowledgement.id.desc()).limit(LIMIT))
    entries = []
    for ack in db.session.scalars(stmt):
        rule = BY_CODE.get(ack.rule)
        detail = None
        if clinical:
            detail = "\n".join(part for part in (rule.message if rule else None,
                                                f"Note: {ack.note}" if ack.note else None) if part) or None
        # The rule's title says what was screened (pregnancy, cold sores...): clinical detail too.
        title = f"Decision-support hint acknowledged: {rule.title if rule else ack.rule}" if clinical else (
            "Decision-support hint acknowledged")
        entries.append(Entry(ack.at, "hint", title, ack.by.full_name, detail))
    return entries
