"""What enquiries give patients: a patient's enquiries archived, restored and moved with them, loaded with a
search, counted and listed."""

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.enquiries import services
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.patients import hooks
from tracker.patients.models import Patient

hooks.archiving.provider(rank=10)(services.archive_for_patient)
hooks.restoring.provider(rank=10)(services.restore_for_patient)


@hooks.merging.provider(rank=10)
def move_enquiries(other: Patient, keep: Patient) -> dict:
    """Every enquiry of `other` (with all that hangs from it) moves to `keep`; matches with `other` point at `keep`."""
    moved, rematched = services.reassign_patient(other, keep)
    return {"enquiries": moved, "matches": rematched}


@hooks.search_loads.provider(rank=10)
def live_enquiries() -> list:
    """Each patient found comes with their live enquiries (one more statement for the page)."""
    return [selectinload(Patient.enquiries.and_(Enquiry.archived_at.is_(None)))]


@hooks.record_counts.provider(rank=10)
def live_enquiry_counts(patient_ids: set[int]) -> dict[int, int]:
    """Live enquiries per patient, for these patients (one statement)."""
    if not patient_ids:
        return {}
    stmt = (select(Enquiry.patient_id, func.count()).where(Enquiry.patient_id.in_(patient_ids),
                                                            Enquiry.archived_at.is_(None))
            .group_by(Enquiry.patient_id))
    return dict(db.session.execute(stmt).all())


@hooks.records.provider(rank=10)
def open_enquiries(patient: Patient) -> list[Enquiry]:
    """The patient's live enquiries, newest first, with who has them and the source."""
    return list(db.session.scalars(
        select(Enquiry).where(Enquiry.patient_id == patient.id, Enquiry.archived_at.is_(None))
        .options(joinedload(Enquiry.assigned_to), joinedload(Enquiry.source))
        .order_by(Enquiry.received_at.desc())))
