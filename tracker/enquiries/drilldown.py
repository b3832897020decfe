"""The list filters behind the pipeline report's numbers: each is the report's own definition, as a condition.

The report (tracker/reports/) counts enquiries with grouped aggregates; its numbers link to the list with
these filters, and the list counts them with these conditions. Both read the same columns (the stage reached
comes from the enquiry's milestones, as in the report); tests check each report number against the list's
count, and the milestones against the stage history.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, exists

from tracker.auth.models import User
from tracker.clock import format_date, local_day_end, local_day_start
from tracker.db import utcnow
from tracker.enquiries import hooks
from tracker.enquiries.models import Enquiry, StageChange
from tracker.enquiries.stages import PIPELINE, Stage
from tracker.extensions import db
from tracker.settings.models import Option, OptionKind
from tracker.settings.services import clinic_settings


@dataclass(frozen=True)
class DrillDown:
    """What a report number counted; None or "" leaves a filter out."""

    reached: Stage | None = None  # reached this stage or a later one (stage history)
    entered: Stage | None = None  # moved into exactly this stage...
    entered_from: date | None = None  # ...on or after this day
    entered_to: date | None = None  # ...on or before this day
    decided: bool = False  # left plan proposed (accepted, declined or reworked): a decision was made
    lost_reason: str = ""  # lost, for this reason: an option id as text, or "none"
    lost_from: Stage | None = None  # lost, from this stage
    contact: str = ""  # first contact "within" the target, "late", "none" yet, or at all ("contacted")
    specialist_id: int | None = None  # had an attended consultation with this practitioner
    overdue: str = ""  # has an overdue open follow-up of this user (id as text) or the "team"
    plan: str = ""  # has a plan "proposed", "accepted" or "declined"...
    plan_from: date | None = None  # ...on or after this day
    plan_to: date | None = None  # ...on or before this day


def reached_stages(stage: Stage) -> tuple[Stage, ...]:
    """The stages whose reaching means `stage` was reached: it and the later ones (lost: itself only)."""
    if stage is Stage.LOST:
        return (Stage.LOST,)
    return tuple(PIPELINE[PIPELINE.index(stage):])


def target_seconds() -> int:
    """The clinic's first-contact target, in seconds of opening time."""
    return int(clinic_settings().first_contact_hours * 3600)


def clinic_days(column, start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    """`column` (a UTC datetime) within clinic days start..end, both included; either may be open."""
    return [*([column >= local_day_start(start)] if start else []), *([column < local_day_end(end)] if end else [])]


def days_between(column, start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    """`column` (a date) within start..end, both included."""
    return [*([column >= start] if start else []), *([column <= end] if end else [])]


def conditions(drill: DrillDown, now: datetime | None = None) -> list[ColumnElement[bool]]:
    """The drill-down filters as conditions on enquiries; the features built on enquiries add their own (hooks)."""
    out: list[ColumnElement[bool]] = []
    if drill.reached is Stage.LOST:
        out.append(exists().where(StageChange.enquiry_id == Enquiry.id, StageChange.to_stage == Stage.LOST))
    elif drill.reached:  # the milestone the report counts, kept from the stage history (milestones.py)
        out.append(Enquiry.furthest_stage.in_(reached_stages(drill.reached)))
    if drill.entered:
        out.append(exists().where(StageChange.enquiry_id == Enquiry.id, StageChange.to_stage == drill.entered,
                                  *clinic_days(StageChange.at, drill.entered_from, drill.entered_to)))
    if drill.decided:
        out.append(Enquiry.plan_decided_at.is_not(None))
    if drill.lost_reason or drill.lost_from:
        out.append(Enquiry.stage == Stage.LOST)
    if drill.lost_reason == "none":
        out.append(Enquiry.lost_reason_id.is_(None))
    elif drill.lost_reason.isascii() and drill.lost_reason.isdigit():
        out.append(Enquiry.lost_reason_id == int(drill.lost_reason))
    if drill.lost_from:
        out.append(Enquiry.lost_from_stage == drill.lost_from)
    out.extend(_contact(drill.contact))
    for contributed in hooks.drill_conditions.ask(drill, now or utcnow()):  # specialist, overdue, plan
        out.extend(contributed)
    return out


def _contact(contact: str) -> list[ColumnElement[bool]]:
    waited = Enquiry.first_contact_open_seconds
    if contact == "none":
        return [Enquiry.first_contacted_at.is_(None)]
    if contact == "contacted":
        return [Enquiry.first_contacted_at.is_not(None)]
    if contact == "within":
        return [Enquiry.first_contacted_at.is_not(None), (waited.is_(None) | (waited <= target_seconds()))]
    if contact == "late":
        return [Enquiry.first_contacted_at.is_not(None), waited > target_seconds()]
    return []


def describe(drill: DrillDown) -> list[str]:
    """The report filter in words, one line each."""
    def person(key: str) -> str:
        user = db.session.get(User, int(key)) if key.isdigit() else None
        return user.full_name if user else f"user {key}"

    def days(start, end) -> str:
        return (f" from {format_date(start)}" if start else "") + (f" until {format_date(end)}" if end else "")

    lines = []
    if drill.reached:
        lines.append(f"Reached {drill.reached.label.lower()} (or a later stage)")
    if drill.entered:
        lines.append(f"Moved into {drill.entered.label.lower()}{days(drill.entered_from, drill.entered_to)}")
    if drill.decided:
        lines.append("A decision on the proposed plan was made")
    if drill.lost_reason:
        reason = db.session.get(Option, int(drill.lost_reason)) if drill.lost_reason.isdigit() else None
        if reason is not None and reason.kind is not OptionKind.LOST_REASON:
            reason = None
        if drill.lost_reason == "none":
            lines.append("Lost: no reason given")
        else:
            lines.append(f"Lost: {reason.label if reason else 'a reason not on the list'}")
    if drill.lost_from:
        lines.append(f"Lost from {drill.lost_from.label.lower()}")
    if drill.contact:
        lines.append({"within": "First contact within the target", "late": "First contact after the target",
                      "none": "Not yet contacted", "contacted": "Contacted"}[drill.contact])
    if drill.specialist_id:
        lines.append(f"Consultation attended with {person(str(drill.specialist_id))}")
    if drill.overdue:
        owner = "the reception team" if drill.overdue == "team" else person(drill.overdue)
        lines.append(f"Overdue follow-up with {owner}")
    if drill.plan:
        lines.append(f"Plan {drill.plan}{days(drill.plan_from, drill.plan_to)}")
    return lines
