"""Merging two records of one person: everything of the other moves to the one kept, and the other is archived."""

from sqlalchemy import or_, select

from tracker.audit import services as audit
from tracker.audit.models import AuditAction
from tracker.clock import format_date
from tracker.db import utcnow
from tracker.errors import ServiceError
from tracker.extensions import db
from tracker.patients import hooks
from tracker.patients.duplicates import mark_distinct
from tracker.patients.models import ContactKind, ContactMethod, DistinctPair, Patient, PatientContact

# Filled on the kept record from the other when the kept one has none; a differing value is kept as a contact.
FILLED = ("phone", "phone_alt", "email", "date_of_birth", "preferred_times")


class MergeError(ServiceError):
    """A merge that cannot be done: one record twice, or a record already archived or merged."""


def refusal(keep: Patient, other: Patient) -> str | None:
    """Why these two records cannot be merged, or None if they can."""
    if keep.id == other.id:
        return "A record cannot be merged with itself."
    for patient in (keep, other):
        if patient.merged_into_id is not None:
            return (f"{patient.full_name} (patient #{patient.id}) was already merged into patient "
                    f"#{patient.merged_into_id}: merge with that record instead.")
        if patient.archived_at is not None:
            return f"{patient.full_name} (patient #{patient.id}) is archived: a manager can restore them first."
    return None


def merge(keep: Patient, other: Patient, *, by_id: int | None, keep_version: int | None = None,
          other_version: int | None = None) -> dict:
    """Make `other` part of `keep`: its enquiries (with everything hanging from them), its contact details and
    notes move over, empty fields are filled, and it is archived pointing at `keep`. Nothing is deleted.

    MergeError if the two cannot be merged; ConflictError if either changed since the given versions.
    Returns what moved, as recorded in the audit trail.
    """
    if keep.id != other.id:
        _lock(keep, other)
    problem = refusal(keep, other)
    if problem:
        raise MergeError(problem)
    if keep_version is not None:
        audit.check_version(keep, keep_version)
    if other_version is not None:
        audit.check_version(other, other_version)
    kept_version = keep.version
    now = utcnow()
    stamp = f"from patient #{other.id}, merged {format_date(now)}"
    filled = _fill(keep, other, stamp)
    contacts = _keep_contacts(keep, other, stamp)
    consent = _consent(keep, other)
    moved = {key: ids for answer in hooks.merging.ask(other, keep) for key, ids in answer.items()}
    distinct = _move_distinct_pairs(keep, other)
    # Records merged into `other` before now lead straight to `keep`: a merged record's link is one step.
    earlier = list(db.session.scalars(select(Patient).where(Patient.merged_into_id == other.id)))
    for patient in earlier:
        patient.merged_into_id = keep.id
    other.archived_at, other.merged_into_id = now, keep.id
    summary = {"kept": keep.id, "merged": other.id, **moved, "contacts": contacts, "filled": filled, "consent": consent,
               "previously_merged": [p.id for p in earlier], "distinct_pairs": distinct}
    audit.record(AuditAction.MERGE, entity=keep, actor_id=by_id, changes=summary)
    db.session.flush()
    if keep.version == kept_version:
        # Nothing of the kept row changed, yet it gained enquiries: a form opened before the merge is now stale.
        keep.version += 1
        db.session.flush()
    return summary


def _lock(keep: Patient, other: Patient) -> None:
    """Hold both rows until the merge commits, and read them afresh: a merge of either that committed meanwhile
    (the other way round, or into a third record) is then seen by refusal() instead of crossing this one.

    Locked in id order, so two merges sharing a record wait for each other rather than deadlock.
    """
    db.session.scalars(select(Patient).where(Patient.id.in_((keep.id, other.id))).order_by(Patient.id)
                       .with_for_update().execution_options(populate_existing=True)).all()


def _fill(keep: Patient, other: Patient, stamp: str) -> list[str]:
    """Copy the other's details into the kept record's empty fields; append its notes and a differing name."""
    filled = []
    for name in FILLED:
        if getattr(keep, name) in (None, "") and getattr(other, name) not in (None, ""):
            setattr(keep, name, getattr(other, name))
            filled.append(name)
    if "phone_alt" in filled and keep.phone_alt == keep.phone:
        keep.phone_alt = None  # both numbers the same after filling: once is enough (it is still on `other`)
        filled.remove("phone_alt")
    if keep.preferred_contact == ContactMethod.ANY and other.preferred_contact != ContactMethod.ANY:
        keep.preferred_contact = other.preferred_contact
        filled.append("preferred_contact")
    lines = []
    if other.name_key != keep.name_key:
        lines.append(f"Also recorded as {other.full_name}.")
    lines += _differing(keep, other)
    if other.notes:
        lines.append(other.notes)
    if lines:
        block = f"[{stamp[0].upper()}{stamp[1:]}]\n" + "\n".join(lines)
        keep.notes = f"{keep.notes}\n\n{block}" if keep.notes else block
        filled.append("notes")
    return filled


def _differing(keep: Patient, other: Patient) -> list[str]:
    """The other's date of birth and best times where the kept record says otherwise: noted, so the live record
    shows them (one of the two dates may be a typing slip only the patient can settle)."""
    lines = []
    if other.date_of_birth and keep.date_of_birth and other.date_of_birth != keep.date_of_birth:
        lines.append(f"Date of birth also recorded as {format_date(other.date_of_birth)}.")
    if other.preferred_times and keep.preferred_times and other.preferred_times != keep.preferred_times:
        lines.append(f"Best times to contact also recorded as: {other.preferred_times}.")
    return lines


def _move_distinct_pairs(keep: Patient, other: Patient) -> list[int]:
    """Records said to be someone else than the other are someone else than the kept one too: those pairs move
    to the kept record. A pair the kept record already has, or one of the two merged records, stays on the other
    (archived) as it was, like a contact detail the kept record already has. Returns the ids of the pairs moved."""
    held = {pair.low_id if pair.high_id == keep.id else pair.high_id: pair
            for pair in db.session.scalars(select(DistinctPair).where(
                or_(DistinctPair.low_id == keep.id, DistinctPair.high_id == keep.id)))}
    moved = []
    for pair in db.session.scalars(select(DistinctPair).where(
            or_(DistinctPair.low_id == other.id, DistinctPair.high_id == other.id)).order_by(DistinctPair.id)):
        someone = pair.low_id if pair.high_id == other.id else pair.high_id
        if someone == keep.id or someone in held:
            continue
        pair.low_id, pair.high_id = min(keep.id, someone), max(keep.id, someone)
        held[someone] = pair
        moved.append(pair.id)
    return moved


def _keep_contacts(keep: Patient, other: Patient, stamp: str) -> list[str]:
    """The other's phone numbers and e-mail that the kept record lacks become further contacts of it; the other's
    further contacts move over. A detail the kept record already has stays on the other (archived), as it was."""
    owned = {(ContactKind.PHONE, keep.phone), (ContactKind.PHONE, keep.phone_alt), (ContactKind.EMAIL, keep.email)}
    owned |= set(db.session.execute(select(PatientContact.kind, PatientContact.value)
                                    .where(PatientContact.patient_id == keep.id)).tuples())
    added = []
    for kind, value in ((ContactKind.PHONE, other.phone), (ContactKind.PHONE, other.phone_alt),
                        (ContactKind.EMAIL, other.email)):
        if value and (kind, value) not in owned:
            db.session.add(PatientContact(patient_id=keep.id, kind=kind, value=value, note=stamp))
            owned.add((kind, value))
            added.append(value)
    for contact in db.session.scalars(select(PatientContact).where(PatientContact.patient_id == other.id)
                                      .order_by(PatientContact.id)):
        if (contact.kind, contact.value) not in owned:
            contact.patient_id = keep.id
            contact.note = contact.note or stamp
            owned.add((contact.kind, contact.value))
            added.append(contact.value)
    return added


def _consent(keep: Patient, other: Patient) -> str:
    """Marketing consent: the person's most recent recorded decision stands, whichever record holds it.

    Under UK GDPR a withdrawal must be honoured and a fresh consent is valid, so the later of the two records'
    decisions (given or withdrawn, stamped in marketing_consent_at) is the person's current wish.
    """
    if other.marketing_consent_at is None:
        return f"kept #{keep.id}'s"
    if keep.marketing_consent_at is not None and keep.marketing_consent_at >= other.marketing_consent_at:
        return f"kept #{keep.id}'s"
    keep.marketing_consent = other.marketing_consent
    keep.marketing_consent_at = other.marketing_consent_at
    keep.marketing_consent_method = other.marketing_consent_method
    return f"took #{other.id}'s (more recent)"


# --- an arrived enquiry's possible match ------------------------------------------------------

def possible_match(enquiry) -> Patient | None:
    """The existing patient an arrived enquiry may be (archived ones too, so the page can say so), or None."""
    return db.session.get(Patient, enquiry.match_patient_id) if enquiry.match_patient_id else None


def confirm_match(enquiry, *, version: int, by_id: int | None) -> dict:
    """Reception says the enquiry's person is the existing patient it matched: the enquiry's new record is merged
    into the existing one (which is kept) and the match is cleared. MergeError or ConflictError otherwise."""
    audit.check_version(enquiry, version)
    existing = possible_match(enquiry)
    if existing is None:
        raise MergeError("This enquiry has no possible match to confirm any more.")
    summary = merge(existing, db.session.get(Patient, enquiry.patient_id), by_id=by_id)
    _clear(enquiry)  # the merge has cleared it already (now on the patient it matched); said again for clarity
    return summary


def reject_match(enquiry, *, version: int, by_id: int | None = None) -> None:
    """Reception says the enquiry's person is someone else: the match is cleared (the trail keeps what it was), and
    the two records are remembered as different people, so the duplicates page leaves the pair out."""
    audit.check_version(enquiry, version)
    if enquiry.match_patient_id is None:
        raise MergeError("This enquiry has no possible match any more.")
    mark_distinct(enquiry.patient_id, enquiry.match_patient_id, by_id=by_id)
    _clear(enquiry)
    db.session.flush()


def _clear(enquiry) -> None:
    enquiry.match_patient_id = enquiry.match_strength = enquiry.match_reason = None
