"""Appointments keep the reason given for booking outside the clinic's opening hours.

Revision ID: a1d7e3c9b5f4
Revises: a3c9e1f4b7d2
Create Date: 2026-12-07 19:45:00

- appointments.outside_hours_reason: nullable text; NULL for every existing row (they were booked before
  opening hours applied to bookings). No rows change.
"""

import sqlalchemy as sa
from alembic import op

revision = "a1d7e3c9b5f4"
down_revision = "a3c9e1f4b7d2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("appointments") as batch_op:
        batch_op.add_column(sa.Column("outside_hours_reason", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("appointments") as batch_op:
        batch_op.drop_column("outside_hours_reason")
