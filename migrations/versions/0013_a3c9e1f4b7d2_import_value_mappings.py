"""The import's value-mapping step: remembered value mappings, and the step's choices on a staged upload.

Revision ID: a3c9e1f4b7d2
Revises: c47b2e9a0d15
Create Date: 2026-12-07 20:00:00

- import_value_mappings: what a value in a file's status, source, treatment, lost reason or channel column
  meant last time, keyed by list and the value's normalised text; a new table.
- import_uploads.choices: the value-mapping step's choices for a staged upload (nullable JSON), added in place.
Every existing row is kept; none changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "a3c9e1f4b7d2"
down_revision = "c47b2e9a0d15"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_value_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value_key", sa.String(length=200), nullable=False),
        sa.Column("target", sa.String(length=40), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_import_value_mappings_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_value_mappings")),
        sa.UniqueConstraint("kind", "value_key", name="uq_import_value_mappings_kind_value_key"),
    )
    # A nullable column: ALTER TABLE ADD COLUMN on both databases, no batch rebuild needed.
    op.add_column("import_uploads", sa.Column("choices", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("import_uploads") as batch:
        batch.drop_column("choices")
    op.drop_table("import_value_mappings")
