"""Each enquiry's milestones, kept from its stage history: the furthest stage it reached and when it first
reached the steps the pipeline report times.

They are derived, like next_follow_up_at: whenever a flush adds or changes stage changes (from any path:
services, commands, tests that correct a time), the enquiry's milestones are worked out again from all its
stage changes, in the same flush. The report then reads one row per enquiry instead of aggregating the history;
the enquiry list's drill-down filters still read the history itself, and the tests hold the two together.
"""

from collections import defaultdict

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tracker.db import utcnow
from tracker.enquiries.models import MILESTONES, Enquiry, StageChange
from tracker.enquiries.stages import PIPELINE, Stage

# Milestone column → the stages whose reaching marks it (the stage itself or a later one).
FIRST_REACHED = {
    "consulted_at": Stage.CONSULTED,
    "plan_proposed_at": Stage.PLAN_PROPOSED,
    "treatment_booked_at": Stage.TREATMENT_BOOKED,
    "treatment_started_at": Stage.IN_TREATMENT,
}


def milestones(changes) -> dict:
    """The milestones of one enquiry from its stage changes, as (to_stage, from_stage, at) triples."""
    out: dict = dict.fromkeys(MILESTONES)
    for to_stage, from_stage, at in changes:
        advance(out, to_stage, from_stage, at)
    return out


def _earliest(current, at):
    return at if current is None else min(current, at)


def advance(values: dict, to_stage: Stage, from_stage: Stage | None, at) -> None:
    """Bring milestones (a dict of MILESTONES) up to date with one more stage change."""
    if to_stage in PIPELINE:
        furthest = values["furthest_stage"]
        if furthest is None or PIPELINE.index(to_stage) > PIPELINE.index(furthest):
            values["furthest_stage"] = to_stage
        for column, stage in FIRST_REACHED.items():
            if PIPELINE.index(to_stage) >= PIPELINE.index(stage):
                values[column] = _earliest(values[column], at)
    if from_stage is Stage.PLAN_PROPOSED:  # accepted, declined or reworked: a decision on the plan
        values["plan_decided_at"] = _earliest(values["plan_decided_at"], at)


def _keep(session: Session, _flush_context, _instances) -> None:
    """Work out again the milestones of every enquiry whose stage changes this flush adds or changes."""
    pending = [obj for obj in session.new | session.dirty
               if isinstance(obj, StageChange) and obj.enquiry_id is not None]
    if not pending:
        return
    changes: dict[int, dict] = defaultdict(dict)  # enquiry id → change key → (to, from, at)
    ids = {obj.enquiry_id for obj in pending}
    with session.no_autoflush:
        stored = session.execute(select(StageChange.id, StageChange.enquiry_id, StageChange.to_stage,
                                        StageChange.from_stage, StageChange.at)
                                 .where(StageChange.enquiry_id.in_(ids))).all()
        for key, enquiry_id, to_stage, from_stage, at in stored:
            changes[enquiry_id][key] = (to_stage, from_stage, at)
        for obj in pending:  # their values as they are about to be written
            changes[obj.enquiry_id][obj.id or id(obj)] = (obj.to_stage, obj.from_stage, obj.at or utcnow())
        for enquiry_id, rows in changes.items():
            enquiry = session.get(Enquiry, enquiry_id)
            for column, value in milestones(rows.values()).items():
                if getattr(enquiry, column) != value:
                    setattr(enquiry, column, value)


def install() -> None:
    """Attach the milestone keeper to every ORM session (once per process)."""
    if not event.contains(Session, "before_flush", _keep):
        event.listen(Session, "before_flush", _keep)
