"""Existing patients an imported row may be, found for a whole batch of rows at once.

The rules are those of tracker.patients.services.find_matches: the same phone number or e-mail (on the patient
row or among its further contact details) is a strong match, the same name and date of birth a weak one; archived
and merged patients are not matched; strong matches come first, then the most recent patient. Rows earlier in the
same import count too, so a file that repeats a person flags the repeat.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select

from tracker.enquiries.models import MatchStrength
from tracker.extensions import db
from tracker.imports.rows import Row
from tracker.patients.models import Patient, PatientContact
from tracker.patients.names import name_key

# A merged record stays archived, but a restore could bring one back: never match a record merged into another.
_LIVE = (Patient.archived_at.is_(None), Patient.merged_into_id.is_(None))


@dataclass(frozen=True)
class Found:
    """The patient a row may be, and why."""

    patient_id: int
    strength: MatchStrength
    reason: str


class Index:
    """Patients by phone, e-mail and (name key, date of birth): the batch's candidates, then the batch's own rows."""

    def __init__(self):
        self.phones: dict[str, set[int]] = {}
        self.emails: dict[str, set[int]] = {}
        self.people: dict[tuple[str, date], set[int]] = {}

    def add(self, patient_id: int, phones, emails, key: str | None = None, born: date | None = None) -> None:
        for phone in filter(None, phones):
            self.phones.setdefault(phone, set()).add(patient_id)
        for email in filter(None, emails):
            self.emails.setdefault(email, set()).add(patient_id)
        if key and born:
            self.people.setdefault((key, born), set()).add(patient_id)

    def best(self, row: Row, key: str) -> Found | None:
        """The match find_matches would put first for this row, or None."""
        by_phone = self.phones.get(row.phone, set()) if row.phone else set()
        by_email = self.emails.get(row.email, set()) if row.email else set()
        strong = by_phone | by_email
        if strong:
            patient_id = max(strong)
            reasons = [reason for reason, ids in (("same phone number", by_phone), ("same e-mail", by_email))
                       if patient_id in ids]
            return Found(patient_id, MatchStrength.STRONG, " and ".join(reasons))
        weak = self.people.get((key, row.date_of_birth), set()) if row.date_of_birth else set()
        return Found(max(weak), MatchStrength.WEAK, "same name and date of birth") if weak else None


def existing(rows: list[Row]) -> Index:
    """The stored patients any of these rows may be (two or three queries for the batch)."""
    index = Index()
    phones = {r.phone for r in rows if r.phone}
    emails = {r.email for r in rows if r.email}
    people = {(name_key(f"{r.first_name} {r.last_name}"), r.date_of_birth) for r in rows if r.date_of_birth}
    conditions = []
    if phones:
        conditions += [Patient.phone.in_(phones), Patient.phone_alt.in_(phones)]
    if emails:
        conditions.append(Patient.email.in_(emails))
    if people:
        conditions.append(and_(Patient.name_key.in_({k for k, _ in people if k}), Patient.date_of_birth.isnot(None)))
    if conditions:
        stmt = select(Patient.id, Patient.phone, Patient.phone_alt, Patient.email, Patient.name_key,
                      Patient.date_of_birth).where(*_LIVE, or_(*conditions))
        for patient_id, phone, phone_alt, email, key, born in db.session.execute(stmt):
            index.add(patient_id, [p for p in (phone, phone_alt) if p in phones], [email] if email in emails else [],
                      key, born if (key, born) in people else None)
    values = phones | emails
    if values:
        stmt = (select(PatientContact.patient_id, PatientContact.value)
                .join(Patient, Patient.id == PatientContact.patient_id)
                .where(PatientContact.value.in_(values), *_LIVE))
        for patient_id, value in db.session.execute(stmt):
            index.add(patient_id, [value] if value in phones else [], [value] if value in emails else [])
    return index
