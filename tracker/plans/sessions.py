"""A plan's course of treatment sessions: suggested dates, booking, recording them done; aftercare and review dates.

Sessions are appointments (kind treatment session) booked through tracker.bookings.services, so the
one no-double-booking rule covers them; this module adds the plan's rules and moves the later stages.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from tracker.auth.models import User
from tracker.bookings import services as bookings
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.clock import clinic_today, to_clinic
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import Enquiry
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.plans.models import PlanItem, PlanStatus, TreatmentPlan
from tracker.plans.reflection import Reflection, reflection
from tracker.settings.models import Option

MIN_MINUTES, MAX_MINUTES = 5, 480
TAKEN = (AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED)  # a session booked or done is not offered again


@dataclass(frozen=True)
class Suggested:
    """A session of the course not yet booked, and the date suggested for it (clinic-local)."""

    item: PlanItem
    number: int
    date: date

    @property
    def key(self) -> str:
        return f"{self.item.id}_{self.number}"

    @property
    def label(self) -> str:
        return session_label(self.item, self.number)


@dataclass(frozen=True)
class CourseRow:
    """One session to book: which session of which item, and when (a UTC instant)."""

    item: PlanItem
    number: int
    starts_at: datetime


class Aftercare(NamedTuple):
    """An aftercare check due in a window of days after a session."""

    label: str
    from_date: date
    to_date: date


def _refused(message: str, field: str | None = None, row: int | None = None) -> "bookings.BookingError":
    # Through the module: bookings.services may be part-way through importing when this module loads.
    return bookings.BookingError(message, field, row)


def session_label(item: PlanItem, number: int) -> str:
    """'Subcision, session 2 of 3' (the item's treatment must be loaded)."""
    return f"{item.treatment.name}, session {number} of {item.sessions}"


def plan_with_items(plan_id: int) -> TreatmentPlan | None:
    """A plan with its practitioner, items and their treatments loaded (what these functions read)."""
    if not 0 < plan_id < 2**31:
        return None
    return db.session.get(TreatmentPlan, plan_id, populate_existing=True, options=[
        joinedload(TreatmentPlan.practitioner), selectinload(TreatmentPlan.items).joinedload(PlanItem.treatment)])


def _session_rows(plan_id: int, statuses) -> list:
    """(plan item id, session number, starts_at) of the plan's sessions in these statuses."""
    stmt = (select(Appointment.plan_item_id, Appointment.session_number, Appointment.starts_at)
            .join(PlanItem, Appointment.plan_item_id == PlanItem.id)
            .where(PlanItem.plan_id == plan_id, Appointment.kind == AppointmentKind.TREATMENT_SESSION,
                   Appointment.status.in_(statuses)))
    return list(db.session.execute(stmt))


def earliest_first_date(plan: TreatmentPlan) -> date:
    """The default first date: the reflection date, or tomorrow if that has passed."""
    tomorrow = clinic_today() + timedelta(days=1)
    limit = reflection(plan)
    return max(limit.earliest, tomorrow) if limit else tomorrow


def suggest_course(plan: TreatmentPlan, *, first_date: date | None = None) -> list[Suggested]:
    """The course's sessions not yet booked or done, with suggested dates.

    Items in phase then position order; each session one interval of its item after the one before,
    and an item's first session one interval of the previous item after that item's last session.
    Sessions already booked or done keep their dates and are not suggested; none is before first_date.
    """
    first_date = first_date or earliest_first_date(plan)
    taken = {(item_id, number): to_clinic(starts_at).date()
             for item_id, number, starts_at in _session_rows(plan.id, TAKEN)}
    suggested, previous, gap = [], None, timedelta(0)
    for item in plan.items:
        for number in range(1, item.sessions + 1):
            when = taken.get((item.id, number))
            if when is None:
                when = max(first_date, previous + gap) if previous else first_date
                suggested.append(Suggested(item, number, when))
            previous, gap = when, timedelta(weeks=item.interval_weeks)
    return suggested


def _too_early(limit: Reflection, starts_at: datetime) -> "bookings.BookingError | None":
    if to_clinic(starts_at).date() < limit.earliest:
        return _refused(f"The first session cannot be before {limit.earliest:%d/%m/%Y}: {limit.explain()}.",
                        "starts_at")
    return None


def _check_row(row: CourseRow, plan: TreatmentPlan, limit: Reflection, taken: set) -> None:
    if row.item.id not in {item.id for item in plan.items}:
        raise _refused("This session is not part of the plan.", "starts_at")
    if not 1 <= row.number <= row.item.sessions:
        raise _refused(f"The plan has {row.item.sessions} sessions of {row.item.treatment.name}.", "starts_at")
    if (row.item.id, row.number) in taken:
        raise _refused("This session is already booked or done.", "starts_at")
    error = _too_early(limit, row.starts_at)
    if error:
        raise error


def book_course(plan: TreatmentPlan, rows: list[CourseRow], *, minutes: int, room: Option | None,
                by_id: int | None, outside_hours_reason: str | None = None) -> list[Appointment]:
    """Book sessions of an accepted plan with its practitioner; all rows or none (the caller rolls back on error).

    Every row's clinic-local date must be on or after the reflection date; the first booking moves
    the enquiry from plan proposed to treatment booked. A refused row: BookingError naming it, with .row.
    """
    if plan.status is not PlanStatus.ACCEPTED:
        raise _refused(f"Only an accepted plan's sessions can be booked; this plan is {plan.status.label.lower()}.")
    if not rows:
        raise _refused("Tick at least one session to book.")
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise _refused(f"Enter between {MIN_MINUTES} and {MAX_MINUTES} minutes.", "minutes")
    limit = reflection(plan)
    if limit is None:
        raise _refused("The plan has no information-given date, so its reflection period cannot be checked.")
    practitioner = db.session.get(User, plan.practitioner_id)
    if not bookings.takes_bookings(practitioner):
        raise _refused(f"{practitioner.full_name}, who will perform this plan, is not an active specialist.")
    # Every session of the plan is booked with its practitioner: with their diary locked before the sessions
    # already taken are read, a second booking of the same course waits, then sees this one's.
    bookings.lock_practitioner(practitioner)
    enquiry = db.session.get(Enquiry, plan.enquiry_id)
    taken = {(item_id, number) for item_id, number, _ in _session_rows(plan.id, TAKEN)}
    booked = []
    for index, row in enumerate(rows):
        try:
            _check_row(row, plan, limit, taken)
            slot = bookings.Slot(row.starts_at, minutes, practitioner, room, outside_hours_reason)
            booked.append(bookings.book_session(enquiry, slot, plan_item_id=row.item.id, session_number=row.number,
                                                by_id=by_id))
        except bookings.BookingError as error:
            label = session_label(row.item, row.number) if row.item.id in {i.id for i in plan.items} else "A session"
            raise _refused(f"{label}: {error}", error.field or "starts_at", row=index) from error
        taken.add((row.item.id, row.number))
    if enquiry.stage is Stage.PLAN_PROPOSED:
        enquiries.move(enquiry, Stage.TREATMENT_BOOKED, by_id=by_id, note=f"{len(booked)} treatment session(s) booked")
    return booked


def check_moved_session(appointment: Appointment, slot: "bookings.Slot") -> None:
    """A session being moved stays with its plan's practitioner and after the reflection date (bookings.rebook)."""
    item = db.session.get(PlanItem, appointment.plan_item_id)
    plan = plan_with_items(item.plan_id)
    if slot.practitioner.id != plan.practitioner_id:
        raise _refused(f"This session is booked with {plan.practitioner.full_name}, who took consent and will "
                       "perform the plan.", "practitioner")
    limit = reflection(plan)
    error = limit and _too_early(limit, slot.starts_at)
    if error:
        raise error


def check_performer(appointment: Appointment, performed_by: User) -> None:
    """Only the plan's practitioner performs its sessions: under GMC guidance whoever performs it takes consent."""
    plan = db.session.get(TreatmentPlan, db.session.get(PlanItem, appointment.plan_item_id).plan_id)
    if performed_by.id != plan.practitioner_id:
        practitioner = db.session.get(User, plan.practitioner_id)
        raise _refused(f"This session must be performed by {practitioner.full_name}, who took consent for the plan. "
                       f"For {performed_by.full_name} to perform it, they must take consent again themselves: "
                       "a new plan with them as its specialist.", "performed_by")


def _done_counts(plan_id: int) -> tuple[dict[int, set], date | None]:
    """The session numbers done per item, and the clinic-local date of the last one done."""
    done: dict[int, set] = {}
    last = None
    for item_id, number, starts_at in _session_rows(plan_id, (AppointmentStatus.ATTENDED,)):
        done.setdefault(item_id, set()).add(number)
        day = to_clinic(starts_at).date()
        last = max(last, day) if last else day
    return done, last


def _complete(plan: TreatmentPlan, done: dict[int, set]) -> bool:
    return bool(plan.items) and all(
        len({n for n in done.get(item.id, ()) if n <= item.sessions}) >= item.sessions for item in plan.items)


def _finished_plans(enquiry_id: int) -> list[TreatmentPlan]:
    """The enquiry's accepted plans once its treatment is over, else [].

    Over: every planned session of every accepted plan done, no plan proposed and awaiting the patient's
    decision, and no session still booked. A draft does not hold it open: the patient has not been offered it.
    """
    plans = list(db.session.scalars(
        select(TreatmentPlan).where(TreatmentPlan.enquiry_id == enquiry_id,
                                    TreatmentPlan.status.in_((PlanStatus.PROPOSED, PlanStatus.ACCEPTED)))
        .options(selectinload(TreatmentPlan.items)).order_by(TreatmentPlan.number, TreatmentPlan.revision)))
    if not plans or any(plan.status is PlanStatus.PROPOSED for plan in plans):
        return []
    rows = db.session.execute(select(Appointment.plan_item_id, Appointment.session_number, Appointment.status).where(
        Appointment.enquiry_id == enquiry_id, Appointment.kind == AppointmentKind.TREATMENT_SESSION,
        Appointment.status.in_(TAKEN))).all()
    if any(status == AppointmentStatus.BOOKED for _item, _number, status in rows):
        return []
    done: dict[int, set] = {}
    for item_id, number, _status in rows:
        done.setdefault(item_id, set()).add(number)
    return plans if all(_complete(plan, done) for plan in plans) else []


def complete_if_finished(enquiry: Enquiry, *, by_id: int | None) -> None:
    """An enquiry in treatment moves to completed once its treatment is over (see _finished_plans)."""
    plans = _finished_plans(enquiry.id) if enquiry.stage is Stage.IN_TREATMENT else []
    if plans:
        courses = "course" if len(plans) == 1 else "courses"
        enquiries.move(enquiry, Stage.COMPLETED, by_id=by_id,
                       note=f"{', '.join(plan.title for plan in plans)}: {courses} of treatment completed")


def record_done(appointment: Appointment, *, performed_by: User, notes: str | None, version: int,
                by_id: int | None) -> None:
    """A booked, started session took place, performed by the plan's practitioner; the first done moves the enquiry
    to in treatment, the last of its treatment (complete_if_finished) to completed."""
    bookings.mark_session_done(appointment, performed_by=performed_by, notes=notes, by_id=by_id, version=version)
    db.session.flush()
    enquiry = db.session.get(Enquiry, appointment.enquiry_id)
    if enquiry.stage is Stage.TREATMENT_BOOKED:
        enquiries.move(enquiry, Stage.IN_TREATMENT, by_id=by_id, note="First treatment session done")
    complete_if_finished(enquiry, by_id=by_id)


def sessions_for_plan(plan_id: int) -> list[Appointment]:
    """A plan's sessions (every status), soonest first, with people, room, item and treatment loaded; one query."""
    stmt = (select(Appointment).join(PlanItem, Appointment.plan_item_id == PlanItem.id)
            .where(PlanItem.plan_id == plan_id, Appointment.kind == AppointmentKind.TREATMENT_SESSION)
            .options(contains_eager(Appointment.plan_item).joinedload(PlanItem.treatment),
                     joinedload(Appointment.practitioner), joinedload(Appointment.performed_by),
                     joinedload(Appointment.room))
            .order_by(Appointment.starts_at, Appointment.id))
    return list(db.session.scalars(stmt))


def aftercare_window(session: Appointment) -> Aftercare | None:
    """The treatment's aftercare check after this session (plan_item.treatment loaded), or None if it has none."""
    treatment = session.plan_item.treatment
    if not treatment.aftercare_label or treatment.aftercare_from_days is None:
        return None
    day = to_clinic(session.starts_at).date()
    to_days = treatment.aftercare_to_days if treatment.aftercare_to_days is not None else treatment.aftercare_from_days
    return Aftercare(treatment.aftercare_label, day + timedelta(days=treatment.aftercare_from_days),
                     day + timedelta(days=to_days))


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day (31/01 + 1 month = 28/02 or 29/02)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def review_dates(plan: TreatmentPlan) -> list[date]:
    """The treatments' review months after the last done session, once every planned session is done (else [])."""
    done, last = _done_counts(plan.id)
    if not _complete(plan, done):
        return []
    months = sorted({m for item in plan.items for m in (item.treatment.review_months or [])})
    return [add_months(last, m) for m in months]
