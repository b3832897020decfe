"""Patients' numbers also stored with their digits backwards, indexed, so a search by a number's end is a range.

Revision ID: a3d9e61f5c72
Revises: e5a7c3d1b9f2
Create Date: 2026-12-07 19:45:00

- patients.phone_reversed and patients.phone_alt_reversed: the E.164 number's digits without the "+", backwards
  ("+447700900123" → "321009007744"); "900123" typed into search is then the prefix "321009" of an index.
- Filled here for every existing row; the model keeps them in step from now on. Binary collation ("C") on
  PostgreSQL, as for the name keys, so a prefix range is plain code-point order.
In place on SQLite (ADD / DROP COLUMN), never a batch rebuild, which would drop the name-search triggers.
No row is removed; downgrade drops the two derived columns.
"""

import sqlalchemy as sa
from alembic import op

revision = "a3d9e61f5c72"
down_revision = "e5a7c3d1b9f2"
branch_labels = None
depends_on = None

CHUNK = 5000


def _digit_string():
    return sa.String(length=20).with_variant(sa.String(length=20, collation="C"), "postgresql")


def _reversed(e164):
    return e164[1:][::-1] if e164 else None


def _fill(bind) -> None:
    if bind.dialect.name == "postgresql":
        op.execute("UPDATE patients SET phone_reversed = reverse(substr(phone, 2)), "
                   "phone_alt_reversed = reverse(substr(phone_alt, 2)) "
                   "WHERE phone IS NOT NULL OR phone_alt IS NOT NULL")
        return
    rows = bind.execute(sa.text("SELECT id, phone, phone_alt FROM patients "
                                "WHERE phone IS NOT NULL OR phone_alt IS NOT NULL")).all()
    update = sa.text("UPDATE patients SET phone_reversed = :phone, phone_alt_reversed = :alt WHERE id = :id")
    for start in range(0, len(rows), CHUNK):
        bind.execute(update, [{"id": row.id, "phone": _reversed(row.phone), "alt": _reversed(row.phone_alt)}
                              for row in rows[start:start + CHUNK]])


def upgrade():
    # In place, never a batch rebuild: rebuilding `patients` on SQLite drops the name-search triggers
    # (see b4f2c8a91d07); ADD COLUMN and CREATE INDEX need none.
    op.add_column("patients", sa.Column("phone_reversed", _digit_string(), nullable=True))
    op.add_column("patients", sa.Column("phone_alt_reversed", _digit_string(), nullable=True))
    _fill(op.get_bind())
    op.create_index("ix_patients_phone_reversed", "patients", ["phone_reversed"], unique=False)
    op.create_index("ix_patients_phone_alt_reversed", "patients", ["phone_alt_reversed"], unique=False)


def downgrade():
    op.drop_index("ix_patients_phone_alt_reversed", table_name="patients")
    op.drop_index("ix_patients_phone_reversed", table_name="patients")
    for column in ("phone_alt_reversed", "phone_reversed"):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE patients DROP COLUMN {column}")  # SQLite 3.35+: no rebuild
        else:
            op.drop_column("patients", column)
