"""Bad input on the catalogue forms: never a 500, every refusal beside its field, nothing saved, the input kept.

Each example is judged by an oracle that states the form's rules independently of the form's code:
which fields must be refused, and, when none is, exactly what must be stored.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from hypothesis import event, example, given
from hypothesis import strategies as st

from tests.catalogue.conftest import by_code, catalogue_audit, edit_form, treatment_form, treatment_rows
from tests.pages import explains, field_error, input_value
from tests.properties import (
    ANY_CHAR,
    ANY_TEXT,
    DIGIT_LIKE,
    HOSTILE,
    PROPERTY,
    VERSION_TEXT,
    as_int,
    checked,
    has_control,
    storable_text,
)
from tracker.catalogue.models import TreatmentCategory

CATEGORIES = [c.value for c in TreatmentCategory]
# name -> (lowest, highest) for the required whole numbers
WHOLE = {"default_sessions": (1, 20), "default_interval_weeks": (1, 52), "reflection_days": (0, 90),
         "position": (0, 999)}
DAYS = ("aftercare_from_days", "aftercare_to_days")
BOXES = ("ablative", "surgical", "active")
STRIPPED = ("name", "aftercare_label")  # trimmed as they are read, so shown back trimmed

NUMBER_TEXT = st.one_of(ANY_TEXT, DIGIT_LIKE, st.integers().map(str), st.integers(-5, 1005).map(str), st.sampled_from(
    ["", " ", " 3 ", "3.0", "1e1", "1_0", "+5", "-0", "\uff11", "\u00b2", "9" * 5000, "0x10", "\x0b", "\x1c5"]))
PRICE_TEXT = st.one_of(ANY_TEXT, st.decimals(allow_nan=True, allow_infinity=True).map(str), st.sampled_from(
    ["", " ", "NaN", "sNaN", "-Infinity", "-0", "-0.01", "1e2", "1E+999999", "1e-5", "0.001", "100000.00",
     "100000.01", "1_000", " 5 ", "12,50", "£12", "9" * 5000, "\u0661\u0662"]))
REVIEW_TEXT = st.one_of(HOSTILE, st.lists(st.integers(-1, 70), max_size=9).map(lambda xs: ", ".join(map(str, xs))),
                        st.sampled_from(["3,,6", "3 6", " 6, 3, 3 ", "0003", "3;6", "3.5", "\u0663", "1,2,3,4,5,6",
                                         "1,2,3,4,5,6,7", "60", "61", ",", "\u2028 3"]))
HOSTILE_FIELDS = {
    "name": st.one_of(HOSTILE, st.sampled_from(["TCA CROSS", " subcision ", "x" * 120, "x" * 121, "   "])),
    "category": st.one_of(ANY_TEXT, st.sampled_from([*CATEGORIES, "RESURFACING", " focal", "\x00"])),
    **{name: NUMBER_TEXT for name in WHOLE},
    "price": PRICE_TEXT,
    "review_months": REVIEW_TEXT,
    "aftercare_label": st.one_of(HOSTILE, st.sampled_from(["", "  ", "Wound check", "y" * 121])),
    **{name: NUMBER_TEXT for name in DAYS},
    **{name: st.one_of(st.none(), ANY_TEXT, st.sampled_from(["y", "false", "", "\x00", "on"])) for name in BOXES},
}


# --- the oracle -------------------------------------------------------------------------------

def _whole_refused(raw: str | None, low: int, high: int) -> bool:
    """A required whole number: sent, no control characters, read by int(), within range."""
    return not raw or has_control(raw) or as_int(raw) is None or not low <= as_int(raw) <= high


def _blank(raw: str | None) -> bool:
    return raw is None or not raw.strip()


def _day_refused(raw: str | None) -> bool:
    """An optional day: blank is no day; anything else is a whole number from 1 to 365."""
    return not _blank(raw) and (has_control(raw) or as_int(raw) is None or not 1 <= as_int(raw) <= 365)


def _price(raw: str | None) -> Decimal | None:
    """The pounds the price field accepts (0 to 100,000, at most two decimals), or None."""
    if not raw or has_control(raw):
        return None
    try:
        pounds = Decimal(raw)
    except (InvalidOperation, ValueError):
        return None
    if not pounds.is_finite() or pounds.as_tuple().exponent < -2 or not 0 <= pounds <= 100000:
        return None
    return pounds


def _reviews(raw: str | None) -> list[int] | None:
    """Months separated by commas or spaces, each 1 to 3 digits and 1 to 60, at most 6 different; None if refused."""
    if raw is None:
        return []
    if has_control(raw):
        return None
    pieces = [p for p in re.split(r"[\s,]+", raw) if p]
    if not all(re.fullmatch(r"[0-9]{1,3}", p) for p in pieces):
        return None
    months = sorted({int(p) for p in pieces})
    return months if all(1 <= m <= 60 for m in months) and len(months) <= 6 else None


def refusals(data: dict) -> set[str]:
    """The fields the form must refuse, each with a message beside it (uniqueness of the name aside)."""
    bad = {name for name, (low, high) in WHOLE.items() if _whole_refused(data.get(name), low, high)}
    name, label = data.get("name"), data.get("aftercare_label")
    if name is None or has_control(name) or not name.strip() or len(name.strip()) > 120:
        bad.add("name")
    if data.get("category") not in CATEGORIES:
        bad.add("category")
    if _price(data.get("price")) is None:
        bad.add("price")
    if _reviews(data.get("review_months")) is None:
        bad.add("review_months")
    if label is not None and (has_control(label) or len(label.strip()) > 120):
        bad.add("aftercare_label")
    bad |= {name for name in DAYS if _day_refused(data.get(name))}
    bad |= {name for name in BOXES if data.get(name) is not None and has_control(data[name])}
    parts = ("aftercare_label", *DAYS)
    if any(not _blank(data.get(p)) for p in parts):  # the check's name and both days, or none of them
        bad |= {p for p in parts if _blank(data.get(p))}
    days_read = not bad & set(DAYS) and not any(_blank(data.get(d)) for d in DAYS)
    if days_read and as_int(data["aftercare_from_days"]) > as_int(data["aftercare_to_days"]):
        bad.add("aftercare_to_days")  # the last day first
    return bad


def _key(name: str) -> str:
    return unicodedata.normalize("NFC", name.strip()).casefold()


def expected_row(data: dict) -> dict:
    """The columns an accepted form must store."""
    label = data["aftercare_label"].strip() or None
    return {"name": data["name"].strip(), "category": TreatmentCategory(data["category"]),
            **{name: as_int(data[name]) for name in WHOLE}, "price_pence": int(_price(data["price"]) * 100),
            "review_months": _reviews(data.get("review_months")), "aftercare_label": label,
            "aftercare_from_days": as_int(data["aftercare_from_days"]) if label else None,
            "aftercare_to_days": as_int(data["aftercare_to_days"]) if label else None,
            **{name: checked(data.get(name)) for name in BOXES}}


def _check_refused(response, data: dict, refused: set[str], before: list[dict], audited: int, app) -> None:
    """Nothing saved, each refusal beside its own field and no other, the input shown back as typed."""
    assert explains(response)
    assert treatment_rows(app) == before and catalogue_audit(app) == audited
    if response.status_code == 409:
        return
    shown = {name for name in HOSTILE_FIELDS if field_error(response, name) is not None}
    assert shown == refused, (shown, refused)
    for name in (*WHOLE, "price", "review_months", "aftercare_label", "name", *DAYS):
        value = data.get(name)
        if value is not None and value.isprintable() and len(value) <= 200:
            assert input_value(response, name) == (value.strip() if name in STRIPPED else value), name


# --- strategies -------------------------------------------------------------------------------

@st.composite
def treatment_forms(draw, base: dict) -> dict:
    """A plausible form (often valid) with up to three fields spoilt."""
    months = draw(st.lists(st.integers(1, 60), max_size=6))
    first = draw(st.integers(1, 365))
    aftercare = draw(st.sampled_from([None, "Wound check"]))
    form = {**base,
            "name": draw(storable_text(1, 40).filter(str.strip)), "category": draw(st.sampled_from(CATEGORIES)),
            **{name: str(draw(st.integers(low, high))) for name, (low, high) in WHOLE.items()},
            "price": str(draw(st.decimals(0, 100000, places=2))), "review_months": ", ".join(map(str, months)),
            "aftercare_label": aftercare or "", "aftercare_from_days": str(first) if aftercare else "",
            "aftercare_to_days": str(draw(st.integers(first, 365))) if aftercare else "",
            **{name: draw(st.sampled_from([None, "y"])) for name in BOXES}}
    for name in draw(st.lists(st.sampled_from(sorted(HOSTILE_FIELDS)), max_size=3, unique=True)):
        form[name] = draw(HOSTILE_FIELDS[name])
    return form


# --- the properties ---------------------------------------------------------------------------

def test_adding_with_any_input_never_500_and_stores_exactly_what_the_rules_allow(app, client, login_as):
    login_as("admin")

    @PROPERTY
    @given(data=treatment_forms({}))
    @example(data=treatment_form(name="<script>alert(1)</script>", review_months="6 3 3"))
    @example(data=treatment_form(name="tca cross"))
    @example(data=treatment_form(default_sessions="9" * 5000, price="NaN", review_months="1,2,3,4,5,6,7"))
    @example(data=treatment_form(aftercare_label="Check", aftercare_from_days="9", aftercare_to_days="3"))
    @example(data=treatment_form(aftercare_label="\x1c", aftercare_from_days="9", aftercare_to_days="\x0b"))
    @example(data=treatment_form(name="a\x00b", category="\x00", position="\u00b2", active="\x00"))
    def check(data):
        before, audited = treatment_rows(app), catalogue_audit(app)
        response = client.post("/admin/treatments/new", data={k: v for k, v in data.items() if v is not None})
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302), response.status_code
        refused = refusals(data)
        if not refused and _key(data["name"]) in {_key(r["name"]) for r in before}:
            refused = {"name"}  # taken: said beside the name
        if response.status_code == 200:
            assert refused, "refused although every field is valid"
            _check_refused(response, data, refused, before, audited, app)
            return
        assert not refused, refused
        after = treatment_rows(app)
        assert len(after) == len(before) + 1 and catalogue_audit(app) == audited + 1
        assert {k: after[-1][k] for k in expected_row(data)} == expected_row(data)

    check()


def test_editing_with_any_input_and_version_never_500_and_changes_nothing_unless_saved(app, client, login_as):
    login_as("admin")
    treatment_id = by_code(app, "chemical_peel")["id"]

    @PROPERTY
    @given(data=treatment_forms({}), version=st.one_of(st.none(), VERSION_TEXT, DIGIT_LIKE))
    @example(data=edit_form(by_code(app, "chemical_peel"), name="SUBCISION"), version=None)
    @example(data=edit_form(by_code(app, "chemical_peel"), price="12.345"), version=None)
    @example(data=edit_form(by_code(app, "chemical_peel"), active=None), version="999")
    @example(data=edit_form(by_code(app, "chemical_peel")), version="\x00")
    def check(data, version):
        before, audited = treatment_rows(app), catalogue_audit(app)
        current = next(r for r in before if r["id"] == treatment_id)
        sent = {**{k: v for k, v in data.items() if v is not None},
                "version": str(current["version"]) if version is None else version}
        response = client.post(f"/admin/treatments/{treatment_id}/edit", data=sent)
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302, 409), response.status_code
        refused = refusals(data)
        version_ok = not has_control(sent["version"]) and as_int(sent["version"]) is not None \
            and 1 <= as_int(sent["version"]) < 2**31
        others = {_key(r["name"]) for r in before if r["id"] != treatment_id}
        if response.status_code == 302:
            assert not refused and version_ok and as_int(sent["version"]) == current["version"]
            assert _key(data["name"]) not in others
            stored = next(r for r in treatment_rows(app) if r["id"] == treatment_id)
            assert {k: stored[k] for k in expected_row(data)} == expected_row(data)
            changed = {k: current[k] for k in expected_row(data)} != expected_row(data)
            assert catalogue_audit(app) == audited + changed
            return
        if response.status_code == 409:
            assert not refused and version_ok and as_int(sent["version"]) != current["version"]
        elif not refused and version_ok:
            refused = {"name"}  # the only refusal left: another treatment has the name
            assert _key(data["name"]) in others
        _check_refused(response, data, refused, before, audited, app)

    check()


_FIELD_NAMES = [*HOSTILE_FIELDS, "version", "csrf_token"]


def test_catalogue_forms_with_fields_missing_repeated_or_unknown_never_500(app, client, login_as):
    login_as("admin")
    routes = ["/admin/treatments/new", "/admin/treatments/1/edit", "/admin/treatments/10/edit"]

    @PROPERTY
    @given(route=st.sampled_from(routes), form=st.dictionaries(
        st.one_of(st.sampled_from(_FIELD_NAMES), st.text(ANY_CHAR, max_size=20)),
        st.lists(ANY_TEXT, min_size=1, max_size=3), max_size=10))
    @example(route=routes[0], form={})
    @example(route=routes[1], form={"name": ["A", "B"], "version": ["1", "2"], "csrf_token": ["forged"]})
    def check(route, form):
        before = treatment_rows(app)
        response = client.post(route, data=form)
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302, 400, 409), response.status_code
        if response.status_code != 302:
            assert treatment_rows(app) == before
        if response.status_code in (200, 409):
            assert explains(response)

    check()
