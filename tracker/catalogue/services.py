"""Reading the treatment catalogue, and the administrator's changes to it."""

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tracker.audit import services as audit
from tracker.catalogue.models import Treatment, TreatmentCategory
from tracker.errors import ServiceError
from tracker.extensions import db

CODE_LENGTH = 40  # Treatment.code
MAX_POSITION = 999


class TreatmentNameTaken(ServiceError):
    """Another treatment, on offer or retired, already has this name."""

    def __init__(self):
        super().__init__("The catalogue already has a treatment with this name (it may be retired).", field="name")


@dataclass
class TreatmentDetails:
    """What the catalogue form says about a treatment, already validated."""

    name: str
    category: TreatmentCategory = TreatmentCategory.OTHER
    default_sessions: int = 1
    default_interval_weeks: int = 4
    price_pence: int = 0
    review_months: list[int] = field(default_factory=list)
    aftercare_label: str | None = None
    aftercare_from_days: int | None = None
    aftercare_to_days: int | None = None
    reflection_days: int = 2
    ablative: bool = False
    surgical: bool = False
    active: bool = True
    position: int = 0


def active_treatments() -> list[Treatment]:
    """Treatments on offer, in catalogue order."""
    return list(db.session.scalars(select(Treatment).where(Treatment.active).order_by(Treatment.position)))


def treatments_by_id(ids: list[int], *, keeping: list[Treatment] = ()) -> list[Treatment]:
    """The treatments with these ids: active ones, and retired ones a record already had (`keeping`)."""
    if not ids:
        return []
    kept = [t.id for t in keeping]
    stmt = (select(Treatment).where(Treatment.id.in_(ids), Treatment.active | Treatment.id.in_(kept))
            .order_by(Treatment.position))
    return list(db.session.scalars(stmt))


def all_treatments() -> list[Treatment]:
    """Every treatment, retired ones included, in catalogue order (one query)."""
    return list(db.session.scalars(select(Treatment).order_by(Treatment.position, Treatment.name, Treatment.id)))


def next_position() -> int:
    """The position after the last treatment's, for a new entry at the end of the list."""
    last = db.session.scalar(select(func.max(Treatment.position)))
    return min((last if last is not None else -1) + 1, MAX_POSITION)


def _name_key(name: str) -> str:
    return unicodedata.normalize("NFC", name.strip()).casefold()


def _name_taken(name: str, excluding: Treatment | None = None) -> bool:
    # Compared in Python, as the settings lists are: SQLite's lower() folds ASCII only. Tens of rows.
    key = _name_key(name)
    return any(_name_key(other) == key for other_id, other in db.session.execute(select(Treatment.id, Treatment.name))
               if excluding is None or other_id != excluding.id)


def _unique_code(name: str) -> str:
    """A slug of the name that no treatment has yet: "TCA CROSS" -> tca_cross, then tca_cross_2, ..."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")[:CODE_LENGTH - 4].rstrip("_") or "treatment"
    taken = set(db.session.scalars(select(Treatment.code).where(Treatment.code.startswith(base, autoescape=True))))
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}_{n}"
    return code


def _apply(treatment: Treatment, details: TreatmentDetails) -> None:
    treatment.name = details.name.strip()
    treatment.category = details.category
    treatment.default_sessions = details.default_sessions
    treatment.default_interval_weeks = details.default_interval_weeks
    treatment.price_pence = details.price_pence
    treatment.review_months = sorted(set(details.review_months))  # a new list: JSON columns see reassignment only
    label = (details.aftercare_label or "").strip() or None
    treatment.aftercare_label = label
    treatment.aftercare_from_days = details.aftercare_from_days if label else None
    treatment.aftercare_to_days = details.aftercare_to_days if label else None
    treatment.reflection_days = details.reflection_days
    treatment.ablative = details.ablative
    treatment.surgical = details.surgical
    treatment.active = details.active
    treatment.position = details.position


def _saving(treatment: Treatment, details: TreatmentDetails) -> None:
    """Apply the details inside a savepoint: another administrator may save the same name at the same moment."""
    try:
        with db.session.begin_nested():
            _apply(treatment, details)
            db.session.add(treatment)
    except IntegrityError as error:
        raise TreatmentNameTaken from error


def create_treatment(details: TreatmentDetails) -> Treatment:
    """A new catalogue entry with a code derived from its name; TreatmentNameTaken if the name is in use."""
    if _name_taken(details.name):
        raise TreatmentNameTaken
    treatment = Treatment(code=_unique_code(details.name))
    _saving(treatment, details)
    return treatment


def update_treatment(treatment: Treatment, details: TreatmentDetails, *, version: int) -> None:
    """Save an edit (retiring or bringing back included); ConflictError if it changed since the form was opened."""
    audit.check_version(treatment, version)
    if _name_taken(details.name, excluding=treatment):
        raise TreatmentNameTaken
    _saving(treatment, details)
