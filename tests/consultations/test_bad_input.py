"""Bad input on the assessment form: never a 500, errors beside the fields, nothing saved half-way, input kept."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st
from markupsafe import escape

from tests.consultations.conftest import assessment_form, assessment_rows, finding
from tests.pages import explains, field_error
from tests.properties import ANY_CHAR, ANY_TEXT, DIGIT_LIKE, HOSTILE, PROPERTY, VERSION_TEXT, as_int, has_control
from tracker.bookings.models import Appointment, AppointmentStatus
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
from tracker.enquiries.models import Enquiry
from tracker.extensions import db

COUNTS = ("gb_macular", "gb_mild_atrophic", "gb_moderate_atrophic", "gb_shallow_punched", "gb_shallow_broad",
          "gb_deep_punched", "gb_deep_abnormal", "gb_linear", "gb_deep_broad", "gb_papular")  # per subtype
TEXT_LIMITS = {"notes": 5000, "wellbeing_note": 2000}
CHOICES = {
    "skin_type": {t.value for t in SkinType}, "distensible": {a.value for a in Answer},
    "gb_grade": {"1", "2", "3", "4"}, "gb_keloid_area": {k.value for k in KeloidArea},
    "isotretinoin": {a.value for a in Answer}, "herpes": {h.value for h in HerpesStatus},
    "predominant": {"", *(t.value for t in ScarType)}, **{column: {a.value for a in Answer} for column, _ in
                                                          SCREEN_QUESTIONS},
}
SCAR_CHOICES = {"count_band": {"", *(b.value for b in CountBand)}, "size_basis": {"", *(s.value for s in SizeBasis)}}
MM_LIMITS = {"width_mm": Decimal(30), "depth_mm": Decimal(10)}
_COUNT_TEXT = st.one_of(ANY_TEXT, DIGIT_LIKE, st.integers(-10, 600).map(str),
                        st.sampled_from(["", " ", "0", "500", "501", "-1", "1e2", " 7 ", "9" * 5000, "3.5"]))
_MM_TEXT = st.one_of(ANY_TEXT, DIGIT_LIKE, st.decimals(-5, 40, places=3).map(str),
                     st.sampled_from(["", "0", "0.00", "-0", "0.01", "0.001", "2.555", "30", "30.01", "10", "10.01",
                                      "NaN", "sNaN", "Infinity", "-Infinity", "1e1", "1e-9", "1e999999", "9" * 5000]))
_DATE_TEXT = st.one_of(ANY_TEXT, st.dates(date(1900, 1, 1), date(2100, 1, 1)).map(date.isoformat),
                       st.sampled_from(["", "1949-12-31", "1950-01-01", "2999-01-01", "31/12/2020", "2025-02-30",
                                        (date.today() + timedelta(days=2)).isoformat()]))


def _choice(values: set[str]):
    return st.one_of(ANY_TEXT, st.sampled_from(sorted(values)))


def _long_text(limit: int):
    return st.one_of(HOSTILE, st.text(ANY_CHAR, min_size=limit - 5, max_size=limit + 5))


HOSTILE_FIELDS = {
    **{name: _COUNT_TEXT for name in COUNTS},
    **{name: _choice(values) for name, values in CHOICES.items()},
    **{name: _long_text(limit) for name, limit in TEXT_LIMITS.items()},
    "isotretinoin_last_taken": _DATE_TEXT,
}
for _type in ScarType:
    HOSTILE_FIELDS.update({
        f"{_type.value}-present": st.one_of(st.just("y"), ANY_TEXT),
        f"{_type.value}-count": _COUNT_TEXT, f"{_type.value}-width_mm": _MM_TEXT, f"{_type.value}-depth_mm": _MM_TEXT,
        **{f"{_type.value}-{name}": _choice(values) for name, values in SCAR_CHOICES.items()},
        f"{_type.value}-areas": st.lists(st.one_of(st.sampled_from([a.value for a in Area]), ANY_TEXT), max_size=3),
        f"{_type.value}-other_areas": _long_text(200),
    })
TEXT_INPUTS = {*COUNTS, "isotretinoin_last_taken", *(f"{t.value}-{name}" for t in ScarType
                                                      for name in ("count", "width_mm", "depth_mm", "other_areas"))}


@st.composite
def assessment_forms(draw) -> dict:
    """A form that would save, with up to three fields spoilt."""
    form = assessment_form(draw(st.sampled_from([
        None, {ScarType.BOXCAR: finding(count="3", width_mm="2", depth_mm="0.4", size_basis="measured")},
        {ScarType.ICE_PICK: finding(count_band="11-20"), ScarType.MACULAR: finding(areas=["chin"])}])))
    for name in draw(st.lists(st.sampled_from(sorted(HOSTILE_FIELDS)), min_size=1, max_size=3, unique=True)):
        form[name] = draw(HOSTILE_FIELDS[name])
    return form


def _blank(value: str) -> bool:
    return not value.strip()


def _accepted_count(value: str) -> bool:
    return _blank(value) or (as_int(value) is not None and 0 <= as_int(value) <= 500)


def _accepted_mm(value: str, limit: Decimal) -> bool:
    if _blank(value):
        return True
    try:
        number = Decimal(value)
    except InvalidOperation:
        return False
    return number.is_finite() and number.as_tuple().exponent >= -2 and 0 < number <= limit


def _check_accepted(data: dict) -> None:
    """What a saved form must have held: every spoilt value within the rules the form states."""
    for name, value in data.items():
        if isinstance(value, str) and not _blank(value):
            assert not has_control(value), name
        short = name.split("-")[-1]
        if short in COUNTS or short == "count":
            assert _accepted_count(value), (name, value)
        elif short in MM_LIMITS:
            assert _accepted_mm(value, MM_LIMITS[short]), (name, value)
        elif name in CHOICES:
            assert value in CHOICES[name], (name, value)
        elif short in SCAR_CHOICES:
            assert value in SCAR_CHOICES[short], (name, value)
        elif name in TEXT_LIMITS:
            assert len(value) <= TEXT_LIMITS[name], name
        elif short == "other_areas":
            assert len(value) <= 200, name


def _kept(response, data: dict) -> None:
    body = response.get_data(as_text=True)
    for name, value in data.items():
        if isinstance(value, str) and value.isprintable() and len(value) <= 100 and value.strip():
            if name in TEXT_INPUTS:
                assert f'value="{escape(value)}"' in body, name
            elif name in TEXT_LIMITS:
                assert str(escape(value)) in body, name


def _state(app, appointment_id: int) -> tuple:
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        return appointment.status, db.session.get(Enquiry, appointment.enquiry_id).stage


@pytest.mark.parametrize("column", COUNTS)
@pytest.mark.parametrize("typed", ["501", "-1", "3.5", "many"])
def test_each_subtype_count_out_of_range_or_not_a_number_is_refused_beside_its_field(app, client, login_as,
                                                                                    consultation, column, typed):
    login_as("specialist")
    appointment_id, _ = consultation()
    response = client.post(f"/consultations/{appointment_id}/assessment", data=assessment_form(**{column: typed}))
    assert response.status_code == 200
    assert field_error(response, column).endswith("Enter a number from 0 to 500, or leave it blank.")
    assert f'value="{typed}"' in response.get_data(as_text=True)
    assert assessment_rows(app) == []


def test_recording_with_any_input_never_500_and_saves_nothing_it_refuses(app, client, login_as, consultation,
                                                                        make_user):
    login_as("specialist")
    practitioner = make_user("specialist")

    @PROPERTY
    @given(data=assessment_forms())
    @example(data=assessment_form(notes='"><script>alert(1)</script>', gb_macular="1e2", gb_deep_abnormal="501",
                                  **{"boxcar-depth_mm": "-1"}))
    @example(data=assessment_form(**{"rolling-width_mm": "NaN", "rolling-depth_mm": "sNaN", "gb_grade": "9" * 5000}))
    @example(data=assessment_form(**{"macular-areas": ["\x00"], "skin_type": "\x00", "pregnancy": "maybe"}))
    @example(data=assessment_form(isotretinoin="yes", isotretinoin_last_taken="0001-01-01"))
    def check(data):
        appointment_id, _ = consultation(practitioner=practitioner)
        before, state = assessment_rows(app), _state(app, appointment_id)
        response = client.post(f"/consultations/{appointment_id}/assessment", data=data)
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            _check_accepted(data)
            after = assessment_rows(app)
            assert len(after) == len(before) + 1 and after[-1]["appointment_id"] == appointment_id
            assert _state(app, appointment_id)[0] is AppointmentStatus.ATTENDED
        else:
            assert explains(response)
            assert assessment_rows(app) == before and _state(app, appointment_id) == state
            _kept(response, data)

    check()


def test_amending_with_any_input_or_version_never_500_and_changes_nothing_it_refuses(app, client, login_as, recorded):
    login_as("specialist")
    recorded()

    @PROPERTY
    @given(data=assessment_forms(), version=st.one_of(st.none(), VERSION_TEXT, DIGIT_LIKE))
    @example(data=assessment_form(), version="0")
    @example(data=assessment_form(), version="999999")
    @example(data=assessment_form(**{"ice_pick-width_mm": "2.5"}), version="\u00b2")
    def check(data, version):
        [before] = assessment_rows(app)
        sent = str(before["version"]) if version is None else version
        response = client.post(f"/consultations/{before['appointment_id']}/assessment", data={**data, "version": sent})
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302, 409), response.status_code
        if response.status_code == 302:
            _check_accepted(data)
            assert as_int(sent) == before["version"]
        else:
            assert explains(response)
            assert assessment_rows(app) == [before]
            _kept(response, data)

    check()


_FIELD_NAMES = [*HOSTILE_FIELDS, "version", "csrf_token", "note"]


def test_every_assessment_route_with_fields_missing_repeated_or_unknown_never_500(app, client, login_as, consultation,
                                                                                  recorded):
    login_as("specialist")
    assessment_id = recorded()
    [row] = assessment_rows(app)
    fresh, _ = consultation()
    routes = [f"/consultations/{fresh}/assessment", f"/consultations/{row['appointment_id']}/assessment",
              f"/assessments/{assessment_id}/hints/pregnancy", f"/assessments/{assessment_id}/hints/rolling_first_line",
              f"/assessments/{assessment_id}/hints/%00"]

    @PROPERTY
    @given(route=st.sampled_from(routes), form=st.dictionaries(
        st.one_of(st.sampled_from(_FIELD_NAMES), st.text(ANY_CHAR, max_size=20)),
        st.lists(ANY_TEXT, min_size=1, max_size=3), max_size=8))
    @example(route=routes[0], form={})
    @example(route=routes[1], form={"version": ["1", "2"], "skin_type": ["I", "II"]})
    @example(route=routes[2], form={"note": ["a", "b"]})
    @example(route=routes[2], form={"csrf_token": ["forged"]})
    def check(route, form):
        response = client.post(route, data=form)
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302, 400, 404, 409), response.status_code
        if response.status_code in (200, 409):
            assert explains(response)

    check()


def test_the_assessment_pages_with_any_id_never_500(client, login_as):
    login_as("specialist")

    @PROPERTY
    @given(path=st.one_of(st.integers(-5, 2**40).map(str), ANY_TEXT.map(lambda t: t.replace("/", "").replace("?", ""))))
    @example(path="2147483648")
    def check(path):
        for url in (f"/assessments/{path}", f"/consultations/{path}/assessment"):
            assert client.get(url).status_code in (200, 302, 404, 308), url

    check()
