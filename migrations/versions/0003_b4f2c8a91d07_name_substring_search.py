"""Name search by any part of a name (a trigram index), and by surname in display order.

Revision ID: b4f2c8a91d07
Revises: 7a1c3e9d2b40
Create Date: 2026-11-24 04:00:00

SQLite: an FTS5 table with the trigram tokenizer, holding only an index over patients.name_key
(external content: the text stays in patients), kept in step by three triggers and filled from
the rows already there. PostgreSQL: pg_trgm and a GIN trigram index, which serves
`name_key LIKE '%part%'`. Either way "connor" finds O'Connor without reading every patient.
The downgrade drops the index and the triggers; pg_trgm stays installed (other things may use it).
A later batch migration that rebuilds `patients` on SQLite drops its triggers with the old
table: such a migration must create them again and run the 'rebuild' below.

The surname index becomes (last_name_key, name_key), so a search by surname reads its first
matches in the order they are shown instead of sorting every namesake.
"""

from alembic import op

revision = "b4f2c8a91d07"
down_revision = "7a1c3e9d2b40"
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE patient_name_search USING fts5("
    "name_key, content='patients', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER patient_name_search_insert AFTER INSERT ON patients BEGIN "
    "INSERT INTO patient_name_search(rowid, name_key) VALUES (new.id, new.name_key); END",
    "CREATE TRIGGER patient_name_search_delete AFTER DELETE ON patients BEGIN "
    "INSERT INTO patient_name_search(patient_name_search, rowid, name_key) VALUES ('delete', old.id, old.name_key); "
    "END",
    "CREATE TRIGGER patient_name_search_update AFTER UPDATE OF name_key ON patients BEGIN "
    "INSERT INTO patient_name_search(patient_name_search, rowid, name_key) VALUES ('delete', old.id, old.name_key); "
    "INSERT INTO patient_name_search(rowid, name_key) VALUES (new.id, new.name_key); END",
    "INSERT INTO patient_name_search(patient_name_search) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER patient_name_search_update",
    "DROP TRIGGER patient_name_search_delete",
    "DROP TRIGGER patient_name_search_insert",
    "DROP TABLE patient_name_search",
]
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_patients_name_key_trigram ON patients USING gin (name_key gin_trgm_ops)",
]
POSTGRES_DOWN = ["DROP INDEX ix_patients_name_key_trigram"]


def _run(sqlite: list[str], postgres: list[str]) -> None:
    for statement in sqlite if op.get_bind().dialect.name == "sqlite" else postgres:
        op.execute(statement)


def upgrade():
    _run(SQLITE_UP, POSTGRES_UP)
    op.create_index("ix_patients_last_name_key_name_key", "patients", ["last_name_key", "name_key"])
    op.drop_index("ix_patients_last_name_key", table_name="patients")


def downgrade():
    op.create_index("ix_patients_last_name_key", "patients", ["last_name_key"])
    op.drop_index("ix_patients_last_name_key_name_key", table_name="patients")
    _run(SQLITE_DOWN, POSTGRES_DOWN)
