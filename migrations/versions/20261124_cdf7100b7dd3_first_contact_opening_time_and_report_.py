"""The opening time each enquiry waited for first contact, and a covering index for the pipeline report.

Revision ID: cdf7100b7dd3
Revises: 8933c5a64a9a
Create Date: 2026-11-24 11:55:32

- enquiries.first_contact_open_seconds: the opening time (the clinic's opening hours) from received to first
  contact, in seconds; the report's "time to first contact in opening hours". Added in place, then filled for
  every enquiry already contacted, from the opening hours as they are now (there is no earlier record of them).
- ix_stage_changes_enquiry_id_at gains to_stage and from_stage, so the report's per-enquiry "first reached"
  aggregates read the index alone; it still orders each enquiry's timeline.
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
    week = {day: (opens, closes) for day, opens, closes in conn.execute(sa.text(
        "SELECT weekday, opens, closes FROM opening_hours WHERE opens IS NOT NULL AND closes IS NOT NULL"))}
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


def upgrade():
    op.add_column("enquiries", sa.Column("first_contact_open_seconds", sa.Integer(), nullable=True))
    _fill(op.get_bind())
    op.drop_index("ix_stage_changes_enquiry_id_at", table_name="stage_changes")
    op.create_index("ix_stage_changes_enquiry_id_at", "stage_changes", ["enquiry_id", "at", "to_stage", "from_stage"])


def downgrade():
    op.drop_index("ix_stage_changes_enquiry_id_at", table_name="stage_changes")
    op.create_index("ix_stage_changes_enquiry_id_at", "stage_changes", ["enquiry_id", "at"])
    with op.batch_alter_table("enquiries") as batch_op:
        batch_op.drop_column("first_contact_open_seconds")
