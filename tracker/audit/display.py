"""How an event's details read on the trail: row changes as before → after, anything else as named values.

Row changes (create, update, archive, restore) hold [before, after] pairs. Every other kind of event holds
what it needs to say (a view: what was viewed; an export: what, format, filters; a merge: what moved; a
refusal: the page and the permission it needed), so its values are shown as they are, whatever their shape.
"""

from dataclasses import dataclass
from typing import Any

from tracker.audit.models import ROW_CHANGES, AuditAction, AuditEvent

MAX_TEXT = 400  # characters of one value shown; a long list (a merge's contacts, say) ends with "…"
NOTHING = "—"


@dataclass(frozen=True)
class Detail:
    """One line of an event's details: a name, the value before (None: not shown) and the value."""

    name: str
    before: str | None
    value: str


def text(value: Any) -> str:
    """A stored value as a reader sees it: nothing as a dash, yes/no, lists and mappings spelt out."""
    if value is None:
        return NOTHING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        shown = ", ".join(text(item) for item in value if item is not None)
    elif isinstance(value, dict):
        shown = "; ".join(f"{_name(key)}: {text(item)}" for key, item in value.items())
    else:
        shown = str(value)
    shown = shown or NOTHING
    return shown if len(shown) <= MAX_TEXT else shown[:MAX_TEXT - 1] + "…"


def _name(key: Any) -> str:
    return str(key).replace("_", " ")


def details(event: AuditEvent) -> list[Detail]:
    """The event's changes as lines to show, for any kind of event and any shape of value."""
    changes = event.changes
    if changes is None or changes == {}:
        return []
    if not isinstance(changes, dict):
        return [Detail("details", None, text(changes))]
    pairs = event.action in ROW_CHANGES
    lines = []
    for key, value in changes.items():
        if pairs and isinstance(value, list) and len(value) == 2:
            before = None if event.action is AuditAction.CREATE else text(value[0])
            lines.append(Detail(_name(key), before, text(value[1])))
        else:
            lines.append(Detail(_name(key), None, text(value)))
    return lines
