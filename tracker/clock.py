"""The clinic's time zone: UTC in the database, the clinic's local time on screen."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def clinic_zone() -> ZoneInfo:
    """The clinic's time zone (CLINIC_TIMEZONE, Europe/London by default)."""
    return ZoneInfo(current_app.config["CLINIC_TIMEZONE"])


def to_clinic(value: datetime) -> datetime:
    """A UTC datetime in the clinic's local time."""
    return value.astimezone(clinic_zone())


def local_day_start(day: date) -> datetime:
    """The UTC instant at which a local calendar day starts in the clinic."""
    return datetime.combine(day, time.min, tzinfo=clinic_zone()).astimezone(UTC)


def local_day_end(day: date) -> datetime:
    """The UTC instant at which a local calendar day ends (the next day's start)."""
    return local_day_start(day + timedelta(days=1))


def format_datetime(value: datetime | None) -> str:
    """UK format in clinic time: 23/11/2026 14:05."""
    return to_clinic(value).strftime("%d/%m/%Y %H:%M") if value else ""


def format_date(value: date | datetime | None) -> str:
    """UK format: 23/11/2026 (datetimes are first put in clinic time)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_clinic(value)
    return value.strftime("%d/%m/%Y")


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped when the clocks go forward."""


def local_to_utc(value: datetime) -> datetime:
    """A naive clinic wall-clock time as a UTC instant; the earlier one when clocks go back."""
    zone = clinic_zone()
    local = value.replace(tzinfo=zone, fold=0)
    round_trip = local.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != value.replace(tzinfo=None):
        raise NonexistentLocalTime("This time does not exist in the clinic's time zone (the clocks go forward).")
    return local.astimezone(UTC)


def now_local() -> datetime:
    """The clinic's wall-clock time now, naive (for form defaults)."""
    return datetime.now(clinic_zone()).replace(tzinfo=None, second=0, microsecond=0)


def format_since(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago, as reception says it: "25 min", "3 h", "2 days"."""
    if value is None:
        return ""
    minutes = max(0, int(((now or datetime.now(UTC)) - value).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


def format_time(value: datetime | None) -> str:
    """Clinic time of day: 14:05."""
    return to_clinic(value).strftime("%H:%M") if value else ""


def clinic_today() -> date:
    """Today's date at the clinic."""
    return datetime.now(clinic_zone()).date()
