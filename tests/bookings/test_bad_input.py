"""Bad input on the booking forms: never a 500, nothing stored unless saved, stored text shown escaped."""

import itertools
from datetime import date, timedelta

from hypothesis import event, example, given
from hypothesis import strategies as st
from markupsafe import escape

from tests.bookings.conftest import ANSWERED, DAY, nth_slot, render_enquiry_bookings
from tests.builders import appointment_rows, enquiry_row, local, row_count
from tests.pages import explains
from tests.properties import ANY_CHAR, ANY_TEXT, DIGIT_LIKE, PROPERTY, VERSION_TEXT, as_int
from tracker.bookings.models import Appointment, AppointmentStatus

_DATE = st.one_of(
    ANY_TEXT,
    st.dates(min_value=date.today() - timedelta(days=3), max_value=date.today() + timedelta(days=400)).map(
        date.isoformat),
    st.dates().map(lambda d: f"{d:%d/%m/%Y}"),
    st.sampled_from(["2027-02-29", "2028-02-29", "31/04/2027", "0000-01-01", "9999-12-31", "2027-13-01", " "]),
)
_TIME = st.one_of(
    ANY_TEXT,
    st.times().map(lambda t: f"{t:%H:%M}"),
    st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from(range(0, 60, 5))),
    st.sampled_from(["24:00", "23:60", "-1:00", "10:00:00", "10:00:01", "1000", "10.00", " "]),
)
_MINUTES = st.one_of(ANY_TEXT, DIGIT_LIKE, st.integers(-10, 10**4).map(str), st.sampled_from(["30", "4", "481"]))
_KEPT = ("date", "time", "minutes")  # text inputs whose typed value the page must show again


def _plausible_ids(*ids):
    return st.one_of(ANY_TEXT, DIGIT_LIKE, st.sampled_from([str(i) for i in ids] + ["", "0", "-1", str(2**63)]))


@st.composite
def slot_forms(draw, specialist_ids: tuple, room_ids: tuple, *, hostile: dict) -> dict:
    """A form that would book (today to three days on, so some clash or have passed), with up to two fields spoilt."""
    form = {
        "date": draw(st.dates(date.today(), date.today() + timedelta(days=3))).isoformat(),
        "time": draw(st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from(range(0, 60, 5)))),
        "minutes": str(draw(st.integers(5, 480))),
        "specialist": str(specialist_ids[0]),
        "room": draw(st.sampled_from([""] + [str(r) for r in room_ids])),
    }
    for name in draw(st.lists(st.sampled_from(sorted(hostile)), max_size=2, unique=True)):
        form[name] = draw(hostile[name])
    return form


def _hostile(specialist_ids: tuple, room_ids: tuple) -> dict:
    return {"date": _DATE, "time": _TIME, "minutes": _MINUTES, "specialist": _plausible_ids(*specialist_ids),
            "room": _plausible_ids(*room_ids)}


def _kept_escaped(response, data: dict) -> None:
    body = response.get_data(as_text=True)
    for name in _KEPT:
        value = data[name]
        if value.isprintable() and len(value) <= 100:
            # Jinja/WTForms escape with markupsafe (' -> &#39;, " -> &#34;).
            assert f'value="{escape(value)}"' in body, name


def test_booking_with_any_input_never_500_and_stores_nothing_it_refuses(app, client, login_as, make_user,
                                                                       make_enquiry, make_room):
    login_as("reception")
    specialist = make_user("specialist")
    gone = make_user("specialist", active=False)
    other = make_user("reception")
    room = make_room("Room 9")
    enquiry_id = make_enquiry(**ANSWERED)

    ids, rooms = (specialist.id, gone.id, other.id), (room,)

    @PROPERTY
    @given(data=slot_forms(ids, rooms, hostile=_hostile(ids, rooms)))
    @example(data={"date": DAY.isoformat(), "time": "09:00", "minutes": "30", "specialist": str(specialist.id),
                   "room": str(room)})
    @example(data={"date": DAY.isoformat(), "time": "09:10", "minutes": "20", "specialist": str(specialist.id),
                   "room": ""})  # clashes with the one before
    @example(data={"date": '"><script>alert(1)</script>', "time": "<b>", "minutes": "'30'",
                   "specialist": str(specialist.id), "room": ""})
    @example(data={"date": DAY.isoformat(), "time": "09:00", "minutes": "9" * 5000, "specialist": str(specialist.id),
                   "room": ""})
    @example(data={"date": DAY.isoformat(), "time": "11:00", "minutes": "30", "specialist": str(specialist.id),
                   "room": "\x00"})
    @example(data={"date": "2027-03-28", "time": "01:30", "minutes": "30", "specialist": str(specialist.id),
                   "room": ""})  # the spring gap
    def check(data):
        before, stage = row_count(app, Appointment), enquiry_row(app, enquiry_id)
        response = client.post(f"/enquiries/{enquiry_id}/consultations/new", data=data)
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert row_count(app, Appointment) == before + 1
            assert 5 <= as_int(data["minutes"]) <= 480
            assert as_int(data["specialist"]) == specialist.id
            assert appointment_rows(app)[-1]["status"] is AppointmentStatus.BOOKED
        else:
            assert explains(response)
            assert row_count(app, Appointment) == before
            assert enquiry_row(app, enquiry_id) == stage
            _kept_escaped(response, data)

    check()


def _latest_booked(app) -> dict:
    return [r for r in appointment_rows(app) if r["status"] is AppointmentStatus.BOOKED][-1]


def test_rebooking_with_any_input_never_500_and_changes_nothing_unless_saved(app, client, login_as, make_user,
                                                                            make_enquiry, make_appointment):
    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    make_appointment(enquiry_id, specialist.id, local(DAY, "10:00"))
    make_appointment(make_enquiry(**ANSWERED), specialist.id, local(DAY, "12:00"))  # something to clash with

    ids = (specialist.id,)

    @PROPERTY
    @given(data=slot_forms(ids, (), hostile={**_hostile(ids, ()), "version": st.one_of(VERSION_TEXT, DIGIT_LIKE)}))
    @example(data={"date": DAY.isoformat(), "time": "12:15", "minutes": "30", "specialist": str(specialist.id)})
    @example(data={"date": DAY.isoformat(), "time": "15:00", "minutes": "30", "specialist": str(specialist.id)})
    @example(data={"date": DAY.isoformat(), "time": "15:00", "minutes": "30", "specialist": str(specialist.id),
                   "version": "999999"})
    @example(data={"date": DAY.isoformat(), "time": "15:00", "minutes": "30", "specialist": str(specialist.id),
                   "version": "\u00b2"})
    def check(data):
        current = _latest_booked(app)
        before = appointment_rows(app)
        data = {"version": str(current["version"]), **data}
        response = client.post(f"/bookings/{current['id']}/rebook", data=data)
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302, 409), response.status_code
        if response.status_code == 302:
            assert as_int(data["version"]) == current["version"]
            after = appointment_rows(app)
            assert len(after) == len(before) + 1
            old = next(r for r in after if r["id"] == current["id"])
            assert old["status"] is AppointmentStatus.REBOOKED and old["rebooked_to_id"] == after[-1]["id"]
        else:
            assert explains(response)
            assert appointment_rows(app) == before
            _kept_escaped(response, data)

    check()


def test_cancelling_with_any_reason_never_500_and_shows_the_stored_reason_escaped(app, client, login_as, make_user,
                                                                                 make_enquiry, make_appointment):
    user = login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    slots = itertools.count()

    def fresh_booking() -> None:
        make_appointment(enquiry_id, specialist.id, nth_slot(next(slots)))

    fresh_booking()

    @PROPERTY
    @given(reason=st.one_of(ANY_TEXT, st.text(ANY_CHAR, min_size=490, max_size=510)),
           version=st.one_of(st.none(), VERSION_TEXT))
    @example(reason="<script>alert('x')</script> & \"friends\"", version=None)
    @example(reason="   ", version=None)
    @example(reason="a\x00b", version=None)
    @example(reason="x" * 501, version=None)
    @example(reason=" " * 10 + "y" * 500, version=None)
    @example(reason="Ill", version="0")
    def check(reason, version):
        current = _latest_booked(app)
        before = appointment_rows(app)
        sent = str(current["version"]) if version is None else version
        response = client.post(f"/bookings/{current['id']}/cancel", data={"reason": reason, "version": sent})
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302, 409), response.status_code
        if response.status_code != 302:
            assert explains(response)
            assert appointment_rows(app) == before
            return
        assert reason.strip() and len(reason) <= 500 and as_int(sent) == current["version"]
        stored = next(r for r in appointment_rows(app) if r["id"] == current["id"])
        assert stored["status"] is AppointmentStatus.CANCELLED and stored["cancel_reason"] == reason.strip()
        with app.test_request_context():
            card = render_enquiry_bookings(enquiry_id, user)
        assert f"Reason: {escape(stored['cancel_reason'])}</div>" in card
        fresh_booking()

    check()


_FIELD_NAMES = ["date", "time", "minutes", "specialist", "room", "reason", "version", "csrf_token"]


def test_every_booking_form_with_fields_missing_repeated_or_unknown_never_500(app, client, login_as, make_user,
                                                                             make_enquiry, make_appointment):
    login_as("reception")
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    future = make_appointment(enquiry_id, specialist.id, local(DAY, "10:00"))
    past = make_appointment(make_enquiry(**ANSWERED), specialist.id, local(date.today() - timedelta(days=1), "10:00"))
    routes = [f"/enquiries/{enquiry_id}/consultations/new"] + [
        f"/bookings/{a}/{step}" for a in (future, past) for step in ("rebook", "cancel", "attended", "did-not-attend")]

    @PROPERTY
    @given(
        route=st.sampled_from(routes),
        form=st.dictionaries(
            st.one_of(st.sampled_from(_FIELD_NAMES), st.text(ANY_CHAR, max_size=20)),
            st.lists(ANY_TEXT, min_size=1, max_size=3),
            max_size=8,
        ),
    )
    @example(route=routes[0], form={})
    @example(route=routes[0], form={"date": [DAY.isoformat(), "2027-01-01"], "time": ["10:00", "11:00"]})
    @example(route=routes[1], form={"version": ["1", "2"], "csrf_token": ["forged"]})
    def check(route, form):
        response = client.post(route, data=form)
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302, 400, 409), response.status_code
        if response.status_code in (200, 409):
            assert explains(response)

    check()


def test_the_upcoming_page_with_any_query_answers_200(app, client, login_as, make_user):
    login_as("reception")
    specialist = make_user("specialist")

    @PROPERTY
    @given(params=st.fixed_dictionaries({}, optional={
        "specialist": st.one_of(ANY_TEXT, DIGIT_LIKE, st.sampled_from(["all", str(specialist.id), "0"])),
        "page": st.one_of(ANY_TEXT, st.integers().map(str)),
    }))
    @example(params={"specialist": "9" * 5000, "page": "-3"})
    def check(params):
        assert client.get("/consultations", query_string=params).status_code == 200

    check()
