"""The value-mapping step: each list column's distinct values, what each can mean, and a suggestion for each.

A target is a short string: "stage:contacted", "lost:12" (lost, with that reason), "history:consulted" (kept as
history on a contacted enquiry), "option:12" (a source or lost reason), "treatment:3", "channel:phone", "new" (add
the value to the clinic's list) or "" (leave empty / no treatment). Remembered targets prefill the next file.
"""

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker.catalogue.services import active_treatments
from tracker.db import utcnow
from tracker.enquiries.models import Channel
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.imports import parse
from tracker.imports.models import ImportValueMapping
from tracker.settings.models import Option, OptionKind
from tracker.settings.services import options

# list kind → the mapping field whose column holds it
KINDS = {"status": "stage", "source": "source", "lost_reason": "lost_reason", "treatment": "treatments",
         "channel": "channel"}
KIND_LABELS = {"status": "Status", "source": "Source", "lost_reason": "Lost reason", "treatment": "Treatments",
               "channel": "Channel"}
EDITABLE = {"source": OptionKind.SOURCE, "lost_reason": OptionKind.LOST_REASON}
# Stages an import cannot set (they need bookings and plans): the enquiry comes in contacted, the stage as a note.
HISTORY_STAGES = (Stage.CONSULTATION_BOOKED, Stage.CONSULTED, Stage.PLAN_PROPOSED, Stage.TREATMENT_BOOKED,
                  Stage.IN_TREATMENT, Stage.COMPLETED)
MAX_DISTINCT = 200  # values listed per column; the rest are matched by name only
MAX_TRACKED = 5000  # distinct values counted per column, so a column of unique text stays bounded
CHOOSE = "?"
NEW = "new"
_NOT_WORD = re.compile(r"[\W_]+")
_SPLIT = re.compile(r"[;,]")
_NO_TREATMENT = {"not sure", "unsure", "dont know", "don t know", "no idea", "unknown", "tbc", "n a", "na", "none",
                 "any", "advice", "not known", "undecided", "?"}
_TREATMENT_WORDS = {"co2": "laser_co2", "co2 laser": "laser_co2", "fraxel": "non_ablative_laser",
                    "filler": "dermal_filler", "fillers": "dermal_filler", "peel": "chemical_peel",
                    "peels": "chemical_peel", "tca": "tca_cross", "punch": "punch_excision", "rf": "rf_microneedling",
                    "morpheus": "rf_microneedling", "morpheus8": "rf_microneedling", "needling": "microneedling",
                    "micro needling": "microneedling", "dermaroller": "microneedling"}
# Statuses people type, read in order: the first pattern found in the value wins.
_STATUS_WORDS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p), t) for p, t in (
    (r"\blost\b|not interested|declined|no longer|dead|cold|gone elsewhere|cancelled", "stage:lost"),
    (r"complete|finished|discharged", f"history:{Stage.COMPLETED}"),
    (r"in treatment|course started|started treatment|mid course|ongoing", f"history:{Stage.IN_TREATMENT}"),
    (r"treatment booked|booked treatment|booked in for treatment|session booked|booked session",
     f"history:{Stage.TREATMENT_BOOKED}"),
    (r"plan|quote|quoted|proposal|proposed", f"history:{Stage.PLAN_PROPOSED}"),
    (r"consult\w* (booked|arranged|scheduled)|booked (a |in for )?consult|consult\w* (date )?set",
     f"history:{Stage.CONSULTATION_BOOKED}"),
    (r"consulted|had (a )?consult|consult\w* (done|attended|complete)|seen", f"history:{Stage.CONSULTED}"),
    (r"\bbooked\b", f"history:{Stage.TREATMENT_BOOKED}"),
    (r"call(ed)? back|contacted|spoke|spoken|emailed|replied|messaged|texted|in progress|follow", "stage:contacted"),
    (r"\bnew\b|open|enquiry|enquired|not (yet )?contacted|to call|awaiting", "stage:new"),
))


def value_key(text: str) -> str:
    """A value as compared: "  Instagram ", "INSTAGRAM" and "instagram!" are one value."""
    return _NOT_WORD.sub(" ", text.casefold()).strip()[:200]


def clean_label(text: str) -> str:
    """A value as a new list entry's name: spaces collapsed, at most 80 characters."""
    return " ".join(text.split())[:80]


@dataclass
class Distinct:
    """One value of a column: its key, the form it was first written in, and the rows holding it."""

    key: str
    shown: str
    rows: int


@dataclass
class Column:
    """A list column's values, the commonest first (MAX_DISTINCT of them), and how many more were left out."""

    kind: str
    column: str
    values: list[Distinct] = field(default_factory=list)
    more: int = 0


def distinct(content: bytes, layout: parse.Layout, chosen: dict[str, str]) -> list[Column]:
    """The distinct values of each mapped list column over the whole file, with their row counts (one pass)."""
    at = {kind: layout.headers.index(chosen[key]) for kind, key in KINDS.items() if chosen.get(key) in layout.headers}
    counts = {kind: Counter() for kind in at}
    shown: dict[str, dict[str, str]] = {kind: {} for kind in at}
    for _line, cells in parse.data_rows(content, layout):
        for kind, index in at.items():
            cell = cells[index].strip() if index < len(cells) else ""
            parts = _SPLIT.split(cell) if kind == "treatment" else [cell]
            for key, raw in {value_key(p): p.strip() for p in parts if value_key(p)}.items():
                if key in counts[kind] or len(counts[kind]) < MAX_TRACKED:
                    counts[kind][key] += 1
                    shown[kind].setdefault(key, raw)
    columns = []
    for kind, index in at.items():
        ranked = sorted(counts[kind].items(), key=lambda item: (-item[1], item[0]))
        columns.append(Column(kind, layout.headers[index],
                              [Distinct(key, shown[kind][key], n) for key, n in ranked[:MAX_DISTINCT]],
                              max(0, len(ranked) - MAX_DISTINCT)))
    return columns


@dataclass
class Lists:
    """The clinic's lists a value can be mapped to (three queries)."""

    sources: list[Option]
    lost_reasons: list[Option]
    treatments: list

    @classmethod
    def load(cls) -> "Lists":
        return cls(options(OptionKind.SOURCE), options(OptionKind.LOST_REASON), active_treatments())

    def targets(self, kind: str) -> list[tuple[str, str]]:
        """(target, label) of everything a value of this kind may mean, in the order offered."""
        if kind == "status":
            return [("stage:new", "New"), ("stage:contacted", "Contacted"),
                    ("stage:lost", "Lost (reason from its column)"),
                    *((f"lost:{r.id}", f"Lost: {r.label}") for r in self.lost_reasons),
                    *((f"history:{s}", f"{s.label}: kept as history (comes in as contacted)") for s in HISTORY_STAGES)]
        if kind == "treatment":
            return [("", "No treatment (leave out)"), *((f"treatment:{t.id}", t.name) for t in self.treatments)]
        if kind == "channel":
            return [(f"channel:{c}", c.label) for c in Channel]
        listed = self.sources if kind == "source" else self.lost_reasons
        what = "source" if kind == "source" else "lost reason"
        return [("", "Leave empty"), *((f"option:{o.id}", o.label) for o in listed), (NEW, f"Add as a new {what}")]

    def _labelled(self, kind: str) -> list[tuple[str, str]]:
        """(target, comparable text) of the real entries of a list, for matching by name."""
        if kind == "treatment":
            return [(f"treatment:{t.id}", value_key(n)) for t in self.treatments for n in (t.name, t.code)]
        if kind == "channel":
            return [(f"channel:{c}", value_key(n)) for c in Channel for n in (c.label, c.value)]
        if kind == "status":
            return [("stage:new", "new"), ("stage:contacted", "contacted"), ("stage:lost", "lost"),
                    *((f"history:{s}", value_key(s.label)) for s in HISTORY_STAGES),
                    *((f"lost:{r.id}", value_key(f"lost {r.label}")) for r in self.lost_reasons)]
        listed = self.sources if kind == "source" else self.lost_reasons
        return [(f"option:{o.id}", value_key(o.label)) for o in listed]

    def suggest(self, kind: str, key: str) -> tuple[str, str] | None:
        """(target, how) for a value: "exact" when it is an entry's name, else "suggested"; None: no idea."""
        labelled = self._labelled(kind)
        for target, text in labelled:
            if text == key:
                return target, "exact"
        found = self._by_words(kind, key)
        if found is None:
            found = _similar(key, labelled)
        return (found, "suggested") if found is not None else None

    def _by_words(self, kind: str, key: str) -> str | None:
        if kind == "status":
            return self._status(key)
        if kind == "treatment":
            if key in _NO_TREATMENT:
                return ""
            code = _TREATMENT_WORDS.get(key)
            by_code = {t.code: t.id for t in self.treatments}
            if code in by_code:
                return f"treatment:{by_code[code]}"
        if kind == "channel":
            words = {"call": Channel.PHONE, "phoned": Channel.PHONE, "website": Channel.WEB_FORM,
                     "web": Channel.WEB_FORM, "instagram": Channel.SOCIAL, "facebook": Channel.SOCIAL,
                     "walk in": Channel.WALK_IN, "dm": Channel.SOCIAL, "email": Channel.EMAIL, "mail": Channel.EMAIL}
            if key in words:
                return f"channel:{words[key]}"
        return _containing(key, self._labelled(kind))

    def _status(self, key: str) -> str | None:
        for pattern, target in _STATUS_WORDS:
            if pattern.search(key):
                if target == "stage:lost":  # "Lost - price": the reason after the word, if it is one of the list's
                    rest = value_key(re.sub(r"\blost\b", " ", key))
                    reason = _similar(rest, [(f"lost:{r.id}", value_key(r.label)) for r in self.lost_reasons])
                    return reason or _containing(rest, self._labelled("status")) or target
                return target
        return None

    def allowed(self, kind: str) -> set[str]:
        return {target for target, _label in self.targets(kind)}


def _containing(key: str, labelled: list[tuple[str, str]]) -> str | None:
    """The one entry whose name has every word of the value (or the value every word of the name)."""
    words = set(key.split())
    if not words:
        return None
    found = {t for t, text in labelled if words <= set(text.split()) or (text and set(text.split()) <= words)}
    return found.pop() if len(found) == 1 else None


def _similar(key: str, labelled: list[tuple[str, str]]) -> str | None:
    if not key:
        return None
    texts = [text for _t, text in labelled]
    close = difflib.get_close_matches(key, texts, n=1, cutoff=0.75)
    return next(t for t, text in labelled if text == close[0]) if close else None


def remembered(kinds) -> dict[str, dict[str, str]]:
    """kind → {value key: target} as the last imports left them (one query)."""
    found: dict[str, dict[str, str]] = {kind: {} for kind in kinds}
    stmt = select(ImportValueMapping.kind, ImportValueMapping.value_key, ImportValueMapping.target).where(
        ImportValueMapping.kind.in_(list(found)))
    for kind, key, target in db.session.execute(stmt):
        found[kind][key] = target
    return found


def remember(chosen: dict[str, dict[str, str]], by_id: int | None) -> int:
    """Store these value mappings for the next file (over earlier ones); how many were stored."""
    pairs = [(kind, key, target) for kind, values in chosen.items() if kind in KINDS
             for key, target in values.items() if target != NEW and key]
    if not pairs:
        return 0
    kinds = {kind for kind, _key, _target in pairs}
    stored = {(m.kind, m.value_key): m for m in db.session.scalars(
        select(ImportValueMapping).where(ImportValueMapping.kind.in_(kinds),
                                         ImportValueMapping.value_key.in_({key for _k, key, _t in pairs})))}
    now = utcnow()
    try:
        with db.session.begin_nested():  # another import may remember the same value at the same moment
            for kind, key, target in pairs:
                mapping = stored.get((kind, key))
                if mapping is None:
                    db.session.add(ImportValueMapping(kind=kind, value_key=key, target=target, by_id=by_id,
                                                      updated_at=now))
                elif mapping.target != target:
                    mapping.target, mapping.by_id, mapping.updated_at = target, by_id, now
    except IntegrityError:
        return 0  # theirs stands; this import's rows are unaffected
    return len(pairs)
