"""Builders for the treatment-session tests: an accepted plan written with the ORM, sessions, and readers.

Plain functions taking the app (not pytest fixtures), so test modules import them without shadowing.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tracker.auth.models import User
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.bookings.services import BookingError
from tracker.catalogue.models import Treatment
from tracker.clock import clinic_today
from tracker.enquiries.models import Enquiry, StageChange
from tracker.enquiries.services import move
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.plans import sessions
from tracker.plans.models import PlanItem, PlanStatus, TreatmentPlan
from tracker.settings.models import Option

ZONE = ZoneInfo("Europe/London")  # the testing configuration's clinic zone
TO_PLAN_PROPOSED = (Stage.CONTACTED, Stage.CONSULTATION_BOOKED, Stage.CONSULTED, Stage.PLAN_PROPOSED)


@dataclass(frozen=True)
class Item:
    """A plan item to build: a seeded treatment's code, its sessions and interval, phase and position."""

    code: str
    sessions: int = 1
    interval_weeks: int = 4
    phase: int = 1
    position: int = 0


@dataclass(frozen=True)
class Course:
    """Ids of what a test built: the enquiry, the plan, its items in the order given, the practitioner."""

    enquiry_id: int
    plan_id: int
    item_ids: tuple[int, ...]
    practitioner_id: int


def local(day: date, at: str = "10:00") -> datetime:
    """A clinic wall-clock time as a UTC instant."""
    return datetime.combine(day, time.fromisoformat(at)).replace(tzinfo=ZONE).astimezone(UTC)


def today(app) -> date:
    with app.app_context():
        return clinic_today()


def enquiry_at_plan_proposed(app, make_enquiry) -> int:
    """A new enquiry moved along the pipeline to plan proposed, as the earlier steps would."""
    enquiry_id = make_enquiry()
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        for stage in TO_PLAN_PROPOSED:
            move(enquiry, stage, by_id=None)
        db.session.commit()
    return enquiry_id


def build_plan(app, enquiry_id: int, practitioner_id: int, items: list[Item], *, info_given_on: date | None,
               status: PlanStatus = PlanStatus.ACCEPTED) -> Course:
    """A plan with its items written straight to the tables; each item takes its treatment's reflection days."""
    with app.app_context():
        number = len(db.session.scalars(select(TreatmentPlan.id).where(TreatmentPlan.enquiry_id == enquiry_id)).all())
        plan = TreatmentPlan(enquiry_id=enquiry_id, number=number + 1, revision=1, status=status,
                             practitioner_id=practitioner_id, info_given_on=info_given_on,
                             decided_on=info_given_on if status is PlanStatus.ACCEPTED else None,
                             consent_by_id=practitioner_id if status is PlanStatus.ACCEPTED else None,
                             consent_on=info_given_on if status is PlanStatus.ACCEPTED else None)
        db.session.add(plan)
        db.session.flush()
        rows = []
        for spec in items:
            treatment = db.session.scalar(select(Treatment).where(Treatment.code == spec.code))
            rows.append(PlanItem(plan_id=plan.id, treatment_id=treatment.id, phase=spec.phase, position=spec.position,
                                 areas=["cheek_left"], sessions=spec.sessions, interval_weeks=spec.interval_weeks,
                                 price_pence=treatment.price_pence, reflection_days=treatment.reflection_days))
        db.session.add_all(rows)
        db.session.commit()
        return Course(enquiry_id, plan.id, tuple(r.id for r in rows), practitioner_id)


def course(app, make_enquiry, practitioner_id: int, items: list[Item], *, info_given_on: date | None = None,
           status: PlanStatus = PlanStatus.ACCEPTED) -> Course:
    """An enquiry at plan proposed with an accepted plan (information given today unless said)."""
    enquiry_id = enquiry_at_plan_proposed(app, make_enquiry)
    given = info_given_on if info_given_on is not None else today(app)
    return build_plan(app, enquiry_id, practitioner_id, items, info_given_on=given, status=status)


def add_session(app, c: Course, item_index: int, number: int, starts_at: datetime,
                status: AppointmentStatus = AppointmentStatus.BOOKED, minutes: int = 60) -> int:
    """A session written straight to the table (booking refuses the past; done/missed tests need it)."""
    with app.app_context():
        appointment = Appointment(enquiry_id=c.enquiry_id, kind=AppointmentKind.TREATMENT_SESSION,
                                  practitioner_id=c.practitioner_id, starts_at=starts_at,
                                  ends_at=starts_at + timedelta(minutes=minutes), status=status,
                                  plan_item_id=c.item_ids[item_index], session_number=number)
        db.session.add(appointment)
        db.session.commit()
        return appointment.id


def set_stage(app, enquiry_id: int, *stages: Stage) -> None:
    """Move an enquiry on through the given stages."""
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        for stage in stages:
            move(enquiry, stage, by_id=None)
        db.session.commit()


def stage_of(app, enquiry_id: int) -> Stage:
    with app.app_context():
        return db.session.get(Enquiry, enquiry_id).stage


def stage_notes(app, enquiry_id: int) -> list[tuple]:
    """(from, to, note) of each stage change, oldest first."""
    with app.app_context():
        stmt = select(StageChange).where(StageChange.enquiry_id == enquiry_id).order_by(StageChange.id)
        return [(c.from_stage, c.to_stage, c.note) for c in db.session.scalars(stmt)]


def session_rows(app, enquiry_id: int | None = None) -> list[dict]:
    """Every treatment session (of one enquiry), in id order, as plain dicts."""
    with app.app_context():
        stmt = select(Appointment).where(Appointment.kind == AppointmentKind.TREATMENT_SESSION).order_by(Appointment.id)
        if enquiry_id is not None:
            stmt = stmt.where(Appointment.enquiry_id == enquiry_id)
        return [{c.key: getattr(a, c.key) for c in Appointment.__table__.columns} for a in db.session.scalars(stmt)]


def version_of(app, appointment_id: int) -> int:
    with app.app_context():
        return db.session.get(Appointment, appointment_id).version


def book(app, c: Course, rows: list[tuple[int, int, datetime]], *, minutes: int = 60, by_id: int | None = None,
         room_id: int | None = None) -> list[int]:
    """Book (item index, session number, starts_at) rows with book_course and commit; refused: rolled back, raised."""
    with app.app_context():
        plan = sessions.plan_with_items(c.plan_id)
        items = {item.id: item for item in plan.items}
        course_rows = [sessions.CourseRow(items[c.item_ids[index]], number, at) for index, number, at in rows]
        room = db.session.get(Option, room_id) if room_id else None
        try:
            booked = sessions.book_course(plan, course_rows, minutes=minutes, room=room, by_id=by_id)
        except BookingError:
            db.session.rollback()
            raise
        db.session.commit()
        return [a.id for a in booked]


def record_done(app, appointment_id: int, performer_id: int, notes: str = "Depth 1.5 mm, two passes") -> None:
    """Record a session done with the service, and commit."""
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        sessions.record_done(appointment, performed_by=db.session.get(User, performer_id), notes=notes,
                             version=appointment.version, by_id=None)
        db.session.commit()


def add_room(app, label: str) -> int:
    """An active room in the settings list; returns its id."""
    from tracker.settings.models import OptionKind
    from tracker.settings.services import add_option

    with app.app_context():
        room = add_option(OptionKind.ROOM, label)
        db.session.commit()
        return room.id
