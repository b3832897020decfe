"""For the pipeline report: the opening time each enquiry waited for first contact, and its milestones.

Revision ID: cdf7100b7dd3
Revises: 8933c5a64a9a
Create Date: 2026-11-24 11:55:32

- enquiries.first_contact_open_seconds: the opening time (the clinic's opening hours) from received to first
  contact, in seconds; the report's "time to first contact in opening hours". Added in place, then filled for
  every enquiry already contacted, from the opening hours as they are now (there is no earlier record of them).
- enquiries.furthest_stage, consulted_at, plan_proposed_at, treatment_booked_at, treatment_started_at and
  plan_decided_at: the milestones tracker/enquiries/milestones.py keeps from the stage history (the furthest
  stage reached; when it first reached consulted, plan proposed, treatment booked and in treatment, or a later
  stage; when it first left plan proposed). Filled here from every enquiry's stage changes.
- ix_stage_changes_enquiry_id_at gains to_stage and from_stage, so the drill-down's and the milestones'
  reads of an enquiry's history use the index alone; it still orders each enquiry's timeline.
Every existing row is kept.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "cdf7100b7dd3"
down_revision = "8933c5a64a9a"
branch_labels = None
depends_on = None

BATCH = 5000


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _open_seconds(week: dict, zone: ZoneInfo, start: datetime, end: datetime) -> int:
    """Opening time from start to end, as tracker.settings.hours.Week.opening_time_between counts it (frozen here)."""
    if end <= start:
        return 0
    if not week:
        return int((end - start).total_seconds())
    total, day = timedelta(0), start.astimezone(zone).date()
    while day <= end.astimezone(zone).date():
        if day.weekday() in week:
            opens, closes = week[day.weekday()]
            begin = max(start, datetime.combine(day, opens, tzinfo=zone).astimezone(UTC))
            finish = min(end, datetime.combine(day, closes, tzinfo=zone).astimezone(UTC))
            if begin < finish:
                total += finish - begin
        day += timedelta(days=1)
    return int(total.total_seconds())


def _fill(conn) -> None:
    """Give every enquiry already contacted its opening-time wait, in batches by id."""
    zone = ZoneInfo(current_app.config.get("CLINIC_TIMEZONE", "Europe/London"))
    hours = sa.table("opening_hours", sa.column("weekday", sa.Integer), sa.column("opens", sa.Time),
                     sa.column("closes", sa.Time))
    week = {day: (opens, closes) for day, opens, closes in conn.execute(
        sa.select(hours.c.weekday, hours.c.opens, hours.c.closes)
        .where(hours.c.opens.is_not(None), hours.c.closes.is_not(None)))}
    enquiries = sa.table("enquiries", sa.column("id", sa.Integer), sa.column("received_at", sa.DateTime),
                         sa.column("first_contacted_at", sa.DateTime),
                         sa.column("first_contact_open_seconds", sa.Integer))
    update = enquiries.update().where(enquiries.c.id == sa.bindparam("key")).values(
        first_contact_open_seconds=sa.bindparam("seconds"))
    last = 0
    while True:
        rows = conn.execute(sa.select(enquiries.c.id, enquiries.c.received_at, enquiries.c.first_contacted_at)
                            .where(enquiries.c.id > last, enquiries.c.first_contacted_at.is_not(None))
                            .order_by(enquiries.c.id).limit(BATCH)).all()
        if not rows:
            return
        conn.execute(update, [{"key": key, "seconds": _open_seconds(week, zone, _aware(received), _aware(contacted))}
                              for key, received, contacted in rows])
        last = rows[-1].id


PIPELINE = ("new", "contacted", "consultation_booked", "consulted", "plan_proposed", "treatment_booked",
            "in_treatment", "completed")
MILESTONES = {"consulted_at": "consulted", "plan_proposed_at": "plan_proposed",
              "treatment_booked_at": "treatment_booked", "treatment_started_at": "in_treatment"}


def _in(stages) -> str:
    return ", ".join(f"'{stage}'" for stage in stages)


def _fill_milestones() -> None:
    """Every enquiry's milestones from its stage changes (one correlated UPDATE; both databases)."""
    history = "FROM stage_changes sc WHERE sc.enquiry_id = enquiries.id"
    rank = " ".join(f"WHEN '{stage}' THEN {n}" for n, stage in enumerate(PIPELINE))
    firsts = ", ".join(f"{column} = (SELECT min(sc.at) {history} AND sc.to_stage IN "
                       f"({_in(PIPELINE[PIPELINE.index(stage):])}))" for column, stage in MILESTONES.items())
    op.execute(f"UPDATE enquiries SET furthest_stage = (SELECT sc.to_stage {history} AND sc.to_stage IN "
               f"({_in(PIPELINE)}) ORDER BY CASE sc.to_stage {rank} END DESC LIMIT 1), {firsts}, "
               f"plan_decided_at = (SELECT min(sc.at) {history} AND sc.from_stage = 'plan_proposed')")


def upgrade():
    op.add_column("enquiries", sa.Column("first_contact_open_seconds", sa.Integer(), nullable=True))
    op.add_column("enquiries", sa.Column("furthest_stage", sa.String(length=24), nullable=True))
    for column in (*MILESTONES, "plan_decided_at"):
        op.add_column("enquiries", sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    _fill(op.get_bind())
    _fill_milestones()
    op.drop_index("ix_stage_changes_enquiry_id_at", table_name="stage_changes")
    op.create_index("ix_stage_changes_enquiry_id_at", "stage_changes", ["enquiry_id", "at", "to_stage", "from_stage"])


def downgrade():
    op.drop_index("ix_stage_changes_enquiry_id_at", table_name="stage_changes")
    op.create_index("ix_stage_changes_enquiry_id_at", "stage_changes", ["enquiry_id", "at"])
    with op.batch_alter_table("enquiries") as batch_op:
        for column in ("first_contact_open_seconds", "furthest_stage", *MILESTONES, "plan_decided_at"):
            batch_op.drop_column(column)
