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
