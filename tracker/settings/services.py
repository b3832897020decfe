"""Reading and editing the clinic's lists, defaults and opening hours."""

import unicodedata
from datetime import time
from time import monotonic

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from tracker.audit import services as audit
from tracker.errors import ServiceError
from tracker.extensions import db
from tracker.settings.models import ClinicSettings, OpeningHours, Option, OptionKind


class OptionLabelTaken(ServiceError):
    """The list already has an entry with this label."""

    def __init__(self):
        super().__init__("This list already has an entry with that name.", field="label")


def options(kind: OptionKind, *, include_retired: bool = False) -> list[Option]:
    """The entries of a list, in their order."""
    stmt = select(Option).where(Option.kind == kind).order_by(Option.position, Option.label)
    if not include_retired:
        stmt = stmt.where(Option.active)
    return list(db.session.scalars(stmt))


def option_lists() -> dict[OptionKind, list[Option]]:
    """Every list with all its entries, active ones first, in one query (the settings page)."""
    found: dict[OptionKind, list[Option]] = {kind: [] for kind in OptionKind}
    stmt = select(Option).order_by(Option.active.desc(), Option.position, Option.label)
    for option in db.session.scalars(stmt):
        found[option.kind].append(option)
    return found


def active_option(kind: OptionKind, option_id: int | None) -> Option | None:
    """The active entry of a list with this id, or None."""
    if option_id is None:
        return None
    option = db.session.get(Option, option_id)
    return option if option is not None and option.kind == kind and option.active else None


def clinic_settings() -> ClinicSettings:
    """The clinic's settings row (created by the migration)."""
    return db.session.get(ClinicSettings, 1)


def _label_key(label: str) -> str:
    return unicodedata.normalize("NFC", label.strip()).casefold()


def _label_taken(kind: OptionKind, label: str, excluding: Option | None = None) -> bool:
    # Compared in Python: SQLite's lower() folds ASCII only, so "Ärzte" twice would pass a SQL
    # comparison and then fail on the unique constraint. A list holds tens of entries.
    key = _label_key(label)
    same_list = db.session.scalars(select(Option).where(Option.kind == kind))
    return any(_label_key(option.label) == key for option in same_list if option is not excluding)


def add_option(kind: OptionKind, label: str) -> Option:
    """A new entry at the end of a list."""
    if _label_taken(kind, label):
        raise OptionLabelTaken
    last = db.session.scalar(select(func.max(Option.position)).where(Option.kind == kind)) or 0
    option = Option(kind=kind, label=label.strip(), active=True, position=last + 1)
    try:
        with db.session.begin_nested():  # another administrator may add the same label at the same moment
            db.session.add(option)
    except IntegrityError as error:
        raise OptionLabelTaken from error
    return option


def rename_option(option: Option, label: str, *, version: int) -> None:
    """Rename an entry; records that point at it show the new name."""
    audit.check_version(option, version)
    if _label_taken(option.kind, label, excluding=option):
        raise OptionLabelTaken
    option.label = label.strip()


def set_option_active(option: Option, active: bool, *, version: int) -> None:
    """Retire an entry (it stays on the records that use it) or bring it back."""
    audit.check_version(option, version)
    option.active = active


def update_clinic_settings(settings: ClinicSettings, *, consultation_minutes: int, version: int,
                           clinic_name: str | None = None) -> None:
    """Change the clinic's name and defaults (an empty name: the CLINIC_NAME setting again)."""
    audit.check_version(settings, version)
    settings.consultation_minutes = consultation_minutes
    settings.clinic_name = " ".join((clinic_name or "").split()) or None
    db.session.flush()
    _remember_name(settings.clinic_name)


_NAME_CACHE = "tracker_clinic_name"


def _remember_name(name: str | None) -> None:
    current_app.extensions[_NAME_CACHE] = (name, monotonic())


def clinic_name() -> str:
    """The clinic's name as set under Settings, else the CLINIC_NAME setting.

    Every page shows it, and a statement more on every page would cost more than the name is worth: each process
    reads it at most once every CLINIC_NAME_REFRESH_SECONDS (the one that saved a new name knows it at once).
    """
    cached = current_app.extensions.get(_NAME_CACHE)
    if cached is None or monotonic() - cached[1] >= current_app.config["CLINIC_NAME_REFRESH_SECONDS"]:
        try:
            name = db.session.scalar(select(ClinicSettings.clinic_name).where(ClinicSettings.id == 1))
        except SQLAlchemyError:  # an error page after a failed statement: the configured name will do
            return current_app.config["CLINIC_NAME"]
        _remember_name(name)
        cached = current_app.extensions[_NAME_CACHE]
    return cached[0] or current_app.config["CLINIC_NAME"]


class InvalidWeek(ServiceError):
    """Opening hours the clinic cannot have: a day closing before it opens, or no open day at all."""


def opening_hours() -> list[OpeningHours]:
    """The clinic's week: seven rows, Monday first (created by the migration)."""
    return list(db.session.scalars(select(OpeningHours).order_by(OpeningHours.weekday)))


def update_opening_hours(week: list[tuple[time | None, time | None]], *, first_contact_hours: int,
                         versions: list[int], settings_version: int) -> None:
    """Set each day's (opens, closes), Monday first ((None, None): closed), and the first-contact target.

    Every row's version is checked before anything changes, so a stale form changes nothing.
    """
    days, settings = opening_hours(), clinic_settings()
    if len(week) != len(days) or len(versions) != len(days):
        raise InvalidWeek("Give the hours of all seven days.")
    audit.check_version(settings, settings_version)
    for day, version in zip(days, versions, strict=True):
        audit.check_version(day, version)
    for opens, closes in week:
        if (opens is None) != (closes is None) or (opens is not None and closes <= opens):
            raise InvalidWeek("Each day needs both times, closing after opening, or neither.")
    if all(opens is None for opens, _ in week):
        raise InvalidWeek("The clinic must be open at least one day a week.")
    settings.first_contact_hours = first_contact_hours
    for day, (opens, closes) in zip(days, week, strict=True):
        day.opens, day.closes = opens, closes
