"""Each automatic rule: it fires, firing again adds nothing, and it is cancelled once it no longer applies."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.builders import ZONE, Item, add_follow_up, add_session, book, course, local, move, record_done, today
from tracker.auth.models import User
from tracker.bookings import services as bookings
from tracker.bookings.models import Appointment, AppointmentStatus
from tracker.clock import clinic_today
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import Channel, ContactOutcome, Enquiry
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.followups import rules, services
from tracker.followups.models import FollowUp, FollowUpKind, FollowUpStatus, Reschedule
from tracker.patients.models import Patient
from tracker.plans import decisions
from tracker.plans import services as plans
from tracker.plans.models import PlanStatus, TreatmentPlan
from tracker.settings.models import Option, OptionKind


def follow_ups(app, enquiry_id: int, rule: str | None = "*") -> list[FollowUp]:
    """An enquiry's follow-ups (of one rule; "*": all), in id order, detached."""
    with app.app_context():
        stmt = select(FollowUp).where(FollowUp.enquiry_id == enquiry_id).order_by(FollowUp.id)
        if rule != "*":
            stmt = stmt.where(FollowUp.rule.is_(None) if rule is None else FollowUp.rule == rule)
        rows = list(db.session.scalars(stmt))
        db.session.expunge_all()
        return rows


def fire_again(app, enquiry_id: int) -> None:
    """Run every rule for the enquiry once more, as any later change to it would."""
    with app.app_context():
        rules.apply({enquiry_id})
        db.session.commit()


def next_weekday(app, weekday: int, weeks_ahead: int = 2) -> date:
    """A date `weeks_ahead` weeks on, on the given weekday (0 Monday)."""
    start = today(app) + timedelta(weeks=weeks_ahead)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def log(app, make_patient, received_at: datetime, *, assigned_to_id: int | None = None) -> int:
    """An enquiry received at a given instant, not spoken to."""
    patient_id = make_patient()
    with app.app_context():
        details = enquiries.EnquiryDetails(channel=Channel.PHONE, received_at=received_at,
                                           assigned_to_id=assigned_to_id)
        enquiry = enquiries.log_enquiry(db.session.get(Patient, patient_id), details, by_id=None)
        db.session.commit()
        return enquiry.id


def contact(app, enquiry_id: int, outcome: ContactOutcome) -> None:
    with app.app_context():
        enquiries.record_contact(db.session.get(Enquiry, enquiry_id), outcome, by_id=None)
        db.session.commit()


def lose(app, enquiry_id: int) -> None:
    with app.app_context():
        reason = db.session.scalar(select(Option).where(Option.kind == OptionKind.LOST_REASON).limit(1))
        enquiries.mark_lost(db.session.get(Enquiry, enquiry_id), reason, by_id=None)
        db.session.commit()


# --- first contact ------------------------------------------------------------------------

def test_a_new_enquiry_on_friday_night_gets_a_call_back_due_at_11_on_monday(app, make_patient, make_user):
    owner = make_user("reception")
    enquiry_id = log(app, make_patient, datetime(2026, 11, 20, 21, 0, tzinfo=UTC), assigned_to_id=owner.id)
    [call] = follow_ups(app, enquiry_id, "first_contact")
    assert (call.kind, call.status, call.assigned_to_id) == (FollowUpKind.CALL_BACK, FollowUpStatus.OPEN, owner.id)
    assert (call.due_on, call.due_time.isoformat()) == (date(2026, 11, 23), "11:00:00")
    assert call.overdue_at == datetime(2026, 11, 23, 11, 0, tzinfo=UTC)


def test_the_first_contact_target_follows_the_settings(app, make_patient):
    with app.app_context():
        from tracker.settings.services import clinic_settings

        clinic_settings().first_contact_hours = 4
        db.session.commit()
    enquiry_id = log(app, make_patient, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    [call] = follow_ups(app, enquiry_id, "first_contact")
    assert call.due_time.isoformat() == "13:00:00"


def test_the_first_contact_call_back_is_made_once_however_often_the_rule_fires(app, make_patient):
    enquiry_id = log(app, make_patient, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    fire_again(app, enquiry_id)
    contact(app, enquiry_id, ContactOutcome.NO_ANSWER)  # a change to the enquiry fires the rules again
    assert len(follow_ups(app, enquiry_id, "first_contact")) == 1


def test_the_call_back_is_cancelled_once_the_enquirer_is_reached(app, make_patient):
    enquiry_id = log(app, make_patient, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    contact(app, enquiry_id, ContactOutcome.REACHED)
    [call] = follow_ups(app, enquiry_id, "first_contact")
    assert (call.status, call.cancel_reason, call.closed_by_id) == (
        FollowUpStatus.CANCELLED, "The enquirer was contacted", None)


def test_a_call_back_done_by_hand_is_not_made_again(app, make_patient):
    enquiry_id = log(app, make_patient, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    [call] = follow_ups(app, enquiry_id, "first_contact")
    with app.app_context():
        services.complete(db.session.get(FollowUp, call.id), outcome="No answer, left a message",
                          version=call.version, by_id=None)
        db.session.commit()
    fire_again(app, enquiry_id)
    assert [f.status for f in follow_ups(app, enquiry_id, "first_contact")] == [FollowUpStatus.DONE]


def test_an_enquirer_spoken_to_when_logged_gets_no_call_back(app, make_patient):
    patient_id = make_patient()
    with app.app_context():
        details = enquiries.EnquiryDetails(channel=Channel.WALK_IN, received_at=datetime.now(UTC))
        enquiry = enquiries.log_enquiry(db.session.get(Patient, patient_id), details, by_id=None, spoken_to=True)
        db.session.commit()
        enquiry_id = enquiry.id
    assert follow_ups(app, enquiry_id, "first_contact") == []


def test_a_deactivated_assignee_leaves_the_call_back_to_the_reception_team(app, make_patient, make_user):
    gone = make_user("reception", active=False)
    enquiry_id = log(app, make_patient, datetime(2026, 11, 24, 9, 0, tzinfo=UTC), assigned_to_id=gone.id)
    [call] = follow_ups(app, enquiry_id, "first_contact")
    assert call.assigned_to_id is None


# --- three unanswered attempts ------------------------------------------------------------

def test_three_unanswered_attempts_suggest_marking_the_enquiry_lost(app, make_patient, make_user):
    owner = make_user("reception")
    enquiry_id = log(app, make_patient, datetime(2026, 11, 24, 9, 0, tzinfo=UTC), assigned_to_id=owner.id)
    contact(app, enquiry_id, ContactOutcome.NO_ANSWER)
    contact(app, enquiry_id, ContactOutcome.VOICEMAIL)
    assert follow_ups(app, enquiry_id, "no_reply") == []
    contact(app, enquiry_id, ContactOutcome.NO_ANSWER)
    [suggestion] = follow_ups(app, enquiry_id, "no_reply")
    assert suggestion.assigned_to_id == owner.id
    assert suggestion.kind is FollowUpKind.OTHER and "lost (no reply)" in suggestion.note


def test_a_fourth_unanswered_attempt_makes_no_second_suggestion(app, make_patient):
    enquiry_id = log(app, make_patient, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    for _ in range(4):
        contact(app, enquiry_id, ContactOutcome.NO_ANSWER)
    fire_again(app, enquiry_id)
    assert len(follow_ups(app, enquiry_id, "no_reply")) == 1


def test_an_answered_call_between_attempts_restarts_the_count(app, make_patient):
    enquiry_id = log(app, make_patient, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    for outcome in (ContactOutcome.NO_ANSWER, ContactOutcome.NO_ANSWER, ContactOutcome.REACHED,
                    ContactOutcome.NO_ANSWER, ContactOutcome.VOICEMAIL):
        contact(app, enquiry_id, outcome)
    assert follow_ups(app, enquiry_id, "no_reply") == []


def test_the_suggestion_is_cancelled_when_the_enquirer_answers_or_the_enquiry_is_lost(app, make_patient):
    answered, lost = (log(app, make_patient, datetime(2026, 11, 24, 9, 0, tzinfo=UTC)) for _ in range(2))
    for enquiry_id in (answered, lost):
        for _ in range(3):
            contact(app, enquiry_id, ContactOutcome.NO_ANSWER)
    contact(app, answered, ContactOutcome.REACHED)
    lose(app, lost)
    assert [f.cancel_reason for f in follow_ups(app, answered, "no_reply")] == ["The enquirer answered"]
    assert [f.cancel_reason for f in follow_ups(app, lost, "no_reply")] == ["The enquiry was lost"]


# --- consultation reminder ----------------------------------------------------------------

def book_consultation(app, enquiry_id: int, specialist_id: int, starts_at: datetime) -> int:
    with app.app_context():
        slot = bookings.Slot(starts_at, 30, db.session.get(User, specialist_id))
        appointment = bookings.book_consultation(db.session.get(Enquiry, enquiry_id), slot, by_id=None)
        db.session.commit()
        return appointment.id


def test_a_consultation_on_monday_gets_a_reminder_on_the_friday_before(app, make_enquiry, make_user):
    specialist = make_user("specialist")
    enquiry_id = make_enquiry()
    monday = next_weekday(app, 0)
    appointment_id = book_consultation(app, enquiry_id, specialist.id, local(monday, "10:00"))
    [reminder] = follow_ups(app, enquiry_id, "consultation_reminder")
    assert (reminder.kind, reminder.due_on, reminder.due_time) == (
        FollowUpKind.CONSULTATION_REMINDER, monday - timedelta(days=3), None)
    assert reminder.rule_key == f"appointment-{appointment_id}"
    fire_again(app, enquiry_id)
    assert len(follow_ups(app, enquiry_id, "consultation_reminder")) == 1


def test_moving_the_consultation_replaces_its_reminder(app, make_enquiry, make_user):
    specialist = make_user("specialist")
    enquiry_id = make_enquiry()
    wednesday = next_weekday(app, 2)
    appointment_id = book_consultation(app, enquiry_id, specialist.id, local(wednesday, "10:00"))
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        slot = bookings.Slot(local(wednesday + timedelta(days=1), "11:00"), 30, db.session.get(User, specialist.id))
        bookings.rebook(appointment, slot, by_id=None, version=appointment.version)
        db.session.commit()
    old, new = follow_ups(app, enquiry_id, "consultation_reminder")
    assert old.status is FollowUpStatus.CANCELLED and "moved" in old.cancel_reason
    assert (new.status, new.due_on) == (FollowUpStatus.OPEN, wednesday)


def test_cancelling_the_consultation_cancels_its_reminder(app, make_enquiry, make_user):
    specialist = make_user("specialist")
    enquiry_id = make_enquiry()
    appointment_id = book_consultation(app, enquiry_id, specialist.id, local(next_weekday(app, 2), "10:00"))
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        bookings.cancel(appointment, "Patient unwell", by_id=None, version=appointment.version)
        db.session.commit()
    [reminder] = follow_ups(app, enquiry_id, "consultation_reminder")
    assert (reminder.status, reminder.cancel_reason) == (FollowUpStatus.CANCELLED, "The consultation was cancelled")


# --- after the consultation ---------------------------------------------------------------

def test_a_consulted_enquiry_without_a_plan_gets_a_check_in_which_a_proposed_plan_cancels(app, make_enquiry,
                                                                                         make_user):
    specialist = make_user("specialist")
    enquiry_id = make_enquiry(hours_ago=24 * 10)
    move(app, enquiry_id, Stage.CONTACTED, Stage.CONSULTATION_BOOKED)
    seen = datetime.now(UTC) - timedelta(days=1)
    with app.app_context():
        db.session.add(Appointment(enquiry_id=enquiry_id, kind=bookings.AppointmentKind.CONSULTATION,
                                   practitioner_id=specialist.id, starts_at=seen, ends_at=seen + timedelta(minutes=30),
                                   status=AppointmentStatus.ATTENDED))
        enquiries.move(db.session.get(Enquiry, enquiry_id), Stage.CONSULTED, by_id=None)
        db.session.commit()
    [check_in] = follow_ups(app, enquiry_id, "post_consultation")
    assert check_in.due_on == seen.astimezone(ZONE).date() + timedelta(days=2)
    fire_again(app, enquiry_id)
    assert len(follow_ups(app, enquiry_id, "post_consultation")) == 1
    with app.app_context():
        plan = plans.new_plan(db.session.get(Enquiry, enquiry_id), practitioner=db.session.get(User, specialist.id),
                              notes=None, by_id=None)
        from tracker.catalogue.models import Treatment

        treatment = db.session.scalar(select(Treatment).where(Treatment.code == "microneedling"))
        plans.add_item(plan, treatment, plans.ItemDetails())
        db.session.flush()
        plans.propose(plan, info_given_on=clinic_today(), version=plan.version, by_id=None)
        db.session.commit()
    [check_in] = follow_ups(app, enquiry_id, "post_consultation")
    assert check_in.status is FollowUpStatus.CANCELLED
    assert check_in.cancel_reason == "The enquiry moved on to plan proposed"


# --- decision chase -----------------------------------------------------------------------

def proposed_course(app, make_enquiry, make_user):
    specialist = make_user("specialist")
    return course(app, specialist.id, [Item("microneedling", sessions=2)], status=PlanStatus.PROPOSED)


def set_proposed_at(app, plan_id: int, when: datetime) -> None:
    with app.app_context():
        db.session.get(TreatmentPlan, plan_id).proposed_at = when
        db.session.commit()


def test_a_proposed_plan_is_chased_after_three_days_and_again_after_ten(app, make_enquiry, make_user):
    c = proposed_course(app, make_enquiry, make_user)
    proposed_on = today(app)
    set_proposed_at(app, c.plan_id, local(proposed_on, "12:00"))
    [first] = follow_ups(app, c.enquiry_id, "decision_chase")
    assert (first.kind, first.due_on) == (FollowUpKind.DECISION_CHASE, proposed_on + timedelta(days=3))
    fire_again(app, c.enquiry_id)
    assert len(follow_ups(app, c.enquiry_id, "decision_chase")) == 1  # the second waits for the first
    with app.app_context():
        services.complete(db.session.get(FollowUp, first.id), outcome="Still thinking", version=first.version,
                          by_id=None)
        db.session.commit()
    done, second = follow_ups(app, c.enquiry_id, "decision_chase")
    assert (done.status, second.status) == (FollowUpStatus.DONE, FollowUpStatus.OPEN)
    assert second.due_on == proposed_on + timedelta(days=10)
    fire_again(app, c.enquiry_id)
    assert len(follow_ups(app, c.enquiry_id, "decision_chase")) == 2


def test_accepting_the_plan_cancels_its_pending_chase(app, make_enquiry, make_user):
    c = proposed_course(app, make_enquiry, make_user)
    set_proposed_at(app, c.plan_id, local(today(app), "12:00"))
    with app.app_context():
        plan = db.session.get(TreatmentPlan, c.plan_id)
        decisions.accept(plan, decided_on=clinic_today(), consent_by=db.session.get(User, c.practitioner_id),
                         consent_on=clinic_today(), version=plan.version, by_id=None)
        db.session.commit()
    [chase] = follow_ups(app, c.enquiry_id, "decision_chase")
    assert (chase.status, chase.cancel_reason) == (FollowUpStatus.CANCELLED, "Plan 1 was accepted")


# --- pre-treatment check, session reminders, aftercare, reviews ---------------------------

def test_an_accepted_plan_asks_for_its_first_session_then_a_check_the_working_day_before_it(app, make_enquiry,
                                                                                           make_user):
    specialist = make_user("specialist")
    c = course(app, specialist.id, [Item("microneedling", sessions=2)])
    fire_again(app, c.enquiry_id)  # the plan was written straight to the table
    [unbooked] = follow_ups(app, c.enquiry_id, "pre_treatment")
    assert unbooked.rule_key.endswith("-unbooked") and unbooked.status is FollowUpStatus.OPEN
    monday = next_weekday(app, 0, weeks_ahead=3)
    book(app, c, [(0, 1, local(monday, "10:00"))])
    unbooked, check = follow_ups(app, c.enquiry_id, "pre_treatment")
    assert (unbooked.status, unbooked.cancel_reason) == (FollowUpStatus.CANCELLED, "The first session was booked")
    assert (check.kind, check.due_on, check.status) == (
        FollowUpKind.PRE_TREATMENT, monday - timedelta(days=3), FollowUpStatus.OPEN)
    [reminder] = follow_ups(app, c.enquiry_id, "session_reminder")
    assert reminder.due_on == monday - timedelta(days=3)
    fire_again(app, c.enquiry_id)
    assert len(follow_ups(app, c.enquiry_id, "pre_treatment")) == 2


def test_a_session_done_gets_its_treatments_aftercare_check_which_outlives_a_lost_enquiry(app, make_enquiry,
                                                                                        make_user):
    specialist = make_user("specialist")
    c = course(app, specialist.id, [Item("punch_excision", sessions=2)])
    yesterday = today(app) - timedelta(days=1)
    session_id = add_session(app, c, 0, 1, local(yesterday, "10:00"))
    move(app, c.enquiry_id, Stage.TREATMENT_BOOKED)
    record_done(app, session_id, specialist.id)
    [check] = follow_ups(app, c.enquiry_id, "aftercare")
    assert (check.kind, check.due_on, check.rule_key) == (
        FollowUpKind.AFTERCARE, yesterday + timedelta(days=7), f"session-{session_id}")
    assert "wound check" in check.note.lower()
    fire_again(app, c.enquiry_id)
    lose(app, c.enquiry_id)
    [check] = follow_ups(app, c.enquiry_id, "aftercare")
    assert check.status is FollowUpStatus.OPEN


def test_a_completed_course_gets_reviews_at_the_treatments_review_months(app, make_enquiry, make_user):
    specialist = make_user("specialist")
    c = course(app, specialist.id, [Item("tca_cross", sessions=1)])  # reviews at 3 and 6 months
    day = today(app) - timedelta(days=1)
    session_id = add_session(app, c, 0, 1, local(day, "10:00"))
    move(app, c.enquiry_id, Stage.TREATMENT_BOOKED)
    record_done(app, session_id, specialist.id)
    with app.app_context():
        assert db.session.get(Enquiry, c.enquiry_id).stage is Stage.COMPLETED
        from tracker.plans import sessions

        expected = sessions.review_dates(sessions.plan_with_items(c.plan_id))
    assert len(expected) == 2
    assert [f.due_on for f in follow_ups(app, c.enquiry_id, "reviews")] == expected
    fire_again(app, c.enquiry_id)
    assert len(follow_ups(app, c.enquiry_id, "reviews")) == 2


# --- an enquiry that closes ---------------------------------------------------------------

def test_losing_an_enquiry_cancels_its_hand_made_follow_ups_with_that_reason(app, make_enquiry):
    enquiry_id = make_enquiry()
    add_follow_up(app, enquiry_id, today(app) + timedelta(days=2), kind=FollowUpKind.OTHER)
    lose(app, enquiry_id)
    assert {(f.status, f.cancel_reason) for f in follow_ups(app, enquiry_id)} == {
        (FollowUpStatus.CANCELLED, "The enquiry was lost")}


def test_archiving_an_enquiry_cancels_every_open_follow_up(app, make_enquiry):
    enquiry_id = make_enquiry()
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        enquiries.archive(enquiry, version=enquiry.version)
        db.session.commit()
    rows = follow_ups(app, enquiry_id)
    assert rows and {(f.status, f.cancel_reason) for f in rows} == {
        (FollowUpStatus.CANCELLED, "The enquiry was archived")}


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda r: r.name)
def test_every_rule_has_a_name_and_a_label_shown_on_its_follow_ups(rule):
    assert rule.name and rule.label and rules.label(rule.name) == rule.label


# --- reopening, late follow-ups, a change of owner ----------------------------------------

def test_reopening_a_lost_enquiry_brings_back_the_follow_ups_cancelled_when_it_was_lost(app, make_patient):
    enquiry_id = log(app, make_patient, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    lose(app, enquiry_id)
    with app.app_context():
        enquiries.reopen(db.session.get(Enquiry, enquiry_id), by_id=None)
        db.session.commit()
    [call] = follow_ups(app, enquiry_id, "first_contact")
    assert (call.status, call.cancel_reason, call.closed_at) == (FollowUpStatus.OPEN, None, None)
    with app.app_context():  # reopening is kept in its history
        [move] = db.session.scalars(select(Reschedule).where(Reschedule.follow_up_id == call.id)).all()
        assert (move.note, move.by_id) == ("The enquiry is open again", None)


def test_restoring_an_archived_enquiry_brings_back_its_rules_follow_ups(app, make_patient):
    enquiry_id = log(app, make_patient, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        enquiries.archive(enquiry, version=enquiry.version)
        db.session.commit()
        enquiries.restore(enquiry, version=enquiry.version)
        db.session.commit()
    assert [f.status for f in follow_ups(app, enquiry_id, "first_contact")] == [FollowUpStatus.OPEN]


def test_a_follow_up_cancelled_by_hand_stays_cancelled_when_the_enquiry_reopens(app, make_patient):
    enquiry_id = log(app, make_patient, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    [call] = follow_ups(app, enquiry_id, "first_contact")
    with app.app_context():
        services.cancel(db.session.get(FollowUp, call.id), reason="Duplicate call", version=call.version, by_id=None)
        db.session.commit()
    lose(app, enquiry_id)
    with app.app_context():
        enquiries.reopen(db.session.get(Enquiry, enquiry_id), by_id=None)
        db.session.commit()
    [call] = follow_ups(app, enquiry_id, "first_contact")
    assert (call.status, call.cancel_reason) == (FollowUpStatus.CANCELLED, "Duplicate call")


def test_cancelling_the_only_booked_session_asks_again_for_the_course_to_be_booked(app, make_enquiry, make_user):
    specialist = make_user("specialist")
    c = course(app, specialist.id, [Item("microneedling", sessions=2)])
    fire_again(app, c.enquiry_id)
    [session_id] = book(app, c, [(0, 1, local(next_weekday(app, 2, weeks_ahead=3), "10:00"))])
    with app.app_context():
        appointment = db.session.get(Appointment, session_id)
        bookings.cancel(appointment, "Patient unwell", by_id=None, version=appointment.version)
        db.session.commit()
    rows = follow_ups(app, c.enquiry_id, "pre_treatment")
    assert [f.status for f in rows] == [FollowUpStatus.CANCELLED, FollowUpStatus.CANCELLED, FollowUpStatus.OPEN]
    assert rows[-1].rule_key == f"plan-{c.plan_id}-unbooked-after-{session_id}"


def test_an_old_session_touched_for_the_first_time_gets_no_aftercare_check_long_past(app, make_enquiry, make_user):
    specialist = make_user("specialist")
    c = course(app, specialist.id, [Item("punch_excision", sessions=2)])
    long_ago = today(app) - timedelta(days=60)
    add_session(app, c, 0, 1, local(long_ago, "10:00"), status=AppointmentStatus.ATTENDED)
    fire_again(app, c.enquiry_id)
    assert follow_ups(app, c.enquiry_id, "aftercare") == []


def test_an_old_proposed_plan_gets_no_chase_weeks_late_but_an_old_new_enquiry_still_gets_its_call_back(
        app, make_enquiry, make_user, make_patient):
    c = proposed_course(app, make_enquiry, make_user)
    # Written straight to the table, the plan had no proposal date: this is the first time the rules see it.
    set_proposed_at(app, c.plan_id, local(today(app) - timedelta(days=40), "12:00"))
    fire_again(app, c.enquiry_id)
    assert follow_ups(app, c.enquiry_id, "decision_chase") == []
    old = log(app, make_patient, datetime.now(UTC) - timedelta(days=90))
    assert [f.status for f in follow_ups(app, old, "first_contact")] == [FollowUpStatus.OPEN]


def test_reassigning_the_enquiry_hands_its_rules_follow_ups_to_the_new_owner_but_not_hand_made_ones(
        app, make_patient, make_user):
    first, second = make_user("reception"), make_user("reception")
    enquiry_id = log(app, make_patient, datetime(2026, 11, 24, 9, 0, tzinfo=UTC), assigned_to_id=first.id)
    add_follow_up(app, enquiry_id, today(app) + timedelta(days=3), kind=FollowUpKind.OTHER, assigned_to_id=first.id,
                  by_id=first.id)
    with app.app_context():
        enquiry = enquiries.get_enquiry(enquiry_id)
        details = enquiries.EnquiryDetails(channel=enquiry.channel, received_at=enquiry.received_at,
                                           assigned_to_id=second.id)
        enquiries.update_enquiry(enquiry, details, version=enquiry.version)
        db.session.commit()
    call, by_hand = follow_ups(app, enquiry_id)
    assert (call.rule, call.assigned_to_id) == ("first_contact", second.id)
    assert (by_hand.rule, by_hand.assigned_to_id) == (None, first.id)


def test_cancelling_a_booked_session_cancels_its_reminder(app, make_enquiry, make_user):
    specialist = make_user("specialist")
    c = course(app, specialist.id, [Item("microneedling", sessions=2)])
    first, second = book(app, c, [(0, 1, local(next_weekday(app, 2, weeks_ahead=3), "10:00")),
                                  (0, 2, local(next_weekday(app, 2, weeks_ahead=8), "10:00"))])
    with app.app_context():
        appointment = db.session.get(Appointment, second)
        bookings.cancel(appointment, "Away that week", by_id=None, version=appointment.version)
        db.session.commit()
    reminders = {f.rule_key: f for f in follow_ups(app, c.enquiry_id, "session_reminder")}
    assert reminders[f"appointment-{first}"].status is FollowUpStatus.OPEN
    assert (reminders[f"appointment-{second}"].status, reminders[f"appointment-{second}"].cancel_reason) == (
        FollowUpStatus.CANCELLED, "The treatment session was cancelled")


def test_archiving_cancels_even_the_aftercare_and_reviews_that_outlive_a_lost_enquiry(app, make_enquiry, make_user):
    specialist = make_user("specialist")
    c = course(app, specialist.id, [Item("punch_excision", sessions=1)])  # aftercare, then completed
    session_id = add_session(app, c, 0, 1, local(today(app) - timedelta(days=1), "10:00"))
    move(app, c.enquiry_id, Stage.TREATMENT_BOOKED)
    record_done(app, session_id, specialist.id)
    assert [f.status for f in follow_ups(app, c.enquiry_id, "aftercare")] == [FollowUpStatus.OPEN]
    with app.app_context():
        enquiry = db.session.get(Enquiry, c.enquiry_id)
        enquiries.archive(enquiry, version=enquiry.version)
        db.session.commit()
    assert {(f.status, f.cancel_reason) for f in follow_ups(app, c.enquiry_id) if f.rule in ("aftercare", "reviews")
            } == {(FollowUpStatus.CANCELLED, "The enquiry was archived")}


def test_a_savepoint_rolled_back_does_not_make_the_rules_forget_what_came_before_it(app, make_patient):
    patient_id = make_patient()
    with app.app_context():
        details = enquiries.EnquiryDetails(channel=Channel.PHONE, received_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
        enquiry = enquiries.log_enquiry(db.session.get(Patient, patient_id), details, by_id=None)
        db.session.flush()
        with pytest.raises(RuntimeError), db.session.begin_nested():
            raise RuntimeError("an inner step failed and was rolled back")
        db.session.commit()
        enquiry_id = enquiry.id
    assert [f.status for f in follow_ups(app, enquiry_id, "first_contact")] == [FollowUpStatus.OPEN]


def test_reassigning_from_a_deactivated_colleague_hands_the_teams_rule_follow_ups_to_the_new_owner(
        app, make_patient, make_user):
    gone, new_owner = make_user("reception", active=False), make_user("reception")
    enquiry_id = log(app, make_patient, datetime(2026, 11, 24, 9, 0, tzinfo=UTC), assigned_to_id=gone.id)
    assert [f.assigned_to_id for f in follow_ups(app, enquiry_id, "first_contact")] == [None]
    with app.app_context():
        enquiry = enquiries.get_enquiry(enquiry_id)
        details = enquiries.EnquiryDetails(channel=enquiry.channel, received_at=enquiry.received_at,
                                           assigned_to_id=new_owner.id)
        enquiries.update_enquiry(enquiry, details, version=enquiry.version)
        db.session.commit()
    assert [f.assigned_to_id for f in follow_ups(app, enquiry_id, "first_contact")] == [new_owner.id]
