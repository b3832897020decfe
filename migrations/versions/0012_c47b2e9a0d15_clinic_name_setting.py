"""The clinic's name, set by an administrator under Settings.

Revision ID: c47b2e9a0d15
Revises: a3d9e61f5c72
Create Date: 2026-12-07 20:30:00

- clinic_settings.clinic_name: shown in the header, page titles, the public form and e-mails; empty (NULL) means the
  CLINIC_NAME setting, as before. The one existing row keeps every value and gets NULL, so nothing changes until
  an administrator sets a name.
"""

import sqlalchemy as sa
from alembic import op

revision = "c47b2e9a0d15"
down_revision = "a3d9e61f5c72"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("clinic_settings", sa.Column("clinic_name", sa.String(length=120), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE clinic_settings DROP COLUMN clinic_name")  # SQLite 3.35+: no rebuild
    else:
        op.drop_column("clinic_settings", "clinic_name")
