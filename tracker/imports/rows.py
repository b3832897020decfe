"""One file row read through the mapping: its values normalised as the forms would, or the reasons it cannot be."""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from email_validator import EmailNotValidError

from tracker.catalogue.services import active_treatments
from tracker.clock import NonexistentLocalTime, clinic_today, local_to_utc
from tracker.db import utcnow
from tracker.enquiries.models import Channel, Concern
from tracker.enquiries.stages import Stage
from tracker.imports.mapping import BY_KEY
from tracker.imports.values import value_key
from tracker.patients.names import name_key
from tracker.patients.phones import normalise_phone
from tracker.patients.services import normalise_email
from tracker.settings.models import OptionKind
from tracker.settings.services import options


@dataclass(frozen=True)
class Status:
    """What a status value means: the stage an import can set, a lost reason, and a later stage kept as history."""

    stage: Stage
    lost_reason_id: int | None = None
    history: Stage | None = None  # consulted, booked...: the enquiry comes in contacted, this stage as a note


IMPORTABLE_STAGES = {"new": Status(Stage.NEW), "contacted": Status(Stage.CONTACTED), "lost": Status(Stage.LOST)}
IGNORED = object()  # a value mapped to "leave empty" / "no treatment"
NOT_YET_MADE = -1  # a dry run's id for a list entry "add as new" will make in the real run (never written)
YES = frozenset({"yes", "y", "true", "1", "x", "opted in", "opt in"})
NO = frozenset({"", "no", "n", "false", "0", "opted out", "opt out"})
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})")
_NAMED = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[\s-]+([A-Za-z]{3,9})\.?,?[\s-]+(\d{4}|\d{2})(?![\d:])")
_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_SPLIT = re.compile(r"[;,]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _key(text: str) -> str:
    """A label as people type it: "Ice-pick scars", "ice pick", "ICE_PICK" → "icepick"."""
    return re.sub(r"[^a-z0-9]", "", text.lower().removesuffix("scars").removesuffix("scar"))


@dataclass
class Lookups:
    """The clinic's lists a row's labels are matched against, read once per file."""

    sources: dict[str, int]
    lost_reasons: dict[str, int]
    treatments: dict[str, int]
    source_labels: list[str]
    lost_reason_labels: list[str]
    treatment_labels: list[str]
    today: date = field(default_factory=clinic_today)
    now: datetime = field(default_factory=utcnow)
    # list kind → {value key: what it means} from the value-mapping step (IGNORED: leave empty); before the names
    mapped: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "Lookups":
        """The active sources, lost reasons and catalogue treatments (three queries)."""
        sources, reasons = options(OptionKind.SOURCE), options(OptionKind.LOST_REASON)
        treatments = active_treatments()
        by_name = {t.name.casefold(): t.id for t in treatments} | {t.code.casefold(): t.id for t in treatments}
        return cls({s.label.casefold(): s.id for s in sources}, {r.label.casefold(): r.id for r in reasons}, by_name,
                   [s.label for s in sources], [r.label for r in reasons], [t.name for t in treatments])


CHANNELS = {_key(c.label): c for c in Channel} | {_key(c.value): c for c in Channel} | {
    "web": Channel.WEB_FORM, "website": Channel.WEB_FORM, "phonecall": Channel.PHONE, "call": Channel.PHONE,
    "telephone": Channel.PHONE, "walkin": Channel.WALK_IN, "instagram": Channel.SOCIAL, "facebook": Channel.SOCIAL}
CONCERNS = {_key(c.label): c for c in Concern} | {_key(c.value): c for c in Concern} | {"mixed": Concern.MIXED}
CHANNEL_LABELS = [c.label for c in Channel]
CONCERN_LABELS = [c.label for c in Concern]
STAGE_CHOICES = ["New", "Contacted", "Lost (later stages come from bookings and plans, which an import cannot make)"]


@dataclass
class Row:
    """A row's values, normalised; fingerprint: the SHA-256 of its identity (name, phone or e-mail, enquiry date),
    which says whether it was imported before."""

    line: int
    first_name: str
    last_name: str
    phone: str | None
    email: str | None
    date_of_birth: date | None
    received_at: datetime
    channel: Channel
    source_id: int | None
    concerns: list[Concern]
    treatment_ids: list[int]
    caller_words: str | None
    stage: Stage
    lost_reason_id: int | None
    marketing_consent: bool
    history_stage: Stage | None = None
    status_text: str = ""
    stage_on: date | None = None
    follow_up_on: tuple[date, time | None] | None = None
    fingerprint: str = ""

    def compute_fingerprint(self) -> str:
        # Who and when only: an updated spreadsheet (a status moved on, a message corrected, a column added) must
        # still be recognised. The phone, else the e-mail, so mapping an e-mail column later changes nothing.
        values = [name_key(f"{self.first_name} {self.last_name}"), self.phone or self.email,
                  self.received_at.isoformat()]
        return hashlib.sha256(json.dumps(values, separators=(",", ":")).encode()).hexdigest()


def parse_date(text: str, *, today: date, short_year: bool = True) -> tuple[date, time | None]:
    """dd/mm/yyyy, d/m/yy (also with - or .; yy only with short_year), yyyy-mm-dd, each maybe followed by HH:MM or
    HH:MM:SS; ValueError."""
    text = text.strip()
    match = _ISO.match(text) or _DAY_FIRST.match(text) or _NAMED.match(text)
    if match is None:
        raise ValueError("write dates as dd/mm/yyyy, yyyy-mm-dd or 5 Mar 2024")
    if match.re is _ISO:
        year, month, day = (int(g) for g in match.groups())
    else:
        day, year = int(match[1]), int(match[3])
        month = _MONTHS.get(match[2][:3].casefold(), 0) if match.re is _NAMED else int(match[2])
        if match.re is _NAMED and (not month or not _month_name(match[2])):
            raise ValueError(f'"{match[2][:12]}" is not a month')
        if len(match[3]) == 2 and not short_year:
            raise ValueError("write the year in full (e.g. 1985): two digits could be either century")
        if len(match[3]) == 2:  # a two-digit year is the latest one not after this year
            year += 2000 if 2000 + year <= today.year else 1900
    rest = text[match.end():].strip().removeprefix("T").strip()
    clock = _CLOCK.fullmatch(rest) if rest else None
    if rest and clock is None:
        raise ValueError("write the time as HH:MM or HH:MM:SS")
    try:
        day_value = date(year, month, day)
        at = time(int(clock[1]), int(clock[2]), int(clock[3] or 0)) if clock else None
    except ValueError:
        raise ValueError("this date or time does not exist") from None
    return day_value, at


def _month_name(word: str) -> bool:
    """Jan, Janu, January, Sept: a month's name or its start (at least three letters)."""
    word = word.casefold()
    names = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
             "november", "december")
    return any(name.startswith(word) for name in names)


def month_first(text: str) -> bool:
    """Whether a date can only be month/day (its second part over 12, its first not): 02/13/2025, never 13/02."""
    text = text.strip()
    if _ISO.match(text):
        return False
    match = _DAY_FIRST.match(text)
    return match is not None and int(match[1]) <= 12 < int(match[2])


def _clinic_instant(day: date, at: time | None) -> datetime:
    """A clinic wall-clock time in UTC; an hour the clocks skip counts as the hour after (as opening hours do)."""
    wall = datetime.combine(day, at or time.min)
    try:
        return local_to_utc(wall)
    except NonexistentLocalTime:
        return local_to_utc(wall + timedelta(hours=1))


class _Checker:
    """Reads one row's cells field by field, collecting every problem rather than stopping at the first."""

    def __init__(self, cells: dict[str, str], lookups: Lookups):
        self.cells, self.lookups, self.errors = cells, lookups, []

    def text(self, key: str, limit: int | None = None) -> str:
        value = self.cells.get(key, "").strip()
        if _CONTROL.search(value):
            self.fail(key, "holds characters that cannot be stored")
            return ""
        if limit is not None and len(value) > limit:
            self.fail(key, f"is longer than {limit} characters")
            return ""
        return value

    def fail(self, key: str, message: str) -> None:
        self.errors.append(f"{BY_KEY[key].label.removesuffix(' (required)')}: {message}.")

    def names(self) -> tuple[str, str]:
        first, last = self.text("first_name", 80), self.text("last_name", 80)
        full = self.text("full_name", 161)
        if not first and not last and full:
            first, _, last = full.rpartition(" ") if " " in full else (full, "", "")
            if len(first) > 80 or len(last) > 80:
                self.fail("full_name", "each part must be at most 80 characters")
        if not first and not last:
            self.errors.append("Name: every row needs a name.")
        return first.strip(), last.strip()

    def phone(self) -> str | None:
        value = self.text("phone")
        try:
            return normalise_phone(value) if value else None
        except ValueError as error:
            self.fail("phone", str(error).rstrip("."))
            return None

    def email(self) -> str | None:
        value = self.text("email", 320)
        try:
            return normalise_email(value) if value else None
        except EmailNotValidError:
            self.fail("email", "is not an e-mail address")
            return None

    def day(self, key: str, *, short_year: bool = True) -> tuple[date, time | None] | None:
        value = self.text(key)
        if not value:
            return None
        try:
            return parse_date(value, today=self.lookups.today, short_year=short_year)
        except ValueError as error:
            self.fail(key, f'"{value[:40]}": {error}')
            return None

    def received_at(self) -> datetime | None:
        parsed = self.day("received_at")
        if parsed is None:
            if not self.errors or not self.errors[-1].startswith("Enquiry date"):
                self.fail("received_at", "every row needs the date of the enquiry")
            return None
        at = _clinic_instant(*parsed)
        if at > self.lookups.now or parsed[0].year < 1900:
            self.fail("received_at", "is in the future" if at > self.lookups.now else "is before 1900")
            return None
        return at

    def date_of_birth(self) -> date | None:
        parsed = self.day("date_of_birth", short_year=False)  # "01/02/25": a baby or a centenarian
        if parsed is not None and not date(1900, 1, 1) <= parsed[0] <= self.lookups.today:
            self.fail("date_of_birth", "must be between 01/01/1900 and today")
            return None
        return parsed[0] if parsed else None

    def choice(self, key: str, known: dict, labels: list[str], kind: str | None = None):
        value = self.text(key)
        if not value:
            return None
        mapped = self.lookups.mapped.get(kind or key, {}).get(value_key(value))
        if mapped is not None:
            return None if mapped is IGNORED else mapped
        found = known.get(value.casefold(), known.get(_key(value)))
        if found is None:
            self.fail(key, f'"{value[:40]}" is not one of {", ".join(labels)}')
        return found

    def many(self, key: str, known: dict, labels: list[str]) -> list:
        found = []
        mapped = self.lookups.mapped.get("treatment", {}) if key == "treatments" else {}
        for part in filter(None, (p.strip() for p in _SPLIT.split(self.text(key)))):
            value = mapped.get(value_key(part))
            if value is IGNORED:
                continue
            if value is None:
                value = known.get(part.casefold(), known.get(_key(part)))
            if value is None:
                self.fail(key, f'"{part[:40]}" is not one of {", ".join(labels)}')
            elif value not in found:
                found.append(value)
        return found

    def consent(self) -> bool:
        value = self.text("marketing_consent").casefold()
        if value not in YES | NO:
            self.fail("marketing_consent", f'"{value[:20]}" is not Yes or No')
        return value in YES


def check(line: int, cells: dict[str, str], lookups: Lookups) -> tuple[Row | None, list[str]]:
    """The row's values (None if any is wrong) and every reason it cannot be imported."""
    c = _Checker(cells, lookups)
    first, last = c.names()
    phone, email, born, received = c.phone(), c.email(), c.date_of_birth(), c.received_at()
    channel = c.choice("channel", CHANNELS, CHANNEL_LABELS) or Channel.OTHER
    source_id = c.choice("source", lookups.sources, lookups.source_labels)
    concerns = c.many("concerns", CONCERNS, CONCERN_LABELS)
    treatments = c.many("treatments", lookups.treatments, lookups.treatment_labels)
    caller_words = c.text("caller_words", 10_000) or None
    status = c.choice("stage", IMPORTABLE_STAGES, STAGE_CHOICES, "status") or IMPORTABLE_STAGES["new"]
    lost_reason_id = status.lost_reason_id
    if status.stage is Stage.LOST and lost_reason_id is None:
        lost_reason_id = c.choice("lost_reason", lookups.lost_reasons, lookups.lost_reason_labels)
        if lost_reason_id is None and not any(e.startswith("Lost reason") for e in c.errors):
            c.fail("lost_reason", f"a Lost row needs one of {', '.join(lookups.lost_reason_labels)}")
    stage_on = c.day("stage_on")
    follow_up_on = c.day("follow_up_on")
    consent = c.consent()
    if c.errors:
        return None, c.errors
    row = Row(line, first, last, phone, email, born, received, channel, source_id, concerns, treatments,
              caller_words, status.stage, lost_reason_id, consent, history_stage=status.history,
              status_text=c.text("stage")[:80], stage_on=stage_on[0] if stage_on else None, follow_up_on=follow_up_on)
    row.fingerprint = row.compute_fingerprint()
    return row, []


def resolve(targets: dict[str, dict[str, str]], lookups: Lookups, created: dict[tuple[str, str], int]) -> dict:
    """The value-mapping step's targets as check() reads them; a target no longer valid (a retired entry) is left
    out, so the value is matched by name as if never mapped. created: (kind, key) → the entry made for "new"."""
    ids = {"source": set(lookups.sources.values()), "lost_reason": set(lookups.lost_reasons.values()),
           "treatment": set(lookups.treatments.values())}
    resolved: dict[str, dict] = {}
    for kind, values in targets.items():
        for key, target in values.items():
            meaning = _meaning(kind, target, ids, created.get((kind, key)))
            if meaning is not None:
                resolved.setdefault(kind, {})[key] = meaning
    return resolved


def _meaning(kind: str, target: str, ids: dict[str, set[int]], created: int | None):
    what, _, ref = target.partition(":")
    if target == "":
        return IGNORED if kind in ("source", "lost_reason", "treatment") else None
    if target == "new":
        return created if created is not None else NOT_YET_MADE
    number = int(ref) if re.fullmatch(r"[0-9]{1,9}", ref) else None
    if kind == "status":
        if what == "stage" and ref in IMPORTABLE_STAGES:
            return IMPORTABLE_STAGES[ref]
        if what == "lost" and number in ids["lost_reason"]:
            return Status(Stage.LOST, number)
        if what == "history" and ref in {s.value for s in Stage} and Stage(ref) not in (Stage.NEW, Stage.LOST):
            return Status(Stage.CONTACTED, history=Stage(ref)) if Stage(ref) is not Stage.CONTACTED else None
        return None
    if kind == "channel":
        return Channel(ref) if what == "channel" and ref in {c.value for c in Channel} else None
    if kind in ("source", "lost_reason") and what == "option" and number in ids[kind]:
        return number
    if kind == "treatment" and what == "treatment" and number in ids["treatment"]:
        return number
    return None
