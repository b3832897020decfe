"""Patient rules: creating and editing, duplicate matching, search, archiving and restoring."""

from dataclasses import dataclass
from datetime import date, datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import ARRAY, ColumnElement, Integer, Select, and_, any_, case, cast, func, literal, or_, select, union

from tracker.audit import services as audit
from tracker.db import utcnow
from tracker.errors import ServiceError
from tracker.extensions import db
from tracker.patients import hooks
from tracker.patients.models import ConsentMethod, ContactKind, ContactMethod, Patient, PatientContact
from tracker.patients.name_search import part_candidates
from tracker.patients.names import name_key, prefix_match
from tracker.patients.phones import normalise_phone, phone_search_prefix, phone_search_suffix

SEARCH_LIMIT = 50


@dataclass
class PatientDetails:
    """What a form says about a patient, already validated and normalised."""

    first_name: str
    last_name: str
    phone: str | None = None
    phone_alt: str | None = None
    email: str | None = None
    date_of_birth: date | None = None
    preferred_contact: ContactMethod = ContactMethod.ANY
    preferred_times: str | None = None
    marketing_consent: bool = False
    marketing_consent_method: ConsentMethod | None = None
    notes: str | None = None


def normalise_email(text: str) -> str:
    """A deliverable-looking address in lower case; EmailNotValidError otherwise."""
    return validate_email(text.strip(), check_deliverability=False).normalized.lower()


def _apply(patient: Patient, details: PatientDetails, now: datetime) -> None:
    patient.first_name = details.first_name.strip()
    patient.last_name = details.last_name.strip()
    patient.phone = details.phone
    patient.phone_alt = details.phone_alt
    patient.email = details.email
    patient.date_of_birth = details.date_of_birth
    patient.preferred_contact = details.preferred_contact
    patient.preferred_times = details.preferred_times or None
    patient.notes = details.notes or None
    if details.marketing_consent and not patient.marketing_consent:
        patient.marketing_consent_at = now
        patient.marketing_consent_method = details.marketing_consent_method
    elif not details.marketing_consent and patient.marketing_consent:
        # Withdrawn: the trail keeps when and how it had been given.
        patient.marketing_consent_at = now
        patient.marketing_consent_method = None
    patient.marketing_consent = details.marketing_consent


def create_patient(details: PatientDetails) -> Patient:
    """A new patient record."""
    patient = Patient(marketing_consent=False)
    _apply(patient, details, utcnow())
    db.session.add(patient)
    db.session.flush()
    return patient


def update_patient(patient: Patient, details: PatientDetails, *, version: int) -> None:
    """Save an edit; ConflictError if someone saved the patient since the form was opened."""
    audit.check_version(patient, version)
    _apply(patient, details, utcnow())


# --- duplicates ---------------------------------------------------------------------------

@dataclass
class Match:
    """A patient who may be the person being logged, and why."""

    patient: Patient
    strong: bool
    reason: str


def find_matches(*, phones: list[str] = (), email: str | None = None, first_name: str = "",
                 last_name: str = "", date_of_birth: date | None = None, limit: int = 10) -> list[Match]:
    """Live patients who may be this person: same phone or e-mail, on the record or among its further contacts
    (strong; a similar name as well makes the likeliest), or same name and birth date (weak). Likeliest first."""
    phones = [p for p in phones if p]
    conditions = []
    phone_contact = email_contact = literal(False)
    if phones:
        conditions += [Patient.phone.in_(phones), Patient.phone_alt.in_(phones)]
        phone_contact = _contact_exists(ContactKind.PHONE, phones)
    if email:
        conditions.append(Patient.email == email)
        email_contact = _contact_exists(ContactKind.EMAIL, [email])
    values = [*phones, *([email] if email else [])]
    if values:
        conditions.append(Patient.id.in_(select(PatientContact.patient_id).where(PatientContact.value.in_(values))))
    key = name_key(f"{first_name} {last_name}")
    if key and date_of_birth:
        conditions.append((Patient.name_key == key) & (Patient.date_of_birth == date_of_birth))
    if not conditions:
        return []
    stmt = (select(Patient, phone_contact, email_contact)
            .where(Patient.archived_at.is_(None), Patient.merged_into_id.is_(None), or_(*conditions))
            .order_by(Patient.id.desc()).limit(limit))
    person = (name_key(first_name), name_key(last_name), key, date_of_birth)
    ranked = [_match(patient, person, phones, email, by_phone, by_email)
              for patient, by_phone, by_email in db.session.execute(stmt)]
    # Strong first, and among them the most reasons: a similar name with the phone outranks the phone alone.
    return [match for _, match in sorted(ranked, key=lambda r: r[0])]


def _contact_exists(kind: ContactKind, values: list[str]) -> ColumnElement[bool]:
    return (select(PatientContact.id).where(PatientContact.patient_id == Patient.id, PatientContact.kind == kind,
                                            PatientContact.value.in_(values)).exists())


def _match(patient: Patient, person: tuple, phones: list[str], email: str | None, by_phone: bool,
           by_email: bool) -> tuple[tuple[bool, int], Match]:
    first, last, key, born = person
    same_phone = bool(by_phone) or (bool(phones) and (patient.phone in phones or patient.phone_alt in phones))
    reasons = ["same phone number"] if same_phone else []
    if by_email or (email and patient.email == email):
        reasons.append("same e-mail")
    if reasons:
        if key and born and patient.name_key == key and patient.date_of_birth == born:
            reasons.append("same name and date of birth")
        elif same_phone and similar_names(first, last, name_key(patient.first_name), patient.last_name_key):
            reasons.append("same name" if patient.name_key == key else "a similar name")
        return (False, -len(reasons)), Match(patient, True, " and ".join(reasons))
    return (True, 0), Match(patient, False, "same name and date of birth")


def similar_names(first_a: str, last_a: str, first_b: str, last_b: str) -> bool:
    """Name keys of one person, written differently: the same surname, and one first name starts the other
    ("J", "Jo", "Joanna"). Not the same initial alone: a family sharing a landline are Jane and John Smith."""
    if not (last_a and last_a == last_b and first_a and first_b):
        return False
    return first_a.startswith(first_b) or first_b.startswith(first_a)


def unconfirmed_duplicate(matches: list[Match], confirmed: bool) -> bool:
    """A new patient would repeat a strong match (same phone or e-mail) nobody has said is someone else."""
    return any(m.strong for m in matches) and not confirmed


def parse_phone_or_none(text: str | None) -> str | None:
    """E.164 of a typed number, or None when empty or unreadable (for matching as someone types)."""
    if not text or not text.strip():
        return None
    try:
        return normalise_phone(text)
    except ValueError:
        return None


def parse_email_or_none(text: str | None) -> str | None:
    """A normalised e-mail, or None when empty or not an address yet."""
    if not text or "@" not in text:
        return None
    try:
        return normalise_email(text)
    except EmailNotValidError:
        return None


# --- search -------------------------------------------------------------------------------

def _branches(text: str) -> tuple[list[tuple[ColumnElement[bool], tuple]], str | None] | None:
    """What a search matches, as (condition, the order of the index that serves it), and the name key when it
    searches by name; None if nothing to search."""
    if "@" in text:
        email = text.lower()
        # Stored addresses are ASCII apart from rare internationalised ones, which match exactly.
        return [(prefix_match(Patient.email, email) if email.isascii() else Patient.email == email,
                 (Patient.email, Patient.id))], None
    phone_prefix = phone_search_prefix(text)
    if phone_prefix:
        branches = [(prefix_match(Patient.phone, phone_prefix), (Patient.phone, Patient.id)),
                    (prefix_match(Patient.phone_alt, phone_prefix), (Patient.phone_alt, Patient.id))]
        if suffix := phone_search_suffix(text):  # "900123": the last digits, read backwards from their own index
            branches += [(prefix_match(Patient.phone_reversed, suffix), (Patient.phone_reversed, Patient.id)),
                         (prefix_match(Patient.phone_alt_reversed, suffix), (Patient.phone_alt_reversed, Patient.id))]
        return branches, None
    key = name_key(text)
    if not key:
        return None
    by_first, by_last = (Patient.name_key, Patient.id), (Patient.last_name_key, Patient.name_key, Patient.id)
    # "john smi" matches through "first last"; "smi" and "de la cr" match the surname; "jo smi" and
    # "smith jo" match one word against the first name and the rest against the surname.
    branches = [(prefix_match(Patient.name_key, key), by_first), (prefix_match(Patient.last_name_key, key), by_last)]
    first, _, rest = key.partition(" ")
    if rest:
        last_first, _, given = key.rpartition(" ")
        branches += [
            (and_(prefix_match(Patient.name_key, first), prefix_match(Patient.last_name_key, rest)), by_first),
            (and_(prefix_match(Patient.last_name_key, last_first), prefix_match(Patient.name_key, given)), by_last),
        ]
    return branches, key


def search_statement(text: str, limit: int = SEARCH_LIMIT) -> Select | None:
    """Patients matching a search by phone, e-mail or name, in the order to show them; None if nothing to search.

    A name matches by the start of the first or last name, or (words of three letters or more)
    by any part of the name: "connor" finds O'Connor. Matches by a start come first, then by
    surname. Each way of matching reads at most `limit` + 1 rows in the order of its own index
    (and a part of a name at most PART_CANDIDATES), so a common name or a short number costs
    the same in a million patients as in a thousand: the first ones in that order are shown,
    and typing more narrows them.
    """
    text = text.strip()
    if not text.isprintable():
        return None  # control characters: nothing stored can match
    found_by = _branches(text)
    if found_by is None:
        return None
    branches, key = found_by
    live = Patient.archived_at.is_(None)
    chosen = [select(Patient.id).where(live, match).order_by(*order).limit(limit + 1) for match, order in branches]
    parts = part_candidates(key) if key else None
    if parts is not None:
        chosen.append(parts)
    # Subqueries: SQLite takes no LIMIT on a member of a UNION.
    found = union(*(select(member.subquery().c.id) for member in chosen)).subquery()
    if db.session.get_bind().dialect.name == "postgresql":
        # As one array, so the planner reads those few rows by key rather than hash-joining the table.
        ids = select(func.array_agg(found.c.id)).scalar_subquery()
        picked = Patient.id == any_(cast(ids, ARRAY(Integer)))  # the cast makes it an array, not a subquery
    else:
        picked = Patient.id.in_(select(found.c.id))
    by_name = (Patient.last_name_key, Patient.name_key, Patient.id)
    starts_first = (case((or_(*(match for match, _ in branches)), 0), else_=1),) if parts is not None else ()
    return select(Patient).where(live, picked).order_by(*starts_first, *by_name)


def search(text: str, limit: int = SEARCH_LIMIT) -> tuple[list[Patient], bool]:
    """Up to `limit` patients matching a search, with their live enquiries; and whether there are more."""
    stmt = search_statement(text, limit) if text.strip() else None
    if stmt is None:
        return [], False
    stmt = stmt.options(*(option for options in hooks.search_loads.ask() for option in options)).limit(limit + 1)
    found = list(db.session.scalars(stmt))
    return found[:limit], len(found) > limit


# --- archive ------------------------------------------------------------------------------

def archive(patient: Patient, *, version: int) -> None:
    """Archive a patient and their enquiries: they leave lists, search and counts, and stay restorable."""
    audit.check_version(patient, version)
    patient.archived_at = utcnow()
    hooks.archiving.ask(patient, patient.archived_at)


class RestoreError(ServiceError):
    """A record that cannot be brought back."""


def restore(patient: Patient, *, version: int) -> None:
    """Bring an archived patient back, with the enquiries that were archived with them; RestoreError for a record
    merged into another (its enquiries live on that one, so restoring it would make an empty second record)."""
    audit.check_version(patient, version)
    if patient.merged_into_id is not None:
        raise RestoreError(f"{patient.full_name} (patient #{patient.id}) was merged into patient "
                           f"#{patient.merged_into_id}, where their enquiries are now: it cannot be restored.")
    hooks.restoring.ask(patient, patient.archived_at)
    patient.archived_at = None


def get_patient(patient_id: int, *, archived: bool = False) -> Patient | None:
    """A patient by id; archived or merged ones only when asked for; None for ids no row can have."""
    if not 0 < patient_id < 2**31:
        return None
    patient = db.session.get(Patient, patient_id)
    gone = patient is not None and (patient.archived_at is not None or patient.merged_into_id is not None)
    if patient is None or (gone and not archived):
        return None
    return patient



