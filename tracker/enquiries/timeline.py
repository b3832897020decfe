"""An enquiry's timeline: everything that happened to it, newest first, from the rows that record it."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.enquiries import hooks
from tracker.enquiries.hooks import LIMIT, Entry
from tracker.enquiries.models import ContactAttempt, ContactOutcome, EnquiryNote, StageChange
from tracker.extensions import db


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


def timeline(enquiry_id: int, *, clinical: bool = False, loaded: dict | None = None) -> list[Entry]:
    """Every entry, newest first: the enquiry's own (stages, contacts, notes), then each feature's.

    clinical: the reader may see clinical detail (the assessment, plan notes); the caller audits that view.
    loaded: what the page already loaded (its panels' values), so the features do not query it again.
    """
    entries = _stage_entries(enquiry_id) + _contact_entries(enquiry_id) + _note_entries(enquiry_id)
    for contributed in hooks.timeline_entries.ask(enquiry_id, clinical=clinical, loaded=loaded or {}):
        entries += contributed
    # Each kind comes newest first; at equal times the later row of a kind stays above the earlier.
    order = {id(entry): position for position, entry in enumerate(entries)}
    return sorted(entries, key=lambda e: (e.at, -order[id(e)]), reverse=True)


def people_only(entries: list[Entry]) -> list[Entry]:
    """The entries people made (and the enquiry's first line): the timeline as the enquiry page shows it first."""
    return [entry for entry in entries if entry.by_person]
