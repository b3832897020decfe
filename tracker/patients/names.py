"""Names: search keys (case- and accent-insensitive, compared by prefix through an index), and the short form
that calendar feeds and reminder e-mails show."""

import re

from anyascii import anyascii
from sqlalchemy import ColumnElement, and_

KEY_LENGTH = 161  # the name key columns' length
_NOT_KEY = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")


def name_key(text: str) -> str:
    """ "Siobhán O'Connor-Dúnlaing" → "siobhan oconnordunlaing": ASCII, lower case, letters, digits, single spaces."""
    folded = anyascii(text or "").lower().replace("-", "")
    # Transliteration can lengthen a name (北京 → BeiJing); a key only needs its start.
    return _SPACES.sub(" ", _NOT_KEY.sub("", folded)).strip()[:KEY_LENGTH]


def short_name(first_name: str, last_name: str) -> str:
    """ "Jane", "Doe" → "Jane D.": the first name and surname initial, all of a name that feeds and e-mails carry."""
    first, initial = (first_name or "").strip(), (last_name or "").strip()[:1].upper()
    return f"{first} {initial}." if initial else first


def prefix_match(column, prefix: str) -> ColumnElement[bool]:
    """column starts with prefix, written as a range so a plain b-tree index serves it on every database.

    Keys hold only [a-z0-9 ], so the next string after every string with this prefix is the
    prefix with its last character raised by one. The columns use binary collation ("C" on
    PostgreSQL), where that order is plain code-point order. Prefixes are printable ASCII.
    """
    if not prefix or not prefix.isascii() or not prefix.isprintable():
        raise ValueError("prefix_match takes a printable ASCII prefix")
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper)
