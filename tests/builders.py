"""Builders for every test: users, patients, enquiries, follow-ups, appointments, rooms, treatments, plans, and rows
read back.

Plain functions taking the app, each with keyword arguments that default to something sensible; the root
conftest exposes the common ones as fixtures (make_user, make_patient, make_enquiry, make_appointment, ...).
Everything is committed through the services unless it says it is written straight to the table.
"""

import itertools
import weakref
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from tracker.auth import services as accounts
from tracker.auth.models import User
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.bookings.services import BookingError
from tracker.catalogue import services as catalogue
from tracker.catalogue.models import Treatment
from tracker.clock import clinic_today
from tracker.db import utcnow
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import Channel, ContactOutcome, Enquiry, StageChange
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.followups import services as followups
from tracker.followups.models import FollowUp, FollowUpKind, FollowUpStatus, Priority, Reschedule
from tracker.patients import services as patients
from tracker.patients.models import Patient
from tracker.permissions import Role
from tracker.plans import services as plans
from tracker.plans import sessions
from tracker.plans.models import PlanItem, PlanStatus, TreatmentPlan
from tracker.settings.models import Option, OptionKind
from tracker.settings.services import add_option

ZONE = ZoneInfo("Europe/London")  # the testing configuration's clinic zone
PASSWORD = "plum-orchard-lantern-42"
TO_CONSULTED = (Stage.CONTACTED, Stage.CONSULTATION_BOOKED, Stage.CONSULTED)
TO_PLAN_PROPOSED = (*TO_CONSULTED, Stage.PLAN_PROPOSED)

_numbers: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _next(app, kind: str, start: int = 1) -> int:
    """A number unique within one app (one test) for one kind of row: for names, e-mails and phone numbers."""
    counters = _numbers.setdefault(app, {})
    return next(counters.setdefault(kind, itertools.count(start)))


# Times --------------------------------------------------------------------------------------------------------------

def local(day: date, at: str = "10:00") -> datetime:
    """A clinic wall-clock time as a UTC instant."""
    return datetime.combine(day, time.fromisoformat(at)).replace(tzinfo=ZONE).astimezone(UTC)


def today(app) -> date:
    """The clinic's today, by the app's clock."""
    with app.app_context():
        return clinic_today()


# People and enquiries -----------------------------------------------------------------------------------------------

def user(app, role: str = "reception", email: str | None = None, password: str = PASSWORD,
         full_name: str | None = None, active: bool = True) -> User:
    """An account with a role, committed and detached."""
    n = _next(app, "user")
    with app.app_context():
        account = accounts.create_user(email or f"{role}{n}@clinic.example", full_name or f"{role.title()} Person {n}",
                                       Role(role), password)
        account.active = active
        db.session.commit()
        db.session.refresh(account)
        db.session.expunge(account)
    return account


def _phone(n: int) -> str:
    """A UK mobile number for the n-th patient (Ofcom's drama range while it lasts)."""
    return f"+447700900{n:03d}" if n < 1000 else f"+4477009{n:05d}"


def patient(app, first_name: str = "Ada", last_name: str = "Lovelace", phone: str | None = None, **details) -> int:
    """A patient created through the service; returns its id."""
    n = _next(app, "patient", 100)
    with app.app_context():
        created = patients.create_patient(patients.PatientDetails(
            first_name=first_name, last_name=last_name, phone=phone if phone is not None else _phone(n),
            **details))
        db.session.commit()
        return created.id


def enquiry(app, patient_id: int | None = None, *, by_id: int | None = None, channel: Channel = Channel.PHONE,
            hours_ago: float = 1, received_at: datetime | None = None, spoken_to: bool = False,
            first_name: str = "Ada", last_name: str = "Lovelace", phone: str | None = None,
            treatment_ids: tuple[int, ...] = (), **details) -> int:
    """An enquiry logged through the service (for a new patient with these names unless patient_id is given),
    received `hours_ago` hours ago (or at `received_at`), asking about the treatments with these ids; `details`
    are the rest of EnquiryDetails. Returns its id."""
    patient_id = patient_id or patient(app, first_name, last_name, phone)
    with app.app_context():
        received = received_at or utcnow() - timedelta(hours=hours_ago)
        treatments = [*details.pop("treatments", ()), *(db.session.get(Treatment, i) for i in treatment_ids)]
        logged = enquiries.log_enquiry(db.session.get(Patient, patient_id),
                                       enquiries.EnquiryDetails(channel=channel, received_at=received,
                                                                treatments=treatments, **details),
                                       by_id=by_id, spoken_to=spoken_to)
        db.session.commit()
        return logged.id


def desk_enquiry(app, by_id: int, *, first_name: str = "Ann", last_name: str = "Lee",
                 phone: str | None = "+447700900123", stage: Stage | None = None,
                 lost_from: Stage | None = None) -> tuple[int, int]:
    """A patient with one enquiry logged now by a receptionist (optionally put at a stage directly, not through
    the stage machine); (patient id, enquiry id)."""
    patient_id = patient(app, first_name, last_name, phone)
    enquiry_id = enquiry(app, patient_id, by_id=by_id, hours_ago=0)
    if stage is not None:
        with app.app_context():
            found = db.session.get(Enquiry, enquiry_id)
            found.stage, found.lost_from_stage = stage, lost_from
            db.session.commit()
    return patient_id, enquiry_id


def move(app, enquiry_id: int, *stages: Stage) -> None:
    """Walk an enquiry through stages with the stage machine (as the other steps would)."""
    with app.app_context():
        found = db.session.get(Enquiry, enquiry_id)
        for stage in stages:
            enquiries.move(found, stage, by_id=None)
        db.session.commit()


QUIET_DAYS = 30  # a quiet enquiry was received this long ago, so a follow-up may fall due any day since


def quiet_enquiry(app, *, assigned_to_id: int | None = None, **kwargs) -> int:
    """An enquiry received QUIET_DAYS days ago and already reached, so no rule keeps a follow-up open on it;
    `kwargs` go to enquiry()."""
    enquiry_id = enquiry(app, hours_ago=24 * QUIET_DAYS, assigned_to_id=assigned_to_id, **kwargs)
    with app.app_context():
        enquiries.record_contact(db.session.get(Enquiry, enquiry_id), ContactOutcome.REACHED, by_id=None)
        db.session.commit()
    return enquiry_id


# Follow-ups ---------------------------------------------------------------------------------------------------------

HAND_MADE = {"kind": FollowUpKind.OTHER, "note": "Ask about the photos"}  # add_follow_up(app, id, **HAND_MADE)


def add_follow_up(app, enquiry_id: int, due_on: date | None = None, due_time: time | str | None = None, *,
                  assigned_to_id: int | None = None, by_id: int | None = None,
                  kind: FollowUpKind = FollowUpKind.CALL_BACK, priority: Priority = Priority.NORMAL,
                  note: str | None = None, status: FollowUpStatus = FollowUpStatus.OPEN,
                  straight: bool = False) -> int:
    """A follow-up added by hand through the service (an open enquiry, a due day not before it was received, an
    active assignee or the team: None), due in three days unless `due_on` says, at `due_time` ("09:30" too);
    straight: written straight to the table instead, past those checks, with any status. Returns its id."""
    due_on = due_on or today(app) + timedelta(days=3)
    due_time = time.fromisoformat(due_time) if isinstance(due_time, str) else due_time
    details = followups.Details(kind, due_on, due_time, assigned_to_id, priority, note)
    with app.app_context():
        if straight:
            made = FollowUp(enquiry_id=enquiry_id, kind=kind, due_on=due_on, due_time=due_time,
                            overdue_at=followups.overdue_instant(due_on, due_time), assigned_to_id=assigned_to_id,
                            status=status, priority=priority, note=note, created_by_id=by_id)
            db.session.add(made)
        else:
            assert status is FollowUpStatus.OPEN, "the service adds open follow-ups; pass straight=True"
            made = followups.add(db.session.get(Enquiry, enquiry_id), details, by_id=by_id)
        db.session.commit()
        return made.id


def set_next_step(app, enquiry_id: int, due_on: date | None, due_time: time | None = None) -> None:
    """Cancel the enquiry's open follow-ups and, if `due_on`, add a call back due then (all day unless `due_time`),
    in one commit: its next step."""
    with app.app_context():
        for follow_up in followups.for_enquiry(enquiry_id):
            if follow_up.is_open:
                followups.cancel(follow_up, reason="Test", version=follow_up.version, by_id=None)
        if due_on is not None:
            followups.add(db.session.get(Enquiry, enquiry_id),
                          followups.Details(FollowUpKind.CALL_BACK, due_on, due_time), by_id=None)
        db.session.commit()


# The clinic's lists -------------------------------------------------------------------------------------------------

def room(app, label: str) -> int:
    """An active room in the settings list; returns its id."""
    with app.app_context():
        added = add_option(OptionKind.ROOM, label)
        db.session.commit()
        return added.id


def lost_reason(app, label: str = "Price") -> int:
    """The id of a seeded lost reason."""
    with app.app_context():
        return db.session.scalar(select(Option.id).where(Option.kind == OptionKind.LOST_REASON,
                                                         Option.label == label))


def treatment(app, name: str | None = None, *, sessions: int = 4, interval_weeks: int = 3,
              price_pence: int = 20000, reflection_days: int = 2, **details) -> int:
    """A catalogue treatment through the service, with explicit figures (tests never rely on the seeded
    catalogue's); `details` are the rest of TreatmentDetails. Returns its id."""
    n = _next(app, "treatment")
    with app.app_context():
        created = catalogue.create_treatment(catalogue.TreatmentDetails(
            name=name or f"Treatment {n}", default_sessions=sessions, default_interval_weeks=interval_weeks,
            price_pence=price_pence, reflection_days=reflection_days, position=catalogue.next_position(), **details))
        db.session.commit()
        return created.id


def set_treatment(app, treatment_id: int, **values) -> None:
    """Change a catalogue entry (an administrator's edit)."""
    with app.app_context():
        found = db.session.get(Treatment, treatment_id)
        for name, value in values.items():
            setattr(found, name, value)
        db.session.commit()


# Appointments -------------------------------------------------------------------------------------------------------

def appointment(app, enquiry_id: int, practitioner_id: int | None, starts_at: datetime, minutes: int = 30,
                status: AppointmentStatus = AppointmentStatus.BOOKED,
                kind: AppointmentKind = AppointmentKind.CONSULTATION, **columns) -> int:
    """An appointment written straight to the table (booking refuses the past; tests need it); returns its id."""
    with app.app_context():
        written = Appointment(enquiry_id=enquiry_id, kind=kind, practitioner_id=practitioner_id, starts_at=starts_at,
                              ends_at=starts_at + timedelta(minutes=minutes), status=status, **columns)
        db.session.add(written)
        db.session.commit()
        return written.id


def consultation(app, practitioner_id: int, *, hours_ago: float = 1,
                 status: AppointmentStatus = AppointmentStatus.BOOKED,
                 kind: AppointmentKind = AppointmentKind.CONSULTATION) -> tuple[int, int]:
    """A new enquiry put at consultation booked, with a consultation that started `hours_ago` (negative: future),
    both written straight to the tables; (appointment id, enquiry id)."""
    enquiry_id = enquiry(app)
    with app.app_context():
        db.session.get(Enquiry, enquiry_id).stage = Stage.CONSULTATION_BOOKED
        db.session.commit()
    return appointment(app, enquiry_id, practitioner_id, utcnow() - timedelta(hours=hours_ago), status=status,
                       kind=kind), enquiry_id


# Plans --------------------------------------------------------------------------------------------------------------

def consulted_enquiry(app, *, days_ago: int = 30, stages=TO_CONSULTED, attended: bool = False,
                      practitioner_id: int | None = None) -> int:
    """An enquiry received `days_ago` days ago, moved along to consulted (or through `stages`); attended: with a
    consultation attended yesterday."""
    enquiry_id = enquiry(app, hours_ago=24 * days_ago)
    move(app, enquiry_id, *stages)
    if attended:
        appointment(app, enquiry_id, practitioner_id, utcnow() - timedelta(days=1), status=AppointmentStatus.ATTENDED)
    return enquiry_id


def drafted_at(day: date) -> datetime:
    """Midday in the clinic on a day, as a UTC instant."""
    return local(day, "12:00")


def draft(app, enquiry_id: int, practitioner_id: int, *treatment_ids: int, notes: str | None = None,
          drafted_on: date | None = None, **details) -> int:
    """A draft plan through the rules, one item per treatment (catalogue defaults unless `details`), drafted today
    or on `drafted_on` (its information cannot be given before it was drafted)."""
    with app.app_context():
        plan = plans.new_plan(db.session.get(Enquiry, enquiry_id), practitioner=db.session.get(User, practitioner_id),
                              notes=notes, by_id=practitioner_id)
        if drafted_on is not None:
            plan.created_at = drafted_at(drafted_on)
        for treatment_id in treatment_ids:
            plans.add_item(plan, db.session.get(Treatment, treatment_id), plans.ItemDetails(**details))
        db.session.commit()
        return plan.id


def propose(app, plan_id: int, info_given_on: date | None = None, *, by_id: int | None = None) -> None:
    """Propose a draft through the rules (information given today unless said)."""
    with app.app_context():
        plan = plans.get_plan(plan_id)
        plans.propose(plan, info_given_on=info_given_on or clinic_today(), version=plan.version, by_id=by_id)
        db.session.commit()


def proposed(app, enquiry_id: int, practitioner_id: int, *treatment_ids: int,
             info_given_on: date | None = None) -> int:
    """A proposed plan through the rules, drafted on the day its information was given; returns its id."""
    plan_id = draft(app, enquiry_id, practitioner_id, *treatment_ids, drafted_on=info_given_on)
    propose(app, plan_id, info_given_on)
    return plan_id


def with_plan(app, plan_id: int, action) -> None:
    """Run action(plan) on the plan as stored now, and commit."""
    with app.app_context():
        action(plans.get_plan(plan_id))
        db.session.commit()


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


def _plan_status_columns(status: PlanStatus, info_given_on: date | None, practitioner_id: int) -> dict:
    accepted = status is PlanStatus.ACCEPTED
    return {"decided_on": info_given_on if accepted else None, "consent_by_id": practitioner_id if accepted else None,
            "consent_on": info_given_on if accepted else None}


def build_plan(app, enquiry_id: int, practitioner_id: int, items: list[Item], *, info_given_on: date | None,
               status: PlanStatus = PlanStatus.ACCEPTED) -> Course:
    """A plan with its items written straight to the tables; each item takes its treatment's reflection days."""
    with app.app_context():
        number = len(db.session.scalars(select(TreatmentPlan.id).where(TreatmentPlan.enquiry_id == enquiry_id)).all())
        plan = TreatmentPlan(enquiry_id=enquiry_id, number=number + 1, revision=1, status=status,
                             practitioner_id=practitioner_id, info_given_on=info_given_on,
                             **_plan_status_columns(status, info_given_on, practitioner_id))
        db.session.add(plan)
        db.session.flush()
        rows = []
        for spec in items:
            found = db.session.scalar(select(Treatment).where(Treatment.code == spec.code))
            rows.append(PlanItem(plan_id=plan.id, treatment_id=found.id, phase=spec.phase, position=spec.position,
                                 areas=["cheek_left"], sessions=spec.sessions, interval_weeks=spec.interval_weeks,
                                 price_pence=found.price_pence, reflection_days=found.reflection_days))
        db.session.add_all(rows)
        db.session.commit()
        return Course(enquiry_id, plan.id, tuple(r.id for r in rows), practitioner_id)


def enquiry_at_plan_proposed(app) -> int:
    """A new enquiry moved along the pipeline to plan proposed, as the earlier steps would."""
    enquiry_id = enquiry(app)
    move(app, enquiry_id, *TO_PLAN_PROPOSED)
    return enquiry_id


def course(app, practitioner_id: int, items: list[Item], *, info_given_on: date | None = None,
           status: PlanStatus = PlanStatus.ACCEPTED) -> Course:
    """An enquiry at plan proposed with an accepted plan (information given today unless said)."""
    enquiry_id = enquiry_at_plan_proposed(app)
    given = info_given_on if info_given_on is not None else today(app)
    return build_plan(app, enquiry_id, practitioner_id, items, info_given_on=given, status=status)


def add_session(app, c: Course, item_index: int, number: int, starts_at: datetime,
                status: AppointmentStatus = AppointmentStatus.BOOKED, minutes: int = 60) -> int:
    """A treatment session written straight to the table (booking refuses the past; done/missed tests need it)."""
    return appointment(app, c.enquiry_id, c.practitioner_id, starts_at, minutes, status,
                       AppointmentKind.TREATMENT_SESSION, plan_item_id=c.item_ids[item_index], session_number=number)


def book(app, c: Course, rows: list[tuple[int, int, datetime]], *, minutes: int = 60, by_id: int | None = None,
         room_id: int | None = None) -> list[int]:
    """Book (item index, session number, starts_at) rows with book_course and commit; refused: rolled back, raised."""
    with app.app_context():
        plan = sessions.plan_with_items(c.plan_id)
        items = {item.id: item for item in plan.items}
        course_rows = [sessions.CourseRow(items[c.item_ids[index]], number, at) for index, number, at in rows]
        chosen = db.session.get(Option, room_id) if room_id else None
        try:
            booked = sessions.book_course(plan, course_rows, minutes=minutes, room=chosen, by_id=by_id)
        except BookingError:
            db.session.rollback()
            raise
        db.session.commit()
        return [a.id for a in booked]


def record_done(app, appointment_id: int, performer_id: int, notes: str = "Depth 1.5 mm, two passes") -> None:
    """Record a session done with the service, and commit."""
    with app.app_context():
        found = db.session.get(Appointment, appointment_id)
        sessions.record_done(found, performed_by=db.session.get(User, performer_id), notes=notes,
                             version=found.version, by_id=None)
        db.session.commit()


# Reading back what was built ----------------------------------------------------------------------------------------

def _columns(row) -> dict:
    return {c.key: getattr(row, c.key) for c in type(row).__table__.columns}


def enquiry_row(app, enquiry_id: int) -> dict:
    """Everything stored for one enquiry (archived too), its concerns and treatments included."""
    with app.app_context():
        found = enquiries.get_enquiry(enquiry_id, archived=True)
        return {**_columns(found), "concerns": sorted(c.value for c in found.concerns),
                "treatments": sorted(t.id for t in found.treatments)}


def follow_up_rows(app, enquiry_id: int) -> list[FollowUp]:
    """An enquiry's follow-ups (the rules' own among them) in id order, detached."""
    with app.app_context():
        found = list(db.session.scalars(select(FollowUp).where(FollowUp.enquiry_id == enquiry_id)
                                        .order_by(FollowUp.id)))
        db.session.expunge_all()
        return found


def follow_up_row(app, follow_up_id: int) -> FollowUp:
    """One follow-up as stored now, detached."""
    with app.app_context():
        found = db.session.get(FollowUp, follow_up_id)
        db.session.expunge_all()
        return found


def reschedules(app, follow_up_id: int) -> list[Reschedule]:
    """A follow-up's reschedules, detached."""
    with app.app_context():
        found = list(db.session.scalars(select(Reschedule).where(Reschedule.follow_up_id == follow_up_id)))
        db.session.expunge_all()
        return found


def stage_of(app, enquiry_id: int) -> Stage:
    with app.app_context():
        return db.session.get(Enquiry, enquiry_id).stage


WITH_REASON = ("from_stage", "to_stage", "lost_reason_id", "note")  # stage_changes(app, id, *WITH_REASON)
WITH_NOTE = ("from_stage", "to_stage", "note")


def stage_changes(app, enquiry_id: int, *columns: str) -> list[tuple]:
    """The given columns (default: from, to, by, note) of each stage change, oldest first."""
    columns = columns or ("from_stage", "to_stage", "by_id", "note")
    with app.app_context():
        stmt = select(StageChange).where(StageChange.enquiry_id == enquiry_id).order_by(StageChange.id)
        return [tuple(getattr(c, name) for name in columns) for c in db.session.scalars(stmt)]


def appointment_rows(app, enquiry_id: int | None = None, kind: AppointmentKind | None = None) -> list[dict]:
    """Every appointment (of one enquiry, of one kind), in id order, as plain dicts."""
    with app.app_context():
        stmt = select(Appointment).order_by(Appointment.id)
        if enquiry_id is not None:
            stmt = stmt.where(Appointment.enquiry_id == enquiry_id)
        if kind is not None:
            stmt = stmt.where(Appointment.kind == kind)
        return [_columns(a) for a in db.session.scalars(stmt)]


def session_rows(app, enquiry_id: int | None = None) -> list[dict]:
    """Every treatment session (of one enquiry), in id order, as plain dicts."""
    return appointment_rows(app, enquiry_id, AppointmentKind.TREATMENT_SESSION)


def row_count(app, model, *where) -> int:
    """Rows in a model's table (those matching `where`)."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def table_counts(app) -> dict[str, int]:
    """Rows in every table of the schema."""
    with app.app_context():
        return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def read_patient(app, patient_id: int) -> Patient:
    """A patient as stored now, detached."""
    with app.app_context():
        found = db.session.get(Patient, patient_id)
        db.session.expunge(found)
        return found


def read_enquiry(app, enquiry_id: int) -> Enquiry:
    """The enquiry as stored now (archived too), detached, with its lists loaded."""
    with app.app_context():
        found = enquiries.get_enquiry(enquiry_id, archived=True)
        db.session.expunge_all()
        return found


def version_of(app, appointment_id: int) -> int:
    with app.app_context():
        return db.session.get(Appointment, appointment_id).version


def plan_row(app, plan_id: int) -> dict:
    with app.app_context():
        return _columns(db.session.get(TreatmentPlan, plan_id))


def plan_rows(app, enquiry_id: int) -> list[dict]:
    """Every plan row of an enquiry, in id order."""
    with app.app_context():
        stmt = select(TreatmentPlan).where(TreatmentPlan.enquiry_id == enquiry_id).order_by(TreatmentPlan.id)
        return [_columns(p) for p in db.session.scalars(stmt)]


def item_rows(app, plan_id: int | None = None) -> list[dict]:
    """Every item row (removed ones too), in id order."""
    with app.app_context():
        stmt = select(PlanItem).order_by(PlanItem.id)
        if plan_id is not None:
            stmt = stmt.where(PlanItem.plan_id == plan_id)
        return [_columns(i) for i in db.session.scalars(stmt)]
