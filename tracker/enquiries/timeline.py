"""An enquiry's timeline: everything that happened to it, newest first, from the rows that record it."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.bookings import services as bookings
from tracker.bookings.models import AppointmentStatus
from tracker.clock import format_datetime
from tracker.enquiries.models import ContactAttempt, ContactOutcome, EnquiryNote, StageChange
from tracker.extensions import db

LIMIT = 500  # the newest of each kind of entry; far beyond any real enquiry, and keeps the page bounded
AUTOMATICALLY = "automatically"  # shown as "by" when a rule did it, not a person


@dataclass
class Entry:
    """One line of the timeline."""

    at: datetime
    kind: str  # stage, contact, note, booking, followup...: the template picks an icon and colour by it
    title: str
    by: str | None = None
    detail: str | None = None
    origin: bool = False  # the enquiry's first line: shown among people's actions whoever (or whatever) logged it

    @property
    def by_person(self) -> bool:
        """A person's action (or the enquiry's first line), not a rule's or the system's."""
        return self.origin or (self.by is not None and self.by != AUTOMATICALLY)


def _name(user) -> str | None:
    return user.full_name if user is not None else None


def _stage_entries(enquiry_id: int) -> list[Entry]:
    stmt = (select(StageChange).where(StageChange.enquiry_id == enquiry_id)
            .options(joinedload(StageChange.by), joinedload(StageChange.lost_reason))
            .order_by(StageChange.at.desc(), StageChange.id.desc()).limit(LIMIT))
    entries = []
    for change in db.session.scalars(stmt):
        if change.from_stage is None:
            title = "Enquiry logged"
        elif change.lost_reason is not None:
            title = f"Lost at {change.from_stage.label.lower()}: {change.lost_reason.label}"
        else:
            title = f"{change.from_stage.label} → {change.to_stage.label}"
        entries.append(Entry(change.at, "stage", title, _name(change.by), change.note,
                             origin=change.from_stage is None))
    return entries


def _contact_entries(enquiry_id: int) -> list[Entry]:
    stmt = (select(ContactAttempt).where(ContactAttempt.enquiry_id == enquiry_id)
            .options(joinedload(ContactAttempt.by))
            .order_by(ContactAttempt.at.desc(), ContactAttempt.id.desc()).limit(LIMIT))
    return [Entry(a.at, "contact", ("Contacted: " if a.outcome is ContactOutcome.REACHED else "Contact attempt: ")
                  + a.outcome.label.lower(), _name(a.by), a.note) for a in db.session.scalars(stmt)]


def _note_entries(enquiry_id: int) -> list[Entry]:
    stmt = (select(EnquiryNote).where(EnquiryNote.enquiry_id == enquiry_id).options(joinedload(EnquiryNote.by))
            .order_by(EnquiryNote.at.desc(), EnquiryNote.id.desc()))
    return [Entry(n.at, "note", "Note", _name(n.by), n.body) for n in db.session.scalars(stmt.limit(LIMIT))]


def _booking_entries(appointments) -> list[Entry]:
    entries = []
    for a in appointments:
        when = a.starts_at
        entries.append(Entry(a.created_at, "booking", f"{a.kind.label} booked", _name(a.booked_by),
                             _slot_text(a, when)))
        if a.status is not AppointmentStatus.BOOKED and a.status_changed_at:
            detail = a.cancel_reason if a.status is AppointmentStatus.CANCELLED else _slot_text(a, when)
            entries.append(Entry(a.status_changed_at, "booking", f"{a.kind.label} {a.status.label.lower()}",
                                 _name(a.status_changed_by), detail))
    return entries


def _slot_text(appointment, when: datetime) -> str:
    room = f", {appointment.room.label}" if appointment.room else ""
    return f"{format_datetime(when)} with {appointment.practitioner.full_name}{room}"


def _clinical_entries(enquiry_id: int, clinical: bool, assessments, plans) -> list[Entry]:
    """Assessments, plans and hint acknowledgements; their clinical detail only when `clinical`.

    assessments, plans: what the page already loaded (None: not loaded). An enquiry without either
    has no acknowledgements either, so a new enquiry's page asks nothing more.
    """
    # Imported here: these features build on enquiries, which must not import them at load time.
    from tracker.consultations import hints
    from tracker.consultations import services as consultations
    from tracker.plans import services as treatment_plans

    entries = []
    if assessments is None or assessments:
        entries += consultations.timeline_entries(enquiry_id, clinical=clinical)
    if plans is None or plans:
        entries += treatment_plans.timeline_entries(enquiry_id, clinical=clinical, plans=plans)
    if assessments is None or plans is None or assessments or plans:
        entries += hints.timeline_entries(enquiry_id, clinical=clinical)
    return entries


def _followup_entries(enquiry_id: int, follow_ups) -> list[Entry]:
    """Follow-ups done, cancelled, rescheduled or made by a rule; `follow_ups`: what the page loaded (or None)."""
    # Imported here, as the clinical features are: follow-ups build on enquiries.
    from tracker.followups import services as followups
    from tracker.followups import timeline as followup_timeline

    if follow_ups is None:
        follow_ups = followups.for_enquiry(enquiry_id)
    return followup_timeline.timeline_entries(enquiry_id, follow_ups)


def timeline(enquiry_id: int, appointments=None, *, clinical: bool = False, assessments=None,
             plans=None, follow_ups=None) -> list[Entry]:
    """Every entry, newest first; pass what the page already loaded (appointments, assessments, plans, follow-ups).

    clinical: the reader may see clinical detail (the assessment, plan notes); the caller audits that view.
    """
    if appointments is None:
        appointments = bookings.for_enquiry(enquiry_id)
    entries = (_stage_entries(enquiry_id) + _contact_entries(enquiry_id) + _note_entries(enquiry_id)
               + _booking_entries(appointments) + _clinical_entries(enquiry_id, clinical, assessments, plans)
               + _followup_entries(enquiry_id, follow_ups))
    # Each kind comes newest first; at equal times the later row of a kind stays above the earlier.
    order = {id(entry): position for position, entry in enumerate(entries)}
    return sorted(entries, key=lambda e: (e.at, -order[id(e)]), reverse=True)


def people_only(entries: list[Entry]) -> list[Entry]:
    """The entries people made (and the enquiry's first line): the timeline as the enquiry page shows it first."""
    return [entry for entry in entries if entry.by_person]
