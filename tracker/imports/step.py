"""The value-mapping step's prefill (this upload's choices, then remembered ones, then suggestions) and its reading."""

from dataclasses import dataclass

from tracker.imports import values as value_lists
from tracker.imports.values import NEW, Column, Lists, clean_label, value_key
from tracker.settings.services import options


@dataclass
class Offer:
    """The step's page: the columns and their values, what each select starts at, and why."""

    columns: list[Column]
    data: dict  # field name → target (and history_days)
    how: dict  # field name → "chosen", "remembered", "exact" or "suggested"


def offer(columns: list[Column], lists: Lists, saved: dict | None, history_days: int) -> Offer:
    """What each value's select starts at: this upload's earlier choice, the remembered mapping, an exact name,
    a suggestion, or "choose"."""
    saved_values = (saved or {}).get("values") or {}
    remembered = value_lists.remembered([c.kind for c in columns])
    data, how = {"history_days": (saved or {}).get("history_days", history_days)}, {}
    for column in columns:
        allowed = lists.allowed(column.kind)
        for index, value in enumerate(column.values):
            name = f"{column.kind}-{index}"
            for source, target in (("chosen", (saved_values.get(column.kind) or {}).get(value.key)),
                                   ("remembered", remembered[column.kind].get(value.key))):
                if target in allowed:
                    data[name], how[name] = target, source
                    break
            else:
                suggested = lists.suggest(column.kind, value.key)
                if suggested is not None and suggested[0] in allowed:
                    data[name], how[name] = suggested
                else:
                    data[name] = value_lists.CHOOSE
    return Offer(columns, data, how)


def read(form, columns: list[Column]) -> tuple[dict, dict]:
    """(values, labels) from a valid step form: kind → {value key: target}, and the names of entries to add."""
    chosen: dict[str, dict[str, str]] = {}
    labels: dict[str, dict[str, str]] = {}
    for column in columns:
        for index, value in enumerate(column.values):
            target = form[f"{column.kind}-{index}"].data
            chosen.setdefault(column.kind, {})[value.key] = target
            if target == NEW:
                labels.setdefault(column.kind, {})[value.key] = clean_label(value.shown)
    return chosen, labels


def new_name_problems(form, columns: list[Column]) -> bool:
    """Put an error beside each "add as new" whose name the list already has (perhaps retired); whether any did."""
    found = False
    for column in columns:
        if column.kind not in value_lists.EDITABLE:
            continue
        taken = {value_key(o.label) for o in options(value_lists.EDITABLE[column.kind], include_retired=True)}
        for index, value in enumerate(column.values):
            field = form[f"{column.kind}-{index}"]
            if field.data == NEW and value_key(clean_label(value.shown)) in taken:
                field.errors = [*field.errors, "The list already has this name (perhaps retired): choose it, or "
                                               "reactivate it in Settings."]
                found = True
    return found
