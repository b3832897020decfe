"""Likely duplicate patients: pairs of live records sharing a phone number or e-mail, or a name and birth date.

Found in SQL: the live records' phone numbers and e-mails (their own and their further contacts) are joined
with themselves on the value, and the records with themselves on name key and birth date; a page of pairs is
then read with a fixed number of statements, however many patients there are.

A value held by more than SHARED_LIMIT records (the clinic's own landline typed in for walk-ins, a family's
e-mail) says nothing about who is who and would make pairs by the thousand (n records, n(n-1)/2 pairs): such
values make no pairs and are listed apart. Pairs someone has said are different people are left out.
"""

from dataclasses import dataclass

from sqlalchemy import Select, String, and_, case, func, literal, or_, select, union, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from tracker.extensions import db
from tracker.patients import hooks
from tracker.patients.models import ContactKind, DistinctPair, Patient, PatientContact

PER_PAGE = 25
SHARED_LIMIT = 10  # a value held by more records than this makes no pairs
COUNT_CAP = 1000  # the count stops here: nobody reviews more at one sitting, and counting further costs
CROWDED_SHOWN = 10
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


def _held(points, name: str):
    """The points (patient, kind, value) whose value between 2 and SHARED_LIMIT records hold."""
    counted = select(points.c.patient_id, points.c.kind, points.c.value,
                     func.count().over(partition_by=(points.c.kind, points.c.value)).label("holders")).subquery()
    return (select(counted.c.patient_id, counted.c.kind, counted.c.value)
            .where(counted.c.holders.between(2, SHARED_LIMIT)).cte(name))


def _births():
    """(patient, name key, birth date) of live records sharing both with 1 to SHARED_LIMIT others."""
    counted = select(Patient.id.label("patient_id"), Patient.name_key, Patient.date_of_birth,
                     func.count().over(partition_by=(Patient.name_key, Patient.date_of_birth)).label("holders")
                     ).where(_live(Patient), Patient.date_of_birth.is_not(None)).subquery()
    return (select(counted.c.patient_id, counted.c.name_key, counted.c.date_of_birth)
            .where(counted.c.holders.between(2, SHARED_LIMIT)).cte("births"))


def pairs_statement() -> Select:
    """(low id, high id, and a 0/1 column per reason) for every likely pair, strongest and newest first."""
    points = _held(_contact_points(), "shared_points")
    p, q = points.alias("p"), points.alias("q")
    shared = (select(p.c.patient_id.label("low"), q.c.patient_id.label("high"), p.c.kind.label("reason"))
              .join(q, and_(p.c.kind == q.c.kind, p.c.value == q.c.value, p.c.patient_id < q.c.patient_id)))
    a, b = aliased(Patient), aliased(Patient)
    phone_pairs = shared.where(p.c.kind == ContactKind.PHONE.value).subquery()
    similar = (select(phone_pairs.c.low, phone_pairs.c.high, literal("similar"))
               .join(a, a.id == phone_pairs.c.low).join(b, b.id == phone_pairs.c.high).where(_similar(a, b)))
    births = _births()
    r, s = births.alias("r"), births.alias("s")
    name_dob = (select(r.c.patient_id, s.c.patient_id, literal("name_dob"))
                .join(s, and_(s.c.name_key == r.c.name_key, s.c.date_of_birth == r.c.date_of_birth,
                              r.c.patient_id < s.c.patient_id)))
    found = union_all(shared, similar, name_dob).subquery()
    told_apart = (select(DistinctPair.id).where(DistinctPair.low_id == found.c.low,
                                                DistinctPair.high_id == found.c.high).exists())
    flags = [func.max(case((found.c.reason == name, 1), else_=0)).label(name) for name in REASONS]
    strong = func.max(case((found.c.reason == "name_dob", 0), else_=1))
    return (select(found.c.low, found.c.high, *flags).where(~told_apart).group_by(found.c.low, found.c.high)
            .order_by(strong.desc(), found.c.high.desc(), found.c.low.desc()))


def count_pairs() -> int:
    """How many likely pairs there are, up to COUNT_CAP + 1 (more than the cap: "1,000+")."""
    return db.session.scalar(select(func.count()).select_from(
        pairs_statement().order_by(None).limit(COUNT_CAP + 1).subquery()))


@dataclass
class Crowded:
    """A phone number or e-mail too many records hold to say they are one person."""

    kind: str
    value: str
    holders: int


def crowded_values() -> tuple[list[Crowded], int]:
    """The values most held beyond SHARED_LIMIT (the first CROWDED_SHOWN), and how many such values there are
    (one statement)."""
    points = _contact_points()
    grouped = (select(points.c.kind, points.c.value, func.count().label("holders"),
                      func.count().over().label("total"))
               .group_by(points.c.kind, points.c.value).having(func.count() > SHARED_LIMIT)
               .order_by(func.count().desc(), points.c.value).limit(CROWDED_SHOWN))
    rows = db.session.execute(grouped).all()
    return [Crowded(row.kind, row.value, row.holders) for row in rows], rows[0].total if rows else 0


def mark_distinct(first_id: int, second_id: int, *, by_id: int | None) -> bool:
    """Remember that two records are different people; False if that was already known (or it is one record)."""
    low, high = sorted((first_id, second_id))
    if low == high or db.session.scalar(select(DistinctPair.id).where(DistinctPair.low_id == low,
                                                                     DistinctPair.high_id == high)):
        return False
    try:
        with db.session.begin_nested():  # a colleague may say so at the same moment
            db.session.add(DistinctPair(low_id=low, high_id=high, by_id=by_id))
    except IntegrityError:
        return False
    return True


def read_pairs(offset: int, limit: int) -> list[Pair]:
    """One page of pairs with both records loaded (two statements, whatever the page holds)."""
    rows = db.session.execute(pairs_statement().offset(offset).limit(limit)).all()
    ids = {row.low for row in rows} | {row.high for row in rows}
    patients = {p.id: p for p in db.session.scalars(select(Patient).where(Patient.id.in_(ids)))} if ids else {}
    return [Pair(patients[row.low], patients[row.high], [text for name, text in REASONS.items() if row._mapping[name]],
                 bool(row.phone or row.email)) for row in rows]


def enquiry_counts(patient_ids: set[int]) -> dict[int, int]:
    """Live enquiries per patient, for these patients (hooks.record_counts: one statement)."""
    counts: dict[int, int] = {}
    for answer in hooks.record_counts.ask(patient_ids):
        for patient_id, count in answer.items():
            counts[patient_id] = counts.get(patient_id, 0) + count
    return counts


def further_contacts(patient_ids: set[int]) -> dict[int, list[PatientContact]]:
    """The further phone numbers and e-mails of these patients (one statement)."""
    found: dict[int, list[PatientContact]] = {}
    if patient_ids:
        stmt = (select(PatientContact).where(PatientContact.patient_id.in_(patient_ids))
                .order_by(PatientContact.patient_id, PatientContact.id))
        for contact in db.session.scalars(stmt):
            found.setdefault(contact.patient_id, []).append(contact)
    return found
