"""Search by any part of a name, served by the trigram index that migration b4f2c8a91d07 builds."""

from sqlalchemy import Select, column, select, table, text

from tracker.extensions import db
from tracker.patients.models import Patient

# Kept by the migration, not the models (an FTS5 table and its shadow tables on SQLite, a GIN
# index on PostgreSQL): schema comparison leaves them out.
FTS_TABLE = "patient_name_search"
TRIGRAM_INDEX = "ix_patients_name_key_trigram"
MIN_PART = 3  # a trigram index needs three characters to look anything up
PART_CANDIDATES = 500  # names containing the search that are sorted and shown at most

_fts = table(FTS_TABLE, column("rowid"))


def modelled(name: str | None, type_: str, _parent_names) -> bool:
    """False for the search index's schema objects, which the models do not describe (Alembic's include_name)."""
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False
    return not (type_ == "index" and name == TRIGRAM_INDEX)


def part_candidates(key: str) -> Select | None:
    """The ids of live patients whose folded name contains every word of `key`; None when a word is too short.

    At most PART_CANDIDATES of them, taken as the index yields them: a common fragment ("son")
    is in thousands of names, and sorting them all by name would cost time in proportion to the
    table. Searches for the start of a name, which are ordered through their own index, come first.
    Keys hold only [a-z0-9 ], so they go into a LIKE pattern or an FTS5 phrase without escaping.
    """
    words = key.split()
    if not words or min(len(word) for word in words) < MIN_PART:
        return None
    live = select(Patient.id).where(Patient.archived_at.is_(None))
    if db.session.get_bind().dialect.name == "sqlite":
        phrases = " ".join(f'"{word}"' for word in words)
        found = live.join(_fts, _fts.c.rowid == Patient.id).where(
            text(f"{FTS_TABLE} MATCH :phrases").bindparams(phrases=phrases))
    else:
        found = live.where(*(Patient.name_key.like(f"%{word}%") for word in words))
    limited = found.limit(PART_CANDIDATES).subquery()  # a subquery: SQLite takes no LIMIT inside a UNION
    return select(limited.c.id)
