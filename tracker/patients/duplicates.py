"""Likely duplicate patients: pairs of live records sharing a phone number or e-mail, or a name and birth date.

Found in SQL: the live records' phone numbers and e-mails (their own and their further contacts) are joined
with themselves on the value, and the records with themselves on name key and birth date; a page of pairs is
then read with a fixed number of statements, however many patients there are.
"""

from dataclasses import dataclass

from sqlalchemy import Select, String, and_, case, func, literal, or_, select, union, union_all
from sqlalchemy.orm import aliased

from tracker.extensions import db
from tracker.patients.models import ContactKind, Patient, PatientContact

PER_PAGE = 25
REASONS = {"phone": "same phone number", "email": "same e-mail", "similar": "a similar name with that phone",
           "name_dob": "same name and date of birth"}


@dataclass
class Pair:
    """Two live records that may be one person, and why."""

    first: Patient
    second: Patient
    reasons: list[str]
    strong: bool


def _live(patient) -> object:
    return and_(patient.archived_at.is_(None), patient.merged_into_id.is_(None))


def _contact_points():
    """(patient, kind, value) for every phone number and e-mail of a live record."""
    live = _live(Patient)
    kind = func.cast(PatientContact.kind, String(10))
    return union(
        select(Patient.id.label("patient_id"), literal("phone").label("kind"), Patient.phone.label("value"))
        .where(live, Patient.phone.is_not(None)),
        select(Patient.id, literal("phone"), Patient.phone_alt).where(live, Patient.phone_alt.is_not(None)),
        select(Patient.id, literal("email"), Patient.email).where(live, Patient.email.is_not(None)),
        select(PatientContact.patient_id, kind, PatientContact.value)
        .join(Patient, Patient.id == PatientContact.patient_id).where(live),
    ).cte("contact_points")


def _first_key(patient):
    """The first-name part of a record's name key ("jo smith" → "jo"), in SQL; empty if there is none."""
    length = func.length(patient.name_key) - func.length(patient.last_name_key) - 1
    return func.substr(patient.name_key, 1, case((length > 0, length), else_=0))


def _similar(a, b):
    """Same surname, and one first name starts the other (tracker.patients.services.similar_names, in SQL)."""
    first_a, first_b = _first_key(a), _first_key(b)
    return and_(a.last_name_key == b.last_name_key, a.last_name_key != "",
                func.length(first_a) > 0, func.length(first_b) > 0,
                or_(func.substr(first_a, 1, func.length(first_b)) == first_b,
                    func.substr(first_b, 1, func.length(first_a)) == first_a))


def pairs_statement() -> Select:
    """(low id, high id, and a 0/1 column per reason) for every likely pair, strongest and newest first."""
    points = _contact_points()
    p, q = points.alias("p"), points.alias("q")
    shared = (select(p.c.patient_id.label("low"), q.c.patient_id.label("high"), p.c.kind.label("reason"))
              .join(q, and_(p.c.kind == q.c.kind, p.c.value == q.c.value, p.c.patient_id < q.c.patient_id)))
    a, b = aliased(Patient), aliased(Patient)
    phone_pairs = shared.where(p.c.kind == ContactKind.PHONE.value).subquery()
    similar = (select(phone_pairs.c.low, phone_pairs.c.high, literal("similar"))
               .join(a, a.id == phone_pairs.c.low).join(b, b.id == phone_pairs.c.high).where(_similar(a, b)))
    name_dob = (select(a.id, b.id, literal("name_dob"))
                .join(b, and_(b.name_key == a.name_key, b.date_of_birth == a.date_of_birth, a.id < b.id))
                .where(_live(a), _live(b), a.date_of_birth.is_not(None)))
    found = union_all(shared, similar, name_dob).subquery()
    flags = [func.max(case((found.c.reason == name, 1), else_=0)).label(name) for name in REASONS]
    strong = func.max(case((found.c.reason == "name_dob", 0), else_=1))
    return (select(found.c.low, found.c.high, *flags).group_by(found.c.low, found.c.high)
            .order_by(strong.desc(), found.c.high.desc(), found.c.low.desc()))


def count_pairs() -> int:
    """How many likely pairs there are."""
    return db.session.scalar(select(func.count()).select_from(pairs_statement().order_by(None).subquery()))


def read_pairs(offset: int, limit: int) -> list[Pair]:
    """One page of pairs with both records loaded (two statements, whatever the page holds)."""
    rows = db.session.execute(pairs_statement().offset(offset).limit(limit)).all()
    ids = {row.low for row in rows} | {row.high for row in rows}
    patients = {p.id: p for p in db.session.scalars(select(Patient).where(Patient.id.in_(ids)))} if ids else {}
    return [Pair(patients[row.low], patients[row.high], [text for name, text in REASONS.items() if row._mapping[name]],
                 bool(row.phone or row.email)) for row in rows]


def enquiry_counts(patient_ids: set[int]) -> dict[int, int]:
    """Live enquiries per patient, for these patients (one statement)."""
    from tracker.enquiries.models import Enquiry  # enquiries belong to their own feature

    if not patient_ids:
        return {}
    stmt = (select(Enquiry.patient_id, func.count()).where(Enquiry.patient_id.in_(patient_ids),
                                                            Enquiry.archived_at.is_(None))
            .group_by(Enquiry.patient_id))
    return dict(db.session.execute(stmt).all())


def further_contacts(patient_ids: set[int]) -> dict[int, list[PatientContact]]:
    """The further phone numbers and e-mails of these patients (one statement)."""
    found: dict[int, list[PatientContact]] = {}
    if patient_ids:
        stmt = (select(PatientContact).where(PatientContact.patient_id.in_(patient_ids))
                .order_by(PatientContact.patient_id, PatientContact.id))
        for contact in db.session.scalars(stmt):
            found.setdefault(contact.patient_id, []).append(contact)
    return found
