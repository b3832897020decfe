"""What the home page shows each user: today's work for their role, read through each feature's bounded queries."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from tracker.auth.models import User
from tracker.bookings.models import Appointment
from tracker.bookings.services import consultations_on, takes_bookings, upcoming_statement
from tracker.clock import local_day_end, local_day_start
from tracker.db import utcnow
from tracker.enquiries.queries import ListFilters, Tally, desk_summary, stage_counts
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.followups import queries as followups
from tracker.intake.public_form import form_settings
from tracker.settings.services import opening_hours

HOME_ROWS = 8  # rows of each list on the home page; the full lists are a link away
FURTHER = (Stage.CONSULTATION_BOOKED, Stage.CONSULTED, Stage.PLAN_PROPOSED, Stage.TREATMENT_BOOKED,
           Stage.IN_TREATMENT, Stage.COMPLETED)


@dataclass
class Week:
    """The pipeline's headline figures for enquiries received since Monday."""

    since: date
    received: Tally
    new: Tally
    further: Tally  # booked a consultation, or went further
    lost: Tally


@dataclass
class Setup:
    """An administrator's checklist: what a clinic sets up before its first day."""

    open_days: int
    public_form_on: bool
    active_users: int


@dataclass
class Home:
    """The panels the user's permissions allow; None where their role does not see it."""

    desk: dict[str, Tally] | None = None
    follow_ups: dict[str, followups.Section] | None = None
    diary: list[Appointment] = field(default_factory=list)
    diary_own: bool = False
    consultations_today: int | None = None
    week: Week | None = None
    setup: Setup | None = None


def _follow_ups(user, today: date) -> dict[str, followups.Section]:
    """The user's own queue, overdue and due today (two statements, at most SECTION_ROWS rows each)."""
    scope = followups.Scope(person="", owners=followups.own_owners(user), others=False)
    return {section.key: section for section in followups.my_day(scope, user, utcnow(), today)}


def _diary(practitioner_id: int | None, today: date) -> list[Appointment]:
    """Today's booked consultations and sessions, from the start of the day, for one specialist or all."""
    stmt = upcoming_statement(practitioner_id=practitioner_id, since=local_day_start(today))
    return list(db.session.scalars(stmt.where(Appointment.starts_at < local_day_end(today)).limit(HOME_ROWS)))


def _week(today: date) -> Week:
    """Enquiries received since Monday, by how far they got (one capped statement)."""
    monday = today - timedelta(days=today.weekday())
    counts = stage_counts(ListFilters(stage="all", received_from=monday))
    return Week(since=monday, received=sum(counts.values(), Tally(0)), new=counts[Stage.NEW],
                further=sum((counts[s] for s in FURTHER), Tally(0)), lost=counts[Stage.LOST])


def _setup() -> Setup:
    """Opening hours, the public form and the accounts (three small reads)."""
    users = db.session.scalar(select(func.count()).select_from(User).where(User.active))
    return Setup(open_days=sum(1 for day in opening_hours() if day.opens is not None),
                 public_form_on=form_settings().enabled, active_users=users)


def home_for(user, today: date) -> Home:
    """Today's work for the user: each panel only where their role holds the permission it needs."""
    home = Home()
    if user.can("enquiry.view"):
        home.desk = desk_summary(user.id)
    if user.can("followup.view"):
        home.follow_ups = _follow_ups(user, today)
    if user.can("booking.view"):
        home.diary_own = takes_bookings(user)
        own = user.id if home.diary_own else None
        home.diary = _diary(own, today)
        home.consultations_today = consultations_on(local_day_start(today), local_day_end(today),
                                                    practitioner_id=own)
    if user.can("reports.view"):
        home.week = _week(today)
    if user.can("settings.manage"):
        home.setup = _setup()
    return home
