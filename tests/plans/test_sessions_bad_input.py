"""Bad input on the course booking form and the session-done form: never a 500, errors beside the fields,
the input kept, nothing saved unless everything is."""

from datetime import date, timedelta

from hypothesis import event, example, given
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import select

from tests import builders
from tests.builders import Item, add_session, course, local, session_rows, stage_of, today
from tests.pages import explains, input_value
from tests.properties import ANY_CHAR, ANY_TEXT, DIGIT_LIKE, PROPERTY, VERSION_TEXT, as_int
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.clock import to_clinic
from tracker.db import utcnow
from tracker.enquiries.models import Enquiry
from tracker.enquiries.services import move
from tracker.enquiries.stages import Stage
from tracker.extensions import db

_FALSE = ("", "false")  # what a checkbox sends that wtforms reads as unticked (an absent box is unticked too)
_HOSTILE_DATES = st.one_of(ANY_TEXT, st.sampled_from(["2027-02-29", "31/04/2027", "0000-01-01", "9999-12-31",
                                                      "2027-13-01", " ", ""]))
_HOSTILE_TIMES = st.one_of(ANY_TEXT, st.sampled_from(["24:00", "23:60", "10:03", "10:00:01", "1000", " ", ""]))
_HOSTILE_TICKS = st.one_of(st.sampled_from(["", "false", "on"]), ANY_TEXT)
_HOSTILE_MINUTES = st.one_of(ANY_TEXT, DIGIT_LIKE, st.sampled_from(["4", "481", "-60", ""]))


def _ids(*ids) -> st.SearchStrategy:
    return st.one_of(ANY_TEXT, DIGIT_LIKE, st.sampled_from([str(i) for i in ids] + ["", "0", "-1", str(2**63)]))


@st.composite
def course_forms(draw, start: date, keys: list[str], room_ids: tuple) -> dict:
    """A form that would book (dates from four days before the reflection date on), with up to three fields spoilt;
    an unticked box is left out, as a browser leaves it out."""
    form = {"minutes": str(draw(st.integers(5, 480))), "room": draw(st.sampled_from([""] + [str(r) for r in room_ids]))}
    for key in keys:
        day = draw(st.dates(start + timedelta(days=10), start + timedelta(days=60)))
        form[f"date_{key}"] = draw(st.sampled_from([day.isoformat(), f"{day:%d/%m/%Y}"]))
        form[f"time_{key}"] = draw(st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(7, 19),
                                             st.sampled_from(range(0, 60, 5))))
        if draw(st.integers(0, 3)):
            form[f"include_{key}"] = "y"
    hostile = {"minutes": _HOSTILE_MINUTES, "room": _ids(*room_ids)} | {
        f"{name}_{key}": strategy for key in keys
        for name, strategy in (("date", _HOSTILE_DATES), ("time", _HOSTILE_TIMES), ("include", _HOSTILE_TICKS))}
    for name in draw(st.lists(st.sampled_from(sorted(hostile)), max_size=3, unique=True)):
        form[name] = draw(hostile[name])
    return form


def _ticked(value) -> bool:
    return value is not None and value not in _FALSE


def _reset(app, enquiry_id: int) -> None:
    """Cancel what a successful example booked and step back, so every example starts from the same plan."""
    with app.app_context():
        stmt = select(Appointment).where(Appointment.enquiry_id == enquiry_id,
                                         Appointment.status == AppointmentStatus.BOOKED)
        for appointment in db.session.scalars(stmt):
            appointment.status = AppointmentStatus.CANCELLED
        enquiry = db.session.get(Enquiry, enquiry_id)
        if enquiry.stage is Stage.TREATMENT_BOOKED:
            move(enquiry, Stage.PLAN_PROPOSED, by_id=None)
        db.session.commit()


def test_booking_a_course_with_any_input_never_500_and_saves_all_rows_or_none(app, client, login_as, make_user,
                                                                              make_enquiry):
    login_as("reception")
    specialist = make_user("specialist", full_name="Dr Ada Quinn")
    room = builders.room(app, "Room 9")
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    keys = [f"{c.item_ids[0]}_{n}" for n in (1, 2)]
    start = today(app)
    clash_day = start + timedelta(days=20)
    with app.app_context():  # something in the diary to clash with
        db.session.add(Appointment(enquiry_id=make_enquiry(), kind=AppointmentKind.CONSULTATION,
                                   practitioner_id=specialist.id, starts_at=local(clash_day, "10:00"),
                                   ends_at=local(clash_day, "10:30")))
        db.session.commit()
    good = {"minutes": "60", "room": ""}
    for key, day in zip(keys, (start + timedelta(days=30), start + timedelta(days=58)), strict=True):
        good |= {f"date_{key}": day.isoformat(), f"time_{key}": "09:00", f"include_{key}": "y"}
    first, second = keys

    @PROPERTY
    @given(data=course_forms(start, keys, (room,)))
    @example(data=good)
    @example(data={**good, f"date_{first}": (start + timedelta(days=13)).isoformat()})  # before the reflection date
    @example(data={**good, f"date_{second}": good[f"date_{first}"], f"time_{second}": "09:30"})  # the rows clash
    @example(data={**good, f"date_{first}": clash_day.isoformat(), f"time_{first}": "10:15", "room": str(room)})
    @example(data={k: v for k, v in good.items() if not k.startswith("include_")})  # nothing ticked
    @example(data={**good, f"include_{first}": "", f"include_{second}": "false"})
    @example(data={**good, f"date_{first}": '"><script>alert(1)</script>', f"time_{first}": "<b>",
                   "minutes": "'60'", "room": "\x00"})
    @example(data={**good, f"date_{first}": "2027-03-28", f"time_{first}": "01:30"})  # the spring gap
    def check(data):
        before = session_rows(app)
        response = client.post(f"/plans/{c.plan_id}/sessions", data=data)
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            new = session_rows(app)[len(before):]
            assert len(new) == sum(_ticked(data.get(f"include_{key}")) for key in keys) > 0
            assert all((r["ends_at"] - r["starts_at"]).seconds // 60 == as_int(data["minutes"]) for r in new)
            with app.app_context():
                assert all(to_clinic(r["starts_at"]).date() >= start + timedelta(days=14) for r in new)
            _reset(app, c.enquiry_id)
            return
        assert explains(response)
        assert session_rows(app) == before
        assert stage_of(app, c.enquiry_id) is Stage.PLAN_PROPOSED
        for name, value in data.items():
            if name.split("_")[0] in ("date", "time", "minutes") and value.isprintable():
                assert input_value(response, name) == value, name

    check()


def test_recording_done_with_any_input_never_500_and_changes_nothing_it_refuses(app, client, login_as, make_user,
                                                                               make_enquiry):
    login_as("specialist")
    specialist = make_user("specialist", full_name="Dr Ada Quinn")
    gone = make_user("specialist", active=False)
    reception = make_user("reception")
    c = course(app, specialist.id, [Item("tca_cross", 40, 3)], info_given_on=today(app) - timedelta(90))
    builders.move(app, c.enquiry_id, Stage.TREATMENT_BOOKED)
    numbers = iter(range(1, 41))

    def fresh_session() -> int:
        n = next(numbers)
        return add_session(app, c, 0, n, utcnow() - timedelta(days=41 - n))

    current = [fresh_session()]

    hostile = {"performer": _ids(specialist.id, gone.id, reception.id),
               "notes": st.one_of(ANY_TEXT, st.text(ANY_CHAR, min_size=4990, max_size=5010)),
               "version": st.one_of(VERSION_TEXT, DIGIT_LIKE)}

    @st.composite
    def done_forms(draw) -> dict:
        """A form that would save (the version left to the check), with up to two fields spoilt."""
        form = {"performer": str(specialist.id), "version": None,
                "notes": draw(st.text(st.characters(categories=("L", "N", "P", "Zs")), max_size=300))}
        for name in draw(st.lists(st.sampled_from(sorted(hostile)), max_size=2, unique=True)):
            form[name] = draw(hostile[name])
        return form

    @PROPERTY
    @given(form=done_forms())
    @example(form={"performer": str(specialist.id), "notes": "<script>alert('x')</script> & \"settings\"",
                   "version": None})
    @example(form={"performer": str(gone.id), "notes": "x", "version": None})
    @example(form={"performer": str(reception.id), "notes": "x", "version": None})
    @example(form={"performer": "", "notes": "x", "version": None})
    @example(form={"performer": str(specialist.id), "notes": "a\x00b", "version": None})
    @example(form={"performer": str(specialist.id), "notes": "y" * 5001, "version": None})
    @example(form={"performer": str(specialist.id), "notes": "   ", "version": "0"})
    @example(form={"performer": str(specialist.id), "notes": "ok", "version": "99"})
    def check(form):
        performer, notes, version = form["performer"], form["notes"], form["version"]
        appointment_id = current[0]
        before = next(r for r in session_rows(app) if r["id"] == appointment_id)
        stage = stage_of(app, c.enquiry_id)
        sent = str(before["version"]) if version is None else version
        response = client.post(f"/sessions/{appointment_id}/done",
                               data={"performed_by": performer, "notes": notes, "version": sent})
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302, 409), response.status_code
        after = next(r for r in session_rows(app) if r["id"] == appointment_id)
        if response.status_code == 302:
            assert as_int(performer) == specialist.id and len(notes) <= 5000 and as_int(sent) == before["version"]
            assert after["status"] is AppointmentStatus.ATTENDED and after["performed_by_id"] == specialist.id
            assert after["session_notes"] == (notes.strip() or None)
            current[0] = fresh_session()
            return
        assert explains(response)
        assert after == before
        assert stage_of(app, c.enquiry_id) is stage
        if notes.isprintable():
            assert str(escape(notes)) in response.get_data(as_text=True)

    check()
