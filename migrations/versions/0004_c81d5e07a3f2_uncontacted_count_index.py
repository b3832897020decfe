"""The "not yet contacted" filter counts and sorts from one index: first contact, stage, received; live rows.

Revision ID: c81d5e07a3f2
Revises: b4f2c8a91d07
Create Date: 2026-11-24 04:40:00

Replaces the plain index on enquiries.first_contacted_at: the stage tabs count uncontacted
enquiries per stage, and the list orders them by when they came in, both from this index
without reading the table. No rows change.
"""

import sqlalchemy as sa
from alembic import op

revision = "c81d5e07a3f2"
down_revision = "b4f2c8a91d07"
branch_labels = None
depends_on = None


def upgrade():
    live = sa.text("archived_at IS NULL")
    op.create_index("ix_enquiries_first_contacted_at_stage", "enquiries", ["first_contacted_at", "stage", "received_at"],
                    sqlite_where=live, postgresql_where=live)
    op.drop_index("ix_enquiries_first_contacted_at", table_name="enquiries")


def downgrade():
    op.create_index("ix_enquiries_first_contacted_at", "enquiries", ["first_contacted_at"])
    op.drop_index("ix_enquiries_first_contacted_at_stage", table_name="enquiries")
