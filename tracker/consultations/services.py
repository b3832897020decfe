"""Assessment rules: recording and amending what the specialist saw and screened; reading it back."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.audit import services as audit
from tracker.audit.models import AuditAction, AuditEvent
from tracker.bookings import services as bookings
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.consultations.models import (
    SCREEN_QUESTIONS,
    Answer,
    Assessment,
    CountBand,
    HerpesStatus,
    KeloidArea,
    ScarFinding,
    ScarType,
    SizeBasis,
    SkinType,
)
from tracker.consultations.scoring import COUNT_COLUMNS, MAX_SCORE, SUBTYPES, score
from tracker.db import utcnow
from tracker.enquiries.hooks import Entry
from tracker.errors import ServiceError
from tracker.extensions import db

HISTORY_LIMIT = 200  # audit events read for an assessment's history: far beyond any real amending
LIMIT = 500  # assessments (and amendment events) per enquiry: far beyond any real enquiry, and bounded
SCREEN_COLUMNS = tuple(column for column, _ in SCREEN_QUESTIONS)


class AssessmentError(ServiceError):
    """An assessment the rules refuse; the message says why, `field` where."""


@dataclass
class FindingDetails:
    """One scar type as the specialist recorded it."""

    scar_type: ScarType
    present: bool = False
    count: int | None = None
    count_band: CountBand | None = None
    width_mm: Decimal | None = None
    depth_mm: Decimal | None = None
    size_basis: SizeBasis | None = None
    areas: list[str] = field(default_factory=list)
    other_areas: str | None = None


@dataclass
class AssessmentDetails:
    """Everything an assessment records: findings per scar type, severity, and the screen."""

    skin_type: SkinType
    gb_grade: int
    findings: list[FindingDetails]  # one per ScarType
    distensible: Answer = Answer.NOT_ASKED
    predominant: ScarType | None = None
    gb_counts: dict[str, int | None] = field(default_factory=dict)  # scoring.COUNT_COLUMNS column → count
    gb_keloid_area: KeloidArea = KeloidArea.NONE
    notes: str | None = None
    isotretinoin: Answer = Answer.NOT_ASKED
    isotretinoin_last_taken: date | None = None
    herpes: HerpesStatus = HerpesStatus.NOT_ASKED
    screen: dict[str, Answer] = field(default_factory=dict)  # SCREEN_QUESTIONS column → answer
    wellbeing_note: str | None = None

    def columns(self) -> dict:
        """The Assessment columns these details set (every screen question answered, never blank)."""
        values = {name: getattr(self, name) for name in (
            "skin_type", "gb_grade", "distensible", "predominant", "gb_keloid_area", "notes", "isotretinoin",
            "isotretinoin_last_taken", "herpes", "wellbeing_note")}
        values.update({column: self.gb_counts.get(column) for column in COUNT_COLUMNS})  # not given: not counted
        values.update({column: self.screen.get(column, Answer.NOT_ASKED) for column in SCREEN_COLUMNS})
        return values


@dataclass
class Amendment:
    """One save of an assessment, from the audit trail: who, when, and which fields."""

    at: datetime
    by: str | None
    fields: list[str]
    created: bool


def _check(details: AssessmentDetails) -> None:
    present = {f.scar_type for f in details.findings if f.present}
    if details.predominant is not None and details.predominant not in present:
        raise AssessmentError("The predominant scar type must be one ticked present.", "predominant")
    if details.isotretinoin is Answer.YES and details.isotretinoin_last_taken is None:
        raise AssessmentError("Give the date isotretinoin was last taken.", "isotretinoin_last_taken")
    if details.isotretinoin is not Answer.YES and details.isotretinoin_last_taken is not None:
        raise AssessmentError("Give a date only when isotretinoin has been taken.", "isotretinoin_last_taken")


def why_not_assessable(appointment: Appointment) -> str | None:
    """Why this appointment cannot carry a new assessment, or None when it can."""
    if appointment.kind is not AppointmentKind.CONSULTATION:
        return "Only a consultation carries an assessment."
    if appointment.status is AppointmentStatus.BOOKED and appointment.starts_at > utcnow():
        return "This consultation has not started yet: record the assessment once it has."
    if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED):
        return f"This consultation is {appointment.status.label.lower()}, so it cannot carry an assessment."
    return None


def assessment_for(appointment_id: int) -> Assessment | None:
    """The assessment recorded on a consultation, with its findings, or None."""
    stmt = (select(Assessment).where(Assessment.appointment_id == appointment_id)
            .options(selectinload(Assessment.findings)).execution_options(populate_existing=True))
    return db.session.scalar(stmt)


def _set(obj, values: dict) -> bool:
    """Set the attributes that differ; whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _finding_values(details: FindingDetails) -> dict:
    return {name: getattr(details, name) for name in (
        "present", "count", "count_band", "width_mm", "depth_mm", "size_basis", "areas", "other_areas")}


def record_assessment(appointment: Appointment, details: AssessmentDetails, *, by_id: int) -> Assessment:
    """Record the assessment of a started or attended consultation; a booked one is marked attended."""
    reason = why_not_assessable(appointment)
    if reason is not None:
        raise AssessmentError(reason)
    # Two specialists saving at once: the second waits here, then finds the first one's assessment.
    db.session.execute(select(Appointment.id).where(Appointment.id == appointment.id).with_for_update())
    if assessment_for(appointment.id) is not None:
        raise AssessmentError("This consultation already has an assessment: amend it instead.")
    _check(details)
    if appointment.status is AppointmentStatus.BOOKED:
        bookings.mark_attended(appointment, by_id=by_id, version=appointment.version)
    assessment = Assessment(appointment_id=appointment.id, enquiry_id=appointment.enquiry_id, assessed_by_id=by_id,
                            assessed_at=utcnow(), **details.columns())
    by_type = {f.scar_type: f for f in details.findings}
    assessment.findings = [
        ScarFinding(scar_type=scar_type, position=position,
                    **_finding_values(by_type.get(scar_type, FindingDetails(scar_type))))
        for position, scar_type in enumerate(ScarType)]
    db.session.add(assessment)
    db.session.flush()
    return assessment


def amend_assessment(assessment: Assessment, details: AssessmentDetails, *, version: int) -> None:
    """Change a recorded assessment (findings loaded); the trail keeps each change, a stale form is refused."""
    audit.check_version(assessment, version)
    _check(details)
    changed = _set(assessment, details.columns())
    by_type = {f.scar_type: f for f in details.findings}
    findings_changed = False
    for finding in assessment.findings:
        if finding.scar_type in by_type:
            findings_changed |= _set(finding, _finding_values(by_type[finding.scar_type]))
    if findings_changed and not changed:
        # The findings carry no version of their own: a new version here makes a concurrent amend conflict.
        assessment.version += 1
    db.session.flush()


def get_assessment(assessment_id: int) -> Assessment | None:
    """An assessment with its findings, the specialist and the consultation loaded."""
    return db.session.get(Assessment, assessment_id, populate_existing=True, options=[
        selectinload(Assessment.findings), joinedload(Assessment.assessed_by),
        joinedload(Assessment.appointment).joinedload(Appointment.practitioner)])


def for_enquiry(enquiry_id: int, *, findings: bool = False) -> dict[int, Assessment]:
    """The enquiry's assessments by consultation (appointment id), newest first, who assessed loaded: one query
    (and one more for their findings, when asked: only clinical readers see them)."""
    stmt = (select(Assessment).where(Assessment.enquiry_id == enquiry_id).options(joinedload(Assessment.assessed_by))
            .order_by(Assessment.assessed_at.desc(), Assessment.id.desc()).limit(LIMIT))
    if findings:
        stmt = stmt.options(selectinload(Assessment.findings))
    return {a.appointment_id: a for a in db.session.scalars(stmt)}


def _events(assessment_ids: list[int], actions: list[AuditAction], limit: int) -> list[AuditEvent]:
    """Audit events of assessments and their findings, newest first, with the actor loaded."""
    finding_ids = select(ScarFinding.id).where(ScarFinding.assessment_id.in_(assessment_ids))
    stmt = (select(AuditEvent).options(joinedload(AuditEvent.actor))
            .where(AuditEvent.action.in_(actions),
                   or_((AuditEvent.entity_type == Assessment.__tablename__) & AuditEvent.entity_id.in_(assessment_ids),
                       (AuditEvent.entity_type == ScarFinding.__tablename__) & AuditEvent.entity_id.in_(finding_ids)))
            .order_by(AuditEvent.id.desc()))
    return list(db.session.scalars(stmt.limit(limit)))


def _by_request(events: list[AuditEvent]) -> list[list[AuditEvent]]:
    """Events grouped by the request that wrote them, in the order first seen."""
    groups: dict[str, list[AuditEvent]] = {}
    for event in events:
        groups.setdefault(event.request_id or f"event-{event.id}", []).append(event)
    return list(groups.values())


FIELD_LABELS = {
    "skin_type": "skin type", "distensible": "distensible", "predominant": "predominant type",
    "gb_grade": "qualitative grade", "gb_keloid_area": "keloid area",
    "notes": "clinical notes", "isotretinoin": "isotretinoin", "isotretinoin_last_taken": "isotretinoin date",
    "herpes": "herpes simplex", "wellbeing_note": "wellbeing note", "count_band": "count band",
    "width_mm": "width", "depth_mm": "depth", "size_basis": "measured or estimated", "areas": "facial areas",
    "other_areas": "other areas",
    **{column: label.lower() for column, label in SCREEN_QUESTIONS},
    **{subtype.column: subtype.short for subtype in SUBTYPES},
}


def _field_names(events: list[AuditEvent], finding_types: dict[int, ScarType]) -> list[str]:
    names = []
    for event in reversed(events):  # oldest first: the order the fields were saved in
        prefix = f"{finding_types[event.entity_id].label}: " if event.entity_type == ScarFinding.__tablename__ else ""
        for column in event.changes or {}:
            if column not in ("appointment_id", "enquiry_id", "assessment_id", "scar_type", "position"):
                name = prefix + FIELD_LABELS.get(column, column.replace("_", " "))
                if name not in names:
                    names.append(name)
    return names


def _actor(event: AuditEvent) -> str | None:
    return event.actor.full_name if event.actor is not None else event.actor_label


def history(assessment: Assessment) -> list[Amendment]:
    """Each save of the assessment (findings loaded), newest first: who, when and which fields (no values)."""
    types = {f.id: f.scar_type for f in assessment.findings}
    saves = []
    for group in _by_request(_events([assessment.id], [AuditAction.CREATE, AuditAction.UPDATE], HISTORY_LIMIT)):
        created = any(e.action is AuditAction.CREATE for e in group)
        saves.append(Amendment(at=group[-1].at, by=_actor(group[0]), created=created,
                               fields=[] if created else _field_names(group, types)))
    return saves


def record_view(assessment: Assessment) -> None:
    """Write to the audit trail that the current user opened the assessment (no clinical content)."""
    audit.record(AuditAction.VIEW, entity=assessment, changes={"viewed": "assessment"})


def summary(assessment: Assessment) -> str:
    """One line of the clinical findings (findings loaded): skin type, types present, grade and score."""
    present = ", ".join(t.label.lower() for t in assessment.present_types) or "no scars"
    return (f"Skin type {assessment.skin_type.value} · {present} · Goodman & Baron grade {assessment.gb_grade}, "
            f"score {score(assessment).total} of {MAX_SCORE}")


def timeline_entries(enquiry_id: int, *, clinical: bool, assessments: list[Assessment] | None = None) -> list:
    """The enquiry's assessments recorded and amended, as timeline entries; findings only when clinical.

    assessments: what the page already loaded (for_enquiry, with findings when clinical); None: read them here.
    """
    if assessments is None:
        assessments = list(for_enquiry(enquiry_id, findings=clinical).values())
    entries = [Entry(a.assessed_at, "assessment", "Assessment recorded", a.assessed_by.full_name,
                     summary(a) if clinical else None) for a in assessments]
    if assessments:
        types = {f.id: f.scar_type for a in assessments for f in a.findings} if clinical else {}
        for group in _by_request(_events([a.id for a in assessments], [AuditAction.UPDATE], LIMIT)):
            detail = f"Changed: {', '.join(_field_names(group, types))}" if clinical else None
            entries.append(Entry(group[-1].at, "assessment", "Assessment amended", _actor(group[0]), detail))
    return entries


def latest_assessment(enquiry_id: int) -> Assessment | None:
    """The enquiry's most recent assessment with its findings loaded, or None."""
    stmt = (select(Assessment).where(Assessment.enquiry_id == enquiry_id)
            .options(selectinload(Assessment.findings))
            .order_by(Assessment.assessed_at.desc(), Assessment.id.desc()).limit(1))
    return db.session.scalar(stmt)
