"""Concern and treatment rows carry their enquiry's stage, kept equal by the database.

Revision ID: d93a6b1f5c28
Revises: c81d5e07a3f2
Create Date: 2026-11-24 05:00:00

The stage tabs count enquiries per stage under a concern or treatment filter. Reading each
enquiry to learn its stage costs time in proportion to the table; with the stage on the link
row, an index on (concern, stage) or (treatment_id, stage) answers the count alone.

The copy cannot drift: each link row's (enquiry_id, stage) is a foreign key to the enquiry's
(id, stage), ON UPDATE CASCADE, so a stage change rewrites the link rows in the same statement
and a row with a wrong stage is refused. The old single-column foreign keys are replaced by
these. Existing rows take their enquiry's stage; none is added or removed.
"""

import sqlalchemy as sa
from alembic import op

revision = "d93a6b1f5c28"
down_revision = "c81d5e07a3f2"
branch_labels = None
depends_on = None

STAGES = ("new", "contacted", "consultation_booked", "consulted", "plan_proposed", "treatment_booked",
          "in_treatment", "completed", "lost")
LINKS = {  # table: (the column it is filtered by, its old index)
    "enquiry_concerns": ("concern", "ix_enquiry_concerns_concern"),
    "enquiry_treatments": ("treatment_id", "ix_enquiry_treatments_treatment_id"),
}


def upgrade():
    op.create_index("uq_enquiries_id_stage", "enquiries", ["id", "stage"], unique=True)
    for table, (column, old_index) in LINKS.items():
        op.add_column(table, sa.Column("stage", sa.Enum(*STAGES, name="stage", native_enum=False, length=24)))
        op.execute(f"UPDATE {table} SET stage = (SELECT stage FROM enquiries WHERE enquiries.id = {table}.enquiry_id)")
        with op.batch_alter_table(table) as batch:
            batch.alter_column("stage", nullable=False,
                               existing_type=sa.Enum(*STAGES, name="stage", native_enum=False, length=24))
            batch.drop_constraint(f"fk_{table}_enquiry_id_enquiries", type_="foreignkey")
            batch.create_foreign_key(f"fk_{table}_enquiry_id_enquiries", "enquiries", ["enquiry_id", "stage"],
                                     ["id", "stage"], onupdate="CASCADE")
            batch.drop_index(old_index)
            batch.create_index(f"ix_{table}_{column}_stage", [column, "stage", "enquiry_id"])  # covering


def downgrade():
    for table, (column, old_index) in LINKS.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_{column}_stage")
            batch.create_index(old_index, [column])
            batch.drop_constraint(f"fk_{table}_enquiry_id_enquiries", type_="foreignkey")
            batch.create_foreign_key(f"fk_{table}_enquiry_id_enquiries", "enquiries", ["enquiry_id"], ["id"])
            batch.drop_column("stage")
    op.drop_index("uq_enquiries_id_stage", table_name="enquiries")
