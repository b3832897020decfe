"""Enquiry rules: logging, editing, the stage machine, contact attempts, notes, archiving."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from tracker.audit import services as audit
from tracker.audit.models import AuditAction
from tracker.catalogue.models import Treatment
from tracker.db import utcnow
from tracker.enquiries import hooks
from tracker.enquiries.models import (
    Channel,
    Concern,
    ContactAttempt,
    ContactOutcome,
    Enquiry,
    EnquiryConcern,
    EnquiryNote,
    StageChange,
)
from tracker.enquiries.stages import Stage, can_move, is_manual, manual_next_stages, reopens_to
from tracker.errors import ServiceError
from tracker.extensions import db
from tracker.patients.models import Patient
from tracker.settings.hours import Week
from tracker.settings.models import Option


class StageError(ServiceError):
    """A move the pipeline does not allow."""


@dataclass
class EnquiryDetails:
    """What a form says about an enquiry, already validated."""

    channel: Channel
    received_at: datetime
    source: Option | None = None
    concerns: list[Concern] = field(default_factory=list)
    caller_words: str | None = None
    treatments: list[Treatment] = field(default_factory=list)
    assigned_to_id: int | None = None


def _apply(enquiry: Enquiry, details: EnquiryDetails) -> dict:
    """Set the fields; returns the concern and treatment changes, which the row-level trail cannot see."""
    old_concerns = [c.value for c in enquiry.concerns] if enquiry.id else []
    old_treatments = [t.name for t in enquiry.treatments] if enquiry.id else []
    enquiry.channel = details.channel
    if enquiry.received_at != details.received_at:
        enquiry.received_at = details.received_at
        _time_first_contact(enquiry)
    enquiry.source_id = details.source.id if details.source else None
    enquiry.caller_words = details.caller_words or None
    enquiry.assigned_to_id = details.assigned_to_id
    wanted = sorted(set(details.concerns))
    if [c.value for c in wanted] != old_concerns:
        enquiry.concern_rows = [row for row in enquiry.concern_rows if row.concern in wanted] + [
            EnquiryConcern(concern=c) for c in wanted if c not in enquiry.concerns]
    enquiry.treatments = list(dict.fromkeys(details.treatments))  # a treatment named twice is one link row
    changes = {}
    new_concerns = [c.value for c in wanted]
    if new_concerns != old_concerns:
        changes["concerns"] = [old_concerns, new_concerns]
    new_treatments = [t.name for t in details.treatments]
    if sorted(new_treatments) != sorted(old_treatments):
        changes["treatments"] = [old_treatments, new_treatments]
    return changes


def log_enquiry(patient: Patient, details: EnquiryDetails, *, by_id: int | None,
                spoken_to: bool = False) -> Enquiry:
    """A new enquiry for a patient, assigned to its logger unless someone else is chosen.

    spoken_to: reception spoke with the enquirer when logging it (a call answered live, a
    walk-in), so it counts as contacted at the time it was received.
    """
    enquiry = Enquiry(patient=patient, stage=Stage.NEW, logged_by_id=by_id, concern_rows=[], treatments=[])
    changes = _apply(enquiry, details)
    enquiry.assigned_to_id = details.assigned_to_id or by_id
    db.session.add(enquiry)
    db.session.flush()
    db.session.add(StageChange(enquiry_id=enquiry.id, from_stage=None, to_stage=Stage.NEW, at=details.received_at,
                               by_id=by_id))
    if changes:
        audit.record(AuditAction.UPDATE, entity=enquiry, changes=changes)
    if spoken_to:
        stamp_first_contact(enquiry, details.received_at, by_id=by_id)
    return enquiry


def update_enquiry(enquiry: Enquiry, details: EnquiryDetails, *, version: int) -> None:
    """Save an edit; ConflictError if someone changed the enquiry since the form was opened."""
    audit.check_version(enquiry, version)
    changes = _apply(enquiry, details)
    if changes:
        audit.record(AuditAction.UPDATE, entity=enquiry, changes=changes)
        enquiry.version += 1  # the lists live in other tables; a concurrent edit of them must still conflict


# --- the stage machine --------------------------------------------------------------------

def move(enquiry: Enquiry, to_stage: Stage, *, by_id: int | None, note: str | None = None,
         at: datetime | None = None) -> StageChange:
    """Move an enquiry along the pipeline, recording the change. Every stage change goes through here."""
    if to_stage is Stage.LOST:
        raise StageError("Use 'mark lost' with a reason.")
    if not can_move(enquiry.stage, to_stage):
        raise StageError(f"An enquiry cannot go from {enquiry.stage.label.lower()} to {to_stage.label.lower()}.")
    return _record_move(enquiry, to_stage, by_id=by_id, note=note, at=at)


def _record_move(enquiry: Enquiry, to_stage: Stage, *, by_id: int | None, note: str | None = None,
                 at: datetime | None = None, lost_reason: Option | None = None) -> StageChange:
    change = StageChange(enquiry_id=enquiry.id, from_stage=enquiry.stage, to_stage=to_stage, at=at or utcnow(),
                         by_id=by_id, note=note or None, lost_reason_id=lost_reason.id if lost_reason else None)
    enquiry.stage = to_stage
    db.session.add(change)
    return change


def mark_lost(enquiry: Enquiry, reason: Option | None, *, by_id: int | None, note: str | None = None) -> StageChange:
    """Close an open enquiry as lost, with a reason from the clinic's list."""
    if not enquiry.stage.is_open:
        raise StageError(f"A {enquiry.stage.label.lower()} enquiry cannot be marked lost.")
    if reason is None:
        raise StageError("Choose why the enquiry was lost.")
    enquiry.lost_from_stage = enquiry.stage
    enquiry.lost_reason_id = reason.id
    enquiry.lost_note = note or None
    hooks.closing.ask(enquiry, f"Enquiry lost: {reason.label}", by_id=by_id)
    return _record_move(enquiry, Stage.LOST, by_id=by_id, note=note, lost_reason=reason)


def _consulted_before_loss(enquiry: Enquiry) -> bool:
    return enquiry.lost_from_stage is Stage.CONSULTATION_BOOKED and any(hooks.consulted.ask(enquiry))


def reopen_target(enquiry: Enquiry) -> Stage | None:
    """Where a lost enquiry reopens to (stages.reopens_to, told whether the patient was consulted)."""
    return reopens_to(enquiry, was_consulted=_consulted_before_loss(enquiry))


def stage_buttons(enquiry: Enquiry) -> list[Stage]:
    """The stage moves the enquiry page offers (stages.manual_next_stages)."""
    return manual_next_stages(enquiry, was_consulted=_consulted_before_loss(enquiry))


def reopen(enquiry: Enquiry, *, by_id: int | None, note: str | None = None) -> StageChange:
    """Take a lost enquiry back to the stage it was lost from (see stages.reopens_to)."""
    if enquiry.stage is not Stage.LOST or enquiry.lost_from_stage is None:
        raise StageError("Only a lost enquiry can be reopened.")
    back_to = reopen_target(enquiry)
    enquiry.lost_from_stage = None
    enquiry.lost_reason_id = None
    enquiry.lost_note = None
    return _record_move(enquiry, back_to, by_id=by_id, note=note)


def change_stage(enquiry: Enquiry, to_stage: Stage, *, version: int, by_id: int | None, note: str | None = None,
                 lost_reason: Option | None = None) -> StageChange:
    """A stage change asked for from the enquiry page: checked against the version the page showed."""
    audit.check_version(enquiry, version)
    if to_stage is Stage.LOST:
        return mark_lost(enquiry, lost_reason, by_id=by_id, note=note)
    if enquiry.stage is Stage.LOST:
        if to_stage is not reopen_target(enquiry):
            raise StageError("A lost enquiry reopens to the stage it was lost from.")
        return reopen(enquiry, by_id=by_id, note=note)
    if can_move(enquiry.stage, to_stage) and not is_manual(enquiry.stage, to_stage):
        raise StageError(f"{to_stage.label} is set by {_DRIVEN_BY.get(to_stage, 'its own step')}, not by hand.")
    return move(enquiry, to_stage, by_id=by_id, note=note)


_DRIVEN_BY = {Stage.CONTACTED: "logging a reached contact or cancelling the consultation",
              Stage.CONSULTATION_BOOKED: "booking the consultation",
              Stage.CONSULTED: "marking the consultation attended, or declining the plan",
              Stage.PLAN_PROPOSED: "proposing a treatment plan",
              Stage.TREATMENT_BOOKED: "booking the first session of an accepted plan",
              Stage.IN_TREATMENT: "recording the first session done",
              Stage.COMPLETED: "recording the course's last session done"}


# --- contact ------------------------------------------------------------------------------

def note_first_contact(enquiry: Enquiry, at: datetime) -> None:
    """Stamp the first time the clinic reached the enquirer, once, with the opening time it took."""
    if enquiry.first_contacted_at is None:
        enquiry.first_contacted_at = at
        _time_first_contact(enquiry)


def _time_first_contact(enquiry: Enquiry) -> None:
    """Keep first_contact_open_seconds: the opening time from received to first contact (None: not contacted)."""
    if enquiry.first_contacted_at is None:
        enquiry.first_contact_open_seconds = None
        return
    waited = Week.load().opening_time_between(enquiry.received_at, enquiry.first_contacted_at)
    enquiry.first_contact_open_seconds = int(waited.total_seconds())


def stamp_first_contact(enquiry: Enquiry, at: datetime, *, by_id: int | None) -> None:
    """The first time the clinic reached the enquirer: stamped once, and a new enquiry becomes contacted."""
    note_first_contact(enquiry, at)
    if enquiry.stage is Stage.NEW:
        move(enquiry, Stage.CONTACTED, by_id=by_id, at=at)


def record_contact(enquiry: Enquiry, outcome: ContactOutcome, *, by_id: int | None,
                   note: str | None = None) -> ContactAttempt:
    """Log a call-back or message; reaching the enquirer counts as contact."""
    attempt = ContactAttempt(enquiry_id=enquiry.id, outcome=outcome, note=note or None, at=utcnow(), by_id=by_id)
    db.session.add(attempt)
    if outcome is ContactOutcome.REACHED:
        stamp_first_contact(enquiry, attempt.at, by_id=by_id)
    return attempt


def add_note(enquiry: Enquiry, body: str, *, by_id: int | None) -> EnquiryNote:
    """A note on the enquiry's timeline."""
    note = EnquiryNote(enquiry_id=enquiry.id, body=body.strip(), at=utcnow(), by_id=by_id)
    db.session.add(note)
    return note


# --- archive ------------------------------------------------------------------------------

def archive(enquiry: Enquiry, *, version: int) -> None:
    """Take an enquiry out of lists, search and counts (a duplicate, spam); a manager can restore it."""
    audit.check_version(enquiry, version)
    enquiry.archived_at = utcnow()
    hooks.closing.ask(enquiry, "Enquiry archived", by_id=None)


def restore(enquiry: Enquiry, *, version: int) -> None:
    """Bring an archived enquiry back; refused while its patient is archived."""
    audit.check_version(enquiry, version)
    if db.session.get(Patient, enquiry.patient_id).archived_at is not None:
        raise StageError("Restore the patient first; their enquiries come back with them.")
    enquiry.archived_at = None


def archive_for_patient(patient: Patient, at: datetime) -> None:
    """Archive a patient's enquiries along with them, stamped with the same time."""
    stmt = select(Enquiry).where(Enquiry.patient_id == patient.id, Enquiry.archived_at.is_(None))
    for enquiry in db.session.scalars(stmt):
        enquiry.archived_at = at
        hooks.closing.ask(enquiry, "Patient archived", by_id=None)


def restore_for_patient(patient: Patient, archived_at: datetime | None) -> None:
    """Restore the enquiries that were archived with a patient (not those archived on their own before)."""
    if archived_at is None:
        return
    stmt = select(Enquiry).where(Enquiry.patient_id == patient.id, Enquiry.archived_at == archived_at)
    for enquiry in db.session.scalars(stmt):
        enquiry.archived_at = None


def reassign_patient(old: Patient, new: Patient) -> tuple[list[int], list[int]]:
    """Move every enquiry of one patient to another (archived ones too), and point possible matches with the first
    at the second, clearing those that would point at their own patient: merging two records of one person.
    Returns the ids of the enquiries moved and of those whose match was pointed elsewhere."""
    moved = list(db.session.scalars(select(Enquiry).where(Enquiry.patient_id == old.id).order_by(Enquiry.id)))
    for enquiry in moved:
        enquiry.patient_id = new.id  # its bookings, follow-ups, notes, plans and history hang from it and move too
    matched = list(db.session.scalars(select(Enquiry).where(Enquiry.match_patient_id == old.id)
                                      .order_by(Enquiry.id)))
    for enquiry in matched:
        enquiry.match_patient_id = new.id
    for enquiry in (*moved, *matched):
        if enquiry.match_patient_id == enquiry.patient_id:
            enquiry.match_patient_id = enquiry.match_strength = enquiry.match_reason = None
    return [e.id for e in moved], [e.id for e in matched]


def get_enquiry(enquiry_id: int, *, archived: bool = False) -> Enquiry | None:
    """An enquiry by id with its patient, lists and people loaded; archived ones only when asked for."""
    if not 0 < enquiry_id < 2**31:
        return None
    options = [joinedload(Enquiry.patient), joinedload(Enquiry.source), joinedload(Enquiry.assigned_to),
               joinedload(Enquiry.logged_by), joinedload(Enquiry.lost_reason), joinedload(Enquiry.match_patient),
               selectinload(Enquiry.concern_rows), selectinload(Enquiry.treatments)]
    enquiry = db.session.get(Enquiry, enquiry_id, options=options, populate_existing=True)
    if enquiry is None or (enquiry.archived_at is not None and not archived):
        return None
    return enquiry
