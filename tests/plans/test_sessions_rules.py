"""Booking a course: the reflection period, accepted plans only, no double booking, all or nothing; suggested dates;
aftercare windows and review dates."""

from datetime import date, timedelta

import pytest

from tests.builders import Item, add_session, book, course, local, session_rows, stage_of, today
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.bookings.services import BookingError
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.plans import sessions
from tracker.plans.models import PlanStatus

SUBCISION_AND_MICRONEEDLING = [Item("subcision", 2, 4), Item("microneedling", 3, 4, phase=2)]


@pytest.fixture
def specialist(make_user):
    return make_user("specialist", full_name="Dr Ada Quinn")


# --- the reflection period ------------------------------------------------------------------

@pytest.mark.parametrize("item_index", [0, 1], ids=["subcision-row", "microneedling-row"])
def test_a_session_before_the_reflection_date_is_refused_with_that_date_and_the_longest_period_wins(
        app, make_enquiry, specialist, item_index):
    c = course(app, specialist.id, SUBCISION_AND_MICRONEEDLING)
    earliest = today(app) + timedelta(days=14)  # subcision's 14 days, not microneedling's 2
    with pytest.raises(BookingError) as refused:
        book(app, c, [(item_index, 1, local(earliest - timedelta(days=1)))])
    message = str(refused.value)
    assert f"The first session cannot be before {earliest:%d/%m/%Y}: information given on {today(app):%d/%m/%Y} " \
           "+ 14 days' reflection for Subcision." in message
    assert refused.value.row == 0 and refused.value.field == "starts_at"
    assert session_rows(app) == []
    assert stage_of(app, c.enquiry_id) is Stage.PLAN_PROPOSED


def test_a_session_on_the_reflection_date_is_booked_with_the_plans_practitioner(app, make_enquiry, specialist):
    c = course(app, specialist.id, SUBCISION_AND_MICRONEEDLING)
    earliest = today(app) + timedelta(days=14)
    [appointment_id] = book(app, c, [(0, 1, local(earliest, "09:00"))], minutes=45)
    [row] = session_rows(app)
    assert row["id"] == appointment_id and row["kind"] is AppointmentKind.TREATMENT_SESSION
    assert (row["plan_item_id"], row["session_number"], row["practitioner_id"]) == (c.item_ids[0], 1, specialist.id)
    assert row["starts_at"] == local(earliest, "09:00") and row["ends_at"] == local(earliest, "09:45")
    assert row["status"] is AppointmentStatus.BOOKED


def test_with_only_a_two_day_treatment_the_second_day_after_the_information_is_allowed(app, make_enquiry, specialist):
    c = course(app, specialist.id, [Item("microneedling", 3, 4)])
    with pytest.raises(BookingError, match="cannot be before"):
        book(app, c, [(0, 1, local(today(app) + timedelta(days=1), "18:00"))])
    assert book(app, c, [(0, 1, local(today(app) + timedelta(days=2)))])


def test_every_row_is_held_to_the_reflection_date_not_only_the_first(app, make_enquiry, specialist):
    c = course(app, specialist.id, SUBCISION_AND_MICRONEEDLING)
    with pytest.raises(BookingError) as refused:
        book(app, c, [(0, 1, local(today(app) + timedelta(days=20))), (1, 1, local(today(app) + timedelta(days=10)))])
    assert refused.value.row == 1 and str(refused.value).startswith("Microneedling, session 1 of 3: ")
    assert session_rows(app) == []


def test_a_plan_without_an_information_date_cannot_be_booked(app, make_enquiry, specialist):
    c = course(app, specialist.id, [Item("microneedling", 3, 4)])
    with app.app_context():
        plan = sessions.plan_with_items(c.plan_id)
        plan.info_given_on = None
        db.session.commit()
    with pytest.raises(BookingError, match="no information-given date"):
        book(app, c, [(0, 1, local(today(app) + timedelta(days=30)))])


# --- which plans, which sessions --------------------------------------------------------------

@pytest.mark.parametrize("status", [PlanStatus.DRAFT, PlanStatus.PROPOSED, PlanStatus.DECLINED, PlanStatus.EXPIRED,
                                    PlanStatus.SUPERSEDED])
def test_a_plan_that_is_not_accepted_is_refused(app, make_enquiry, specialist, status):
    c = course(app, specialist.id, [Item("microneedling", 3, 4)], status=status)
    with pytest.raises(BookingError, match=f"Only an accepted plan's sessions can be booked; this plan is "
                                           f"{status.label.lower()}"):
        book(app, c, [(0, 1, local(today(app) + timedelta(days=30)))])
    assert session_rows(app) == []
    assert stage_of(app, c.enquiry_id) is Stage.PLAN_PROPOSED


def test_a_session_booked_or_done_is_not_booked_again_nor_one_beyond_the_plans_count(app, make_enquiry, specialist):
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    later = today(app) + timedelta(days=30)
    book(app, c, [(0, 1, local(later))])
    with pytest.raises(BookingError, match=r"^Subcision, session 1 of 2: This session is already booked or done\.$"):
        book(app, c, [(0, 1, local(later + timedelta(days=7)))])
    with pytest.raises(BookingError, match=r"The plan has 2 sessions of Subcision\."):
        book(app, c, [(0, 3, local(later + timedelta(days=7)))])
    with pytest.raises(BookingError, match="already booked or done"):  # twice in one go
        book(app, c, [(0, 2, local(later + timedelta(days=7))), (0, 2, local(later + timedelta(days=9)))])
    assert len(session_rows(app)) == 1


def test_a_cancelled_or_missed_session_can_be_booked_again(app, make_enquiry, specialist):
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    add_session(app, c, 0, 1, local(today(app) + timedelta(days=20)), AppointmentStatus.CANCELLED)
    add_session(app, c, 0, 2, local(today(app) + timedelta(days=21)), AppointmentStatus.DID_NOT_ATTEND)
    assert len(book(app, c, [(0, 1, local(today(app) + timedelta(days=30))),
                             (0, 2, local(today(app) + timedelta(days=58)))])) == 2


# --- no double booking, all or nothing -------------------------------------------------------

def test_a_session_clashing_with_a_consultation_in_the_practitioners_diary_is_refused(app, make_enquiry, specialist):
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    day = today(app) + timedelta(days=20)
    with app.app_context():
        db.session.add(Appointment(enquiry_id=make_enquiry(), kind=AppointmentKind.CONSULTATION,
                                   practitioner_id=specialist.id, starts_at=local(day, "10:00"),
                                   ends_at=local(day, "10:30")))
        db.session.commit()
    with pytest.raises(BookingError) as refused:
        book(app, c, [(0, 1, local(day, "10:15"))])
    assert str(refused.value) == (f"Subcision, session 1 of 2: Dr Ada Quinn is already booked from 10:00 to 10:30 on "
                                  f"{day:%d/%m/%Y}; choose another time or specialist.")
    assert session_rows(app) == []
    assert book(app, c, [(0, 1, local(day, "10:30"))])  # back to back is fine


def test_two_rows_overlapping_each_other_are_refused_and_neither_is_saved(app, make_enquiry, specialist):
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    day = today(app) + timedelta(days=20)
    with pytest.raises(BookingError, match="Dr Ada Quinn is already booked from 10:00 to 11:00") as refused:
        book(app, c, [(0, 1, local(day, "10:00")), (0, 2, local(day, "10:30"))], minutes=60)
    assert refused.value.row == 1
    assert session_rows(app) == []
    assert stage_of(app, c.enquiry_id) is Stage.PLAN_PROPOSED


def test_nothing_is_saved_when_the_last_row_fails(app, make_enquiry, specialist):
    c = course(app, specialist.id, SUBCISION_AND_MICRONEEDLING)
    start = today(app) + timedelta(days=20)
    other = course(app, specialist.id, [Item("microneedling", 1, 4)])
    book(app, other, [(0, 1, local(start + timedelta(days=70), "10:00"))])  # in the way of the last row
    rows = [(0, 1, local(start)), (0, 2, local(start + timedelta(days=28))), (1, 1, local(start + timedelta(days=56))),
            (1, 2, local(start + timedelta(days=70), "10:30"))]
    with pytest.raises(BookingError) as refused:
        book(app, c, rows)
    assert refused.value.row == 3
    assert session_rows(app, c.enquiry_id) == []
    assert stage_of(app, c.enquiry_id) is Stage.PLAN_PROPOSED


def test_an_inactive_practitioner_cannot_have_sessions_booked(app, make_enquiry, make_user):
    gone = make_user("specialist", full_name="Dr Gone", active=False)
    c = course(app, gone.id, [Item("subcision", 2, 4)])
    with pytest.raises(BookingError, match="Dr Gone, who will perform this plan, is not an active specialist"):
        book(app, c, [(0, 1, local(today(app) + timedelta(days=20)))])


@pytest.mark.parametrize("minutes", [4, 481])
def test_a_duration_out_of_range_is_refused(app, make_enquiry, specialist, minutes):
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    with pytest.raises(BookingError, match="between 5 and 480 minutes") as refused:
        book(app, c, [(0, 1, local(today(app) + timedelta(days=20)))], minutes=minutes)
    assert refused.value.field == "minutes"


# --- suggested dates ------------------------------------------------------------------------

def _suggested(app, plan_id: int, first_date: date | None = None) -> list[tuple[str, int, date]]:
    with app.app_context():
        plan = sessions.plan_with_items(plan_id)
        return [(s.item.treatment.name, s.number, s.date) for s in sessions.suggest_course(plan, first_date=first_date)]


def test_suggestions_follow_phases_positions_and_each_items_interval(app, make_enquiry, specialist):
    items = [Item("microneedling", 3, 2, phase=2), Item("tca_cross", 2, 3, phase=1, position=1),
             Item("subcision", 2, 4, phase=1, position=0)]  # given out of order on purpose
    c = course(app, specialist.id, items)
    first = today(app) + timedelta(days=14)
    weeks = [0, 4, 4 + 4, 8 + 3, 11 + 3, 14 + 2, 16 + 2]
    assert _suggested(app, c.plan_id) == [
        ("Subcision", 1, first + timedelta(weeks=weeks[0])), ("Subcision", 2, first + timedelta(weeks=weeks[1])),
        ("TCA CROSS", 1, first + timedelta(weeks=weeks[2])), ("TCA CROSS", 2, first + timedelta(weeks=weeks[3])),
        ("Microneedling", 1, first + timedelta(weeks=weeks[4])),
        ("Microneedling", 2, first + timedelta(weeks=weeks[5])),
        ("Microneedling", 3, first + timedelta(weeks=weeks[6]))]


def test_the_first_suggestion_is_the_reflection_date_or_tomorrow_if_that_has_passed(app, make_enquiry, specialist):
    fresh = course(app, specialist.id, [Item("subcision", 1, 4)])
    old = course(app, specialist.id, [Item("subcision", 1, 4)],
                 info_given_on=today(app) - timedelta(days=30))
    assert _suggested(app, fresh.plan_id)[0][2] == today(app) + timedelta(days=14)
    assert _suggested(app, old.plan_id)[0][2] == today(app) + timedelta(days=1)
    chosen = today(app) + timedelta(days=40)
    assert _suggested(app, old.plan_id, chosen)[0][2] == chosen


def test_sessions_booked_or_done_are_not_suggested_and_the_rest_follow_on_from_them(app, make_enquiry, specialist):
    c = course(app, specialist.id, [Item("subcision", 2, 4), Item("microneedling", 2, 2, phase=2)])
    booked_on = today(app) + timedelta(days=20)
    add_session(app, c, 0, 1, local(booked_on))
    add_session(app, c, 1, 1, local(today(app) + timedelta(days=25)), AppointmentStatus.CANCELLED)  # still to book
    second = booked_on + timedelta(weeks=4)
    assert _suggested(app, c.plan_id) == [("Subcision", 2, second), ("Microneedling", 1, second + timedelta(weeks=4)),
                                          ("Microneedling", 2, second + timedelta(weeks=6))]


def test_a_fully_booked_course_suggests_nothing(app, make_enquiry, specialist):
    c = course(app, specialist.id, [Item("subcision", 2, 4)])
    add_session(app, c, 0, 1, local(today(app) - timedelta(days=10)), AppointmentStatus.ATTENDED)
    add_session(app, c, 0, 2, local(today(app) + timedelta(days=20)))
    assert _suggested(app, c.plan_id) == []


# --- aftercare and reviews (for the follow-up rules) -----------------------------------------

def test_the_aftercare_window_counts_from_the_sessions_clinic_date(app, make_enquiry, specialist):
    c = course(app, specialist.id, [Item("punch_excision", 1, 6), Item("microneedling", 1, 4)])
    day = date(2027, 7, 1)  # 00:30 in London (summer time) is still 30 June in UTC
    add_session(app, c, 0, 1, local(day, "00:30"))
    add_session(app, c, 1, 1, local(day, "12:00"))
    with app.app_context():
        punch, needling = sessions.sessions_for_plan(c.plan_id)
        assert sessions.aftercare_window(punch) == ("Suture removal / wound check", date(2027, 7, 8), date(2027, 7, 11))
        assert sessions.aftercare_window(needling) is None


def test_review_dates_come_once_the_course_is_complete_counted_from_the_last_session(app, make_enquiry, specialist):
    c = course(app, specialist.id, [Item("subcision", 1, 4), Item("tca_cross", 2, 3, phase=2)])
    add_session(app, c, 0, 1, local(date(2026, 1, 3)), AppointmentStatus.ATTENDED)
    add_session(app, c, 1, 1, local(date(2026, 1, 10)), AppointmentStatus.ATTENDED)
    add_session(app, c, 1, 2, local(date(2026, 1, 24)), AppointmentStatus.DID_NOT_ATTEND)

    def reviews():
        with app.app_context():
            return sessions.review_dates(sessions.plan_with_items(c.plan_id))

    assert reviews() == []  # a missed session is not done
    add_session(app, c, 1, 2, local(date(2026, 1, 31), "16:00"), AppointmentStatus.ATTENDED)
    # Subcision reviews at 3 months, TCA CROSS at 3 and 6: the 3 once; 31 January + 3 months is 30 April.
    assert reviews() == [date(2026, 4, 30), date(2026, 7, 31)]


def test_add_months_keeps_the_day_or_takes_the_months_last(app):
    assert sessions.add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert sessions.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert sessions.add_months(date(2027, 11, 15), 3) == date(2028, 2, 15)
    assert sessions.add_months(date(2027, 6, 30), 12) == date(2028, 6, 30)
