"""Decision-support hints: every rule fires when it should and not otherwise; acknowledgements are kept and shown."""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from flask import get_template_attribute
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import count_queries
from tests.properties import ANY_TEXT, PROPERTY
from tracker.bookings.models import AppointmentStatus
from tracker.catalogue.models import Treatment, TreatmentCategory
from tracker.consultations import hints
from tracker.consultations.hints import HintError, acknowledge, acknowledgements, for_assessment, for_item
from tracker.consultations.models import Answer, Assessment, HerpesStatus, HintAcknowledgement, ScarFinding, ScarType
from tracker.consultations.models import SkinType as Skin
from tracker.db import utcnow
from tracker.extensions import db

ON = date(2026, 7, 15)
Cat = TreatmentCategory


# --- in-memory situations: an assessment's findings and screen, and the treatment being added ---------------

@dataclass(frozen=True)
class T:
    """A catalogue treatment by its attributes (the rules never read names or codes)."""

    category: TreatmentCategory = Cat.OTHER
    ablative: bool = False
    surgical: bool = False

    def build(self, name: str = "Some treatment") -> Treatment:
        return Treatment(name=name, code=name.lower().replace(" ", "_"), category=self.category,
                         ablative=self.ablative, surgical=self.surgical)


ABLATIVE_LASER = T(Cat.RESURFACING, ablative=True)
NON_ABLATIVE = T(Cat.RESURFACING)
FILLER = T(Cat.FILLER)
MICRONEEDLING = T(Cat.COLLAGEN_INDUCTION)
SUBCISION = T(Cat.RELEASE, surgical=True)
TCA_CROSS = T(Cat.FOCAL)


@dataclass(frozen=True)
class S:
    """A situation: scar types present, screen answers, and (for item rules) the treatment and the plan's others."""

    scars: tuple = ()
    screen: dict = field(default_factory=dict)
    treatment: T | None = None
    plan: tuple = ()


def assessment(scars=(), **screen) -> Assessment:
    """An unsaved assessment with a finding row per scar type, present for those given."""
    screen.setdefault("skin_type", Skin.II)
    findings = [ScarFinding(scar_type=t, position=i, present=t in scars) for i, t in enumerate(ScarType)]
    return Assessment(findings=findings, **screen)


def fired(s: S, on: date = ON) -> list[str]:
    """The codes of the hints the situation raises: the assessment's, or the item's when a treatment is given."""
    a = assessment(s.scars, **s.screen)
    if s.treatment is None:
        return [h.rule for h in for_assessment(a, on=on)]
    return [h.rule for h in for_item(a, s.treatment.build(), plan_treatments=[p.build(f"Other {i}") for i, p in
                                                                          enumerate(s.plan)], on=on)]


ICE, BOX, ROLL, RAISED, FLAT = ScarType.ICE_PICK, ScarType.BOXCAR, ScarType.ROLLING, ScarType.HYPERTROPHIC, \
    ScarType.MACULAR
YES, NO = Answer.YES, Answer.NO
RECENT = ON - timedelta(days=90)

# (rule, a situation where it fires, a close situation where it does not)
CASES = [
    ("ice_pick_first_line", S((ICE,)), S((BOX,))),
    ("boxcar_first_line", S((BOX, FLAT)), S((ROLL, FLAT))),
    ("rolling_first_line", S((ROLL,)), S((BOX,))),
    ("raised_not_resurfacing", S((RAISED,)), S((FLAT,))),
    ("raised_not_resurfacing", S(screen={"keloid_history": YES}), S(screen={"keloid_history": NO})),
    ("active_acne", S(screen={"active_acne": YES}), S(screen={"active_acne": NO})),
    ("herpes_active", S(screen={"herpes": HerpesStatus.ACTIVE}), S(screen={"herpes": HerpesStatus.HISTORY})),
    ("pregnancy", S(screen={"pregnancy": YES}), S(screen={"pregnancy": Answer.NOT_ASKED})),
    ("item_ice_pick_reach", S((ICE,), treatment=ABLATIVE_LASER),
     S((ICE,), treatment=ABLATIVE_LASER, plan=(TCA_CROSS,))),
    ("item_ice_pick_reach", S((ICE,), treatment=FILLER, plan=(SUBCISION,)), S((ICE,), treatment=MICRONEEDLING)),
    ("item_ice_pick_reach", S((ICE, BOX), treatment=NON_ABLATIVE), S((BOX,), treatment=NON_ABLATIVE)),
    ("item_raised_resurfacing", S((RAISED,), treatment=NON_ABLATIVE), S((RAISED,), treatment=SUBCISION)),
    ("item_raised_resurfacing", S(screen={"keloid_history": YES}, treatment=T(Cat.OTHER, ablative=True)),
     S(screen={"keloid_history": NO}, treatment=ABLATIVE_LASER)),
    ("item_darker_skin_ablative", S(screen={"skin_type": Skin.IV}, treatment=ABLATIVE_LASER),
     S(screen={"skin_type": Skin.III}, treatment=ABLATIVE_LASER)),
    ("item_darker_skin_ablative", S(screen={"skin_type": Skin.VI}, treatment=T(Cat.RESURFACING, ablative=True)),
     S(screen={"skin_type": Skin.VI}, treatment=NON_ABLATIVE)),
    ("item_isotretinoin_ablative", S(screen={"isotretinoin": YES, "isotretinoin_last_taken": RECENT},
                                     treatment=ABLATIVE_LASER),
     S(screen={"isotretinoin": YES, "isotretinoin_last_taken": RECENT}, treatment=NON_ABLATIVE)),
    ("item_isotretinoin_ablative", S(screen={"isotretinoin": YES}, treatment=ABLATIVE_LASER),
     S(screen={"isotretinoin": NO}, treatment=ABLATIVE_LASER)),
    ("item_herpes_active", S(screen={"herpes": HerpesStatus.ACTIVE}, treatment=MICRONEEDLING),
     S(screen={"herpes": HerpesStatus.HISTORY}, treatment=MICRONEEDLING)),
    ("item_herpes_prophylaxis", S(screen={"herpes": HerpesStatus.HISTORY}, treatment=ABLATIVE_LASER),
     S(screen={"herpes": HerpesStatus.HISTORY}, treatment=NON_ABLATIVE)),
    ("item_herpes_prophylaxis", S(screen={"herpes": HerpesStatus.HISTORY}, treatment=ABLATIVE_LASER),
     S(screen={"herpes": HerpesStatus.NONE}, treatment=ABLATIVE_LASER)),
    ("item_pregnancy", S(screen={"pregnancy": YES}, treatment=MICRONEEDLING),
     S(screen={"pregnancy": NO}, treatment=MICRONEEDLING)),
    ("item_anticoagulant_bruising", S(screen={"anticoagulants": YES}, treatment=SUBCISION),
     S(screen={"anticoagulants": YES}, treatment=MICRONEEDLING)),
    ("item_anticoagulant_bruising", S(screen={"anticoagulants": YES}, treatment=FILLER),
     S(screen={"anticoagulants": NO}, treatment=FILLER)),
    ("item_active_acne", S(screen={"active_acne": YES}, treatment=TCA_CROSS),
     S(screen={"active_acne": Answer.NOT_ASKED}, treatment=TCA_CROSS)),
]


@pytest.mark.parametrize(("rule", "fires", "close"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_fires_when_it_should_and_not_in_the_close_case(app, rule, fires, close):
    assert rule in fired(fires)
    assert rule not in fired(close)


def test_every_rule_in_the_table_has_a_firing_and_a_close_case():
    assert {rule for rule, _, _ in CASES} == set(hints.BY_CODE)


def test_rule_codes_are_unique_and_every_rule_has_a_title_message_and_source():
    codes = [rule.code for rule in hints.RULES]
    assert len(codes) == len(set(codes))
    for rule in hints.RULES:
        assert re.fullmatch(r"[a-z_]{1,40}", rule.code), rule.code  # fits the column and a URL segment
        assert rule.scope in (hints.ASSESSMENT, hints.ITEM)
        assert rule.title.strip() and rule.message.strip() and rule.source.strip(), rule.code


def test_every_source_cites_the_literature_or_the_domain_notes():
    known = (hints.JACOB, hints.FABBROCINI, hints.LEE, hints.SKIN_NOTES, hints.SCREEN_NOTES)
    for rule in hints.RULES:
        assert any(citation in rule.source for citation in known), rule.code


def test_no_hint_tells_anyone_to_stop_a_medicine():
    advice = re.compile(r"\b(stop\w*|discontinu\w*|ceas\w*|withh[oe]ld\w*|come off|pause\w*|suspend\w*)\b", re.I)
    for rule in hints.RULES:
        assert not advice.search(rule.message) and not advice.search(rule.title), rule.code
    assert "prescriber" in hints.BY_CODE["item_anticoagulant_bruising"].message


def test_darker_skin_message_names_the_treatments_and_the_alternatives():
    message = hints.BY_CODE["item_darker_skin_ablative"].message
    for words in ("fully ablative laser", "dermabrasion", "medium/deep peels", "non-ablative fractional",
                  "RF microneedling", "subcision", "TCA CROSS", "test spot", "priming"):
        assert words in message


@pytest.mark.parametrize(("last_taken", "fires"), [
    (date(2026, 1, 16), True),  # 5 months 29 days before ON
    (date(2026, 1, 15), False),  # exactly 6 months
    (date(2026, 1, 14), False),  # 6 months and a day
    (ON, True),
])
def test_isotretinoin_within_six_months_before_the_day_fires(app, last_taken, fires):
    situation = S(screen={"isotretinoin": YES, "isotretinoin_last_taken": last_taken}, treatment=ABLATIVE_LASER)
    assert ("item_isotretinoin_ablative" in fired(situation)) is fires


def test_isotretinoin_six_months_counts_calendar_months_from_a_long_month_end(app):
    assert hints.months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    situation = S(screen={"isotretinoin": YES, "isotretinoin_last_taken": date(2026, 3, 1)}, treatment=ABLATIVE_LASER)
    assert "item_isotretinoin_ablative" in fired(situation, on=date(2026, 8, 31))
    situation = S(screen={"isotretinoin": YES, "isotretinoin_last_taken": date(2026, 2, 28)}, treatment=ABLATIVE_LASER)
    assert "item_isotretinoin_ablative" not in fired(situation, on=date(2026, 8, 31))


def test_without_an_assessment_no_hint_fires(app):
    assert for_assessment(None, on=ON) == []
    for t in (ABLATIVE_LASER, NON_ABLATIVE, FILLER, SUBCISION, TCA_CROSS):
        assert for_item(None, t.build(), plan_treatments=[], on=ON) == []


def test_item_rules_read_treatment_attributes_not_names(app):
    a = assessment(skin_type=Skin.V)
    misleading = T(Cat.RESURFACING, ablative=False).build("Fully ablative CO2 laser")
    plain_name = T(Cat.OTHER, ablative=True).build("Deep peel")
    assert "item_darker_skin_ablative" not in [h.rule for h in for_item(a, misleading, plan_treatments=[], on=ON)]
    assert "item_darker_skin_ablative" in [h.rule for h in for_item(a, plain_name, plan_treatments=[], on=ON)]


def test_hints_carry_the_rules_message_source_and_title(app):
    (hint,) = for_assessment(assessment((ICE,)), on=ON)
    rule = hints.BY_CODE["ice_pick_first_line"]
    assert (hint.rule, hint.message, hint.source, hint.title) == (rule.code, rule.message, rule.source, rule.title)


_ANSWER = st.sampled_from([*Answer, None])
_SCREEN = st.fixed_dictionaries({
    "skin_type": st.sampled_from(list(Skin)), "isotretinoin": _ANSWER, "active_acne": _ANSWER,
    "keloid_history": _ANSWER, "anticoagulants": _ANSWER, "pregnancy": _ANSWER,
    "herpes": st.sampled_from([*HerpesStatus, None]),
    "isotretinoin_last_taken": st.none() | st.dates(date(1990, 1, 1), date(2030, 12, 31)),
})
_T = st.builds(T, st.sampled_from(list(Cat)), st.booleans(), st.booleans())


def test_any_assessment_and_treatment_gives_hints_of_the_right_scope_in_table_order(app):
    order = [rule.code for rule in hints.RULES]

    @PROPERTY
    @given(scars=st.sets(st.sampled_from(list(ScarType))), screen=_SCREEN, treatment=_T, plan=st.lists(_T, max_size=3),
           on=st.dates(date(2000, 1, 1), date(2030, 12, 31)))
    def check(scars, screen, treatment, plan, on):
        a = assessment(tuple(scars), **screen)
        for found, scope in ((for_assessment(a, on=on), hints.ASSESSMENT),
                             (for_item(a, treatment.build(), plan_treatments=[p.build() for p in plan], on=on),
                              hints.ITEM)):
            codes = [h.rule for h in found]
            assert all(hints.BY_CODE[c].scope == scope for c in codes)
            assert codes == sorted(set(codes), key=order.index)

    check()


# --- acknowledgements, stored and shown (database) -------------------------------------------------------------

@pytest.fixture
def assessed(app, make_user, make_enquiry, make_appointment):
    """A specialist, an enquiry with an attended consultation, its assessment, and a plan with one item; ids."""
    from tracker.plans.models import PlanItem, TreatmentPlan

    specialist = make_user("specialist")
    enquiry_id = make_enquiry()
    appointment_id = make_appointment(enquiry_id, specialist.id, utcnow() - timedelta(hours=2),
                                      status=AppointmentStatus.ATTENDED)
    with app.app_context():
        a = Assessment(appointment_id=appointment_id, enquiry_id=enquiry_id, assessed_by_id=specialist.id,
                       skin_type=Skin.IV, gb_grade=3)
        db.session.add(a)
        laser = ABLATIVE_LASER.build("Test ablative laser")  # its own row: the seed is not what is tested
        db.session.add(laser)
        plan = TreatmentPlan(enquiry_id=enquiry_id, number=1, practitioner_id=specialist.id)
        db.session.add(plan)
        db.session.flush()
        item = PlanItem(plan_id=plan.id, treatment_id=laser.id, sessions=2, interval_weeks=8, price_pence=60000,
                        reflection_days=2)
        db.session.add(item)
        db.session.commit()
        return SimpleNamespace(specialist=specialist, enquiry_id=enquiry_id, assessment_id=a.id, item_id=item.id)


def _ack(app, c, **kwargs) -> int:
    kwargs = {"enquiry_id": c.enquiry_id, "rule": "ice_pick_first_line", "note": None, "by_id": c.specialist.id,
              "assessment_id": c.assessment_id, **kwargs}
    with app.app_context():
        ack = acknowledge(**kwargs)
        db.session.commit()
        return ack.id


def _ack_rows(app) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(HintAcknowledgement).order_by(HintAcknowledgement.id))
        return [{c.key: getattr(r, c.key) for c in HintAcknowledgement.__table__.columns} for r in rows]


def test_acknowledgement_is_stored_with_who_when_and_note_and_audited(app, assessed, audit_rows):
    before = utcnow()
    ack_id = _ack(app, assessed, note="  Discussed punch techniques; patient prefers TCA CROSS.  \n")
    (row,) = _ack_rows(app)
    assert row["id"] == ack_id
    assert (row["enquiry_id"], row["assessment_id"], row["plan_item_id"], row["rule"], row["by_id"]) == (
        assessed.enquiry_id, assessed.assessment_id, None, "ice_pick_first_line", assessed.specialist.id)
    assert row["note"] == "Discussed punch techniques; patient prefers TCA CROSS."
    assert before <= row["at"] <= utcnow()
    (event,) = audit_rows(entity_type="hint_acknowledgements")
    assert (event["action"], event["entity_id"]) == ("create", ack_id)
    assert event["changes"]["rule"][1] == "ice_pick_first_line"
    assert event["changes"]["by_id"][1] == assessed.specialist.id
    assert event["changes"]["note"][1] == row["note"]


def test_acknowledgement_on_a_plan_item_is_keyed_by_the_item(app, assessed):
    _ack(app, assessed, rule="item_darker_skin_ablative", assessment_id=None, plan_item_id=assessed.item_id,
         note="   ")
    with app.app_context():
        found = acknowledgements(plan_item_ids=[assessed.item_id])
        assert list(found) == [("item", assessed.item_id, "item_darker_skin_ablative")]
        assert next(iter(found.values())).note is None


def test_acknowledgements_load_who_in_one_query_and_the_latest_wins(app, assessed):
    _ack(app, assessed, note="first")
    _ack(app, assessed, note="second")
    _ack(app, assessed, rule="item_pregnancy", assessment_id=None, plan_item_id=assessed.item_id)
    with count_queries(app) as statements, app.app_context():
        found = acknowledgements(assessment_ids=[assessed.assessment_id], plan_item_ids=[assessed.item_id])
        names = {key: ack.by.full_name for key, ack in found.items()}  # `by` is lazy="raise": must be loaded
        notes = {key: ack.note for key, ack in found.items()}
    assert len(statements) == 1
    assert set(names) == {("assessment", assessed.assessment_id, "ice_pick_first_line"),
                          ("item", assessed.item_id, "item_pregnancy")}
    assert notes[("assessment", assessed.assessment_id, "ice_pick_first_line")] == "second"
    assert set(names.values()) == {assessed.specialist.full_name}


def test_acknowledgements_of_no_records_ask_nothing(app):
    with count_queries(app) as statements, app.app_context():
        assert acknowledgements() == {}
    assert statements == []


@pytest.mark.parametrize(("change", "field"), [
    ({"rule": "no_such_rule"}, "rule"),
    ({"rule": ""}, "rule"),
    ({"rule": "item_pregnancy"}, "rule"),  # an item rule on an assessment
    ({"assessment_id": None}, None),  # neither record
    ({"plan_item_id": "item"}, None),  # both records
    ({"note": "x" * 1001}, "note"),
    ({"note": "bad\x00note"}, "note"),
    ({"assessment_id": 10**6}, None),  # no such assessment
])
def test_refused_acknowledgement_stores_nothing(app, assessed, change, field):
    change = {k: assessed.item_id if v == "item" else v for k, v in change.items()}
    with pytest.raises(ValueError) as refused:
        _ack(app, assessed, **change)
    assert isinstance(refused.value, HintError) and refused.value.field == field and str(refused.value)
    assert _ack_rows(app) == []


def test_acknowledgement_on_another_enquirys_record_is_refused(app, assessed, make_enquiry):
    other = make_enquiry()
    with pytest.raises(HintError):
        _ack(app, assessed, enquiry_id=other)
    with pytest.raises(HintError):
        _ack(app, assessed, enquiry_id=other, rule="item_pregnancy", assessment_id=None,
             plan_item_id=assessed.item_id)
    assert _ack_rows(app) == []


def test_note_of_exactly_1000_characters_is_kept(app, assessed):
    _ack(app, assessed, note="n" * 1000)
    assert _ack_rows(app)[0]["note"] == "n" * 1000


def test_any_note_is_stored_stripped_or_refused_beside_the_note(app, assessed):
    @PROPERTY
    @given(note=st.one_of(ANY_TEXT, st.none(), st.text(min_size=995, max_size=1005)))
    def check(note):
        with app.app_context():
            count = db.session.scalar(select(func.count()).select_from(HintAcknowledgement))
            try:
                ack = acknowledge(enquiry_id=assessed.enquiry_id, rule="rolling_first_line", note=note,
                                  by_id=assessed.specialist.id, assessment_id=assessed.assessment_id)
            except HintError as refused:
                db.session.rollback()
                assert refused.field == "note"
                assert db.session.scalar(select(func.count()).select_from(HintAcknowledgement)) == count
                return
            db.session.commit()
            assert ack.note == ((note or "").strip() or None)
            assert ack.note is None or len(ack.note) <= hints.NOTE_MAX

    check()


def test_timeline_entry_shows_the_hint_its_title_and_note_only_when_clinical(app, assessed):
    _ack(app, assessed, note="Patient understands.")
    rule = hints.BY_CODE["ice_pick_first_line"]
    with app.app_context():
        (clinical,) = hints.timeline_entries(assessed.enquiry_id, clinical=True)
        (plain,) = hints.timeline_entries(assessed.enquiry_id, clinical=False)
    for entry in (clinical, plain):
        assert entry.kind == "hint"
        assert entry.by == assessed.specialist.full_name
    assert clinical.title == f"Decision-support hint acknowledged: {rule.title}"
    assert rule.message in clinical.detail and "Patient understands." in clinical.detail
    # The rule's title names what was screened, so the plain entry says only that a hint was acknowledged.
    assert plain.title == "Decision-support hint acknowledged"
    assert plain.detail is None


def test_timeline_entries_take_one_query_however_many_acknowledgements(app, assessed):
    def statements_for_timeline() -> int:
        with count_queries(app) as statements, app.app_context():
            entries = hints.timeline_entries(assessed.enquiry_id, clinical=True)
            assert all(e.by for e in entries)
        return len(statements)

    _ack(app, assessed)
    one = statements_for_timeline()
    for rule in ("boxcar_first_line", "rolling_first_line", "pregnancy", "active_acne"):
        _ack(app, assessed, rule=rule)
    assert statements_for_timeline() == one == 1


# --- the template macro --------------------------------------------------------------------------------------

def _render(app, found, acknowledged, target_id=7) -> str:
    with app.test_request_context():
        macro = get_template_attribute("consultations/_hints.html", "hint_list")
        return str(macro(found, acknowledged, "assessment", target_id, lambda rule: f"/assessments/7/hints/{rule}"))


def test_hint_list_shows_the_label_each_message_its_source_and_a_form_to_acknowledge(app):
    found = for_assessment(assessment((ICE, ROLL)), on=ON)
    html = _render(app, found, {})
    assert 'role="note"' in html and hints.LABEL in html
    for hint in found:
        assert hint.message in html and f"<cite>{hint.source}</cite>" in html
        assert f'action="/assessments/7/hints/{hint.rule}"' in html
        note_id = f"hints-assessment-7-{hint.rule}-note"
        assert f'<label for="{note_id}"' in html and f'<textarea id="{note_id}" name="note"' in html
    assert html.count('name="csrf_token"') == len(found) == 2


def test_hint_list_shows_who_acknowledged_instead_of_the_form(app, assessed):
    _ack(app, assessed, note="Discussed <options>.")
    found = for_assessment(assessment((ICE, ROLL)), on=ON)
    with app.app_context():
        acknowledged = acknowledgements(assessment_ids=[assessed.assessment_id])
        html = _render(app, found, acknowledged, target_id=assessed.assessment_id)
    ice = html.split('data-rule="ice_pick_first_line"')[1].split("</li>")[0]
    rolling = html.split('data-rule="rolling_first_line"')[1].split("</li>")[0]
    assert f"Acknowledged by {assessed.specialist.full_name} on " in ice
    assert ": Discussed &lt;options&gt;." in ice and "<form" not in ice
    assert "<form" in rolling and "Acknowledged by" not in rolling


def test_hint_list_renders_nothing_without_hints(app):
    assert _render(app, [], {}).strip() == ""
