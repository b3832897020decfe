"""Indexes for the pipeline report at a million enquiries: attended consultations, plans by day, overdue work, moves.

Revision ID: e5a7c3d1b9f2
Revises: b4ae56ae76e0
Create Date: 2026-11-24 17:10:00

- ix_appointments_attended_consultations (enquiry_id, practitioner_id) over attended consultations only: the
  report's specialist rows read it alone instead of every appointment.
- ix_treatment_plans_status_decided_on and ix_treatment_plans_proposed_at: the value rows find the range's plans
  instead of reading them all.
- ix_follow_ups_status_overdue_at gains assigned_to_id and enquiry_id, so overdue work per owner is counted from
  the index alone; every query that used it still can.
- ix_stage_changes_to_stage_at gains enquiry_id: the trend's consultations and treatments booked per week are
  counted from the index alone.
No rows change.
"""

import sqlalchemy as sa
from alembic import op

revision = "e5a7c3d1b9f2"
down_revision = "b4ae56ae76e0"
branch_labels = None
depends_on = None

ATTENDED_CONSULTATION = sa.text("kind = 'consultation' AND status = 'attended'")


def upgrade():
    op.create_index("ix_appointments_attended_consultations", "appointments", ["enquiry_id", "practitioner_id"],
                    sqlite_where=ATTENDED_CONSULTATION, postgresql_where=ATTENDED_CONSULTATION)
    op.create_index("ix_treatment_plans_status_decided_on", "treatment_plans", ["status", "decided_on"])
    op.create_index("ix_treatment_plans_proposed_at", "treatment_plans", ["proposed_at"])
    op.drop_index("ix_follow_ups_status_overdue_at", table_name="follow_ups")
    op.create_index("ix_follow_ups_status_overdue_at", "follow_ups",
                    ["status", "overdue_at", "assigned_to_id", "enquiry_id"])
    op.drop_index("ix_stage_changes_to_stage_at", table_name="stage_changes")
    op.create_index("ix_stage_changes_to_stage_at", "stage_changes", ["to_stage", "at", "enquiry_id"])


def downgrade():
    op.drop_index("ix_stage_changes_to_stage_at", table_name="stage_changes")
    op.create_index("ix_stage_changes_to_stage_at", "stage_changes", ["to_stage", "at"])
    op.drop_index("ix_follow_ups_status_overdue_at", table_name="follow_ups")
    op.create_index("ix_follow_ups_status_overdue_at", "follow_ups", ["status", "overdue_at"])
    op.drop_index("ix_treatment_plans_proposed_at", table_name="treatment_plans")
    op.drop_index("ix_treatment_plans_status_decided_on", table_name="treatment_plans")
    op.drop_index("ix_appointments_attended_consultations", table_name="appointments")
