"""Writing a batch of checked rows: patients, enquiries, their history and follow-ups, by Core executemany.

Through the ORM each enquiry would cost a flush (log_enquiry), the milestone and follow-up hooks and an audit row:
about 200 a second. Here each table gets one multi-row INSERT per batch, the ids coming back from the database
in the order sent (RETURNING, both databases). The rows are what the services would have written: milestones
from tracker.enquiries.milestones, and the follow-ups the rules in tracker.followups.rules want for an enquiry
with no contact, appointment or plan yet, asked of the rules themselves. The whole load is one BULK_LOAD event
(tracker.audit.recorder.bulk_load), with ImportRun's own created and updated events.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from psycopg import sql
from sqlalchemy import func, insert, select

from tracker.audit.recorder import bulk_load
from tracker.clock import clinic_today, format_date, local_day_start, to_clinic
from tracker.db import utcnow
from tracker.enquiries.milestones import milestones
from tracker.enquiries.models import (
    Enquiry,
    EnquiryConcern,
    EnquiryNote,
    MatchStrength,
    StageChange,
    enquiry_treatments,
)
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.followups import rules
from tracker.followups.models import FollowUp, FollowUpKind, FollowUpStatus, Priority
from tracker.followups.services import overdue_instant
from tracker.imports import matching
from tracker.imports.models import ImportedRow
from tracker.imports.rows import Row
from tracker.patients.models import ConsentMethod, ContactMethod, Patient
from tracker.patients.names import name_key
from tracker.patients.phones import reversed_digits
from tracker.settings.hours import Week
from tracker.settings.services import clinic_settings

FIRST_CONTACT = "first_contact"


@dataclass
class Counts:
    """Rows written to each table, and the matches flagged."""

    patients: int = 0
    enquiries: int = 0
    stage_changes: int = 0
    follow_ups: int = 0
    strong_matches: int = 0
    weak_matches: int = 0
    history: int = 0  # older than the history age: no first-contact call back, nothing overdue
    notes: int = 0  # later stages kept as history notes

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Writer:
    """Writes batches for one import run, in the caller's transaction."""

    run_id: int
    file_name: str
    by_id: int | None
    week: Week = field(default_factory=Week.load)
    hours: int = field(default_factory=lambda: clinic_settings().first_contact_hours)
    today: date = field(default_factory=clinic_today)
    counts: Counts = field(default_factory=Counts)
    history_before: datetime | None = None  # enquiries received before this come in as history, not as work

    @property
    def note(self) -> str:
        return f"Imported from {self.file_name}"[:2000]

    def write(self, rows: list[Row]) -> None:
        """Insert these rows (already checked, none imported before) and everything that goes with them."""
        if not rows:
            return
        candidates = matching.existing(rows)  # read before the batch's own patients exist
        now = utcnow()
        with bulk_load():
            patient_ids = _insert_returning(Patient.__table__, [_patient(row, now) for row in rows])
            found = []
            for row, patient_id in zip(rows, patient_ids, strict=True):
                key = name_key(f"{row.first_name} {row.last_name}")
                found.append(candidates.best(row, key))
                candidates.add(patient_id, [row.phone], [row.email], key, row.date_of_birth)  # later rows see it
            changes = [self._history(row) for row in rows]
            follow_ups = [self._follow_ups(row, now) for row in rows]
            enquiry_ids = _insert_returning(Enquiry.__table__, [
                self._enquiry(row, patient_id, match, history, wanted, now)
                for row, patient_id, match, history, wanted in zip(rows, patient_ids, found, changes, follow_ups,
                                                                     strict=True)])
            _insert(StageChange.__table__, [dict(change, enquiry_id=enquiry_id, by_id=self.by_id)
                                            for history, enquiry_id in zip(changes, enquiry_ids, strict=True)
                                            for change in history])
            _insert(EnquiryConcern.__table__, [{"enquiry_id": enquiry_id, "concern": concern, "stage": row.stage}
                                               for row, enquiry_id in zip(rows, enquiry_ids, strict=True)
                                               for concern in row.concerns])
            _insert(enquiry_treatments, [{"enquiry_id": enquiry_id, "treatment_id": treatment_id, "stage": row.stage}
                                         for row, enquiry_id in zip(rows, enquiry_ids, strict=True)
                                         for treatment_id in row.treatment_ids])
            _insert(FollowUp.__table__, [dict(f, enquiry_id=enquiry_id, created_at=now, updated_at=now)
                                         for wanted, enquiry_id in zip(follow_ups, enquiry_ids, strict=True)
                                         for f in wanted])
            _insert(EnquiryNote.__table__, [{"enquiry_id": enquiry_id, "body": history_note(row), "by_id": self.by_id,
                                             "at": _history_at(row)}
                                            for row, enquiry_id in zip(rows, enquiry_ids, strict=True)
                                            if row.history_stage is not None])
            _insert(ImportedRow.__table__, [{"fingerprint": row.fingerprint, "import_run_id": self.run_id,
                                             "enquiry_id": enquiry_id}
                                            for row, enquiry_id in zip(rows, enquiry_ids, strict=True)])
        self._count(rows, found, changes, follow_ups)

    def _count(self, rows, found, changes, follow_ups) -> None:
        self.counts.patients += len(rows)
        self.counts.enquiries += len(rows)
        self.counts.stage_changes += sum(len(history) for history in changes)
        self.counts.follow_ups += sum(f["status"] is FollowUpStatus.OPEN for wanted in follow_ups for f in wanted)
        self.counts.history += sum(self._old(row) for row in rows)
        self.counts.notes += sum(row.history_stage is not None for row in rows)
        self.counts.strong_matches += sum(1 for m in found if m and m.strength is MatchStrength.STRONG)
        self.counts.weak_matches += sum(1 for m in found if m and m.strength is MatchStrength.WEAK)

    def _old(self, row: Row) -> bool:
        return self.history_before is not None and row.received_at < self.history_before

    def _history(self, row: Row) -> list[dict]:
        """The stage changes: logged as new when received, then contacted or lost at the same time."""
        logged = {"from_stage": None, "to_stage": Stage.NEW, "at": row.received_at, "lost_reason_id": None}
        note = f"{self.note} as history" if self._old(row) else self.note
        if row.stage is Stage.NEW:
            return [dict(logged, note=note)]
        return [dict(logged, note=note), {"from_stage": Stage.NEW, "to_stage": row.stage, "at": row.received_at,
                                          "lost_reason_id": row.lost_reason_id, "note": note}]

    def _follow_ups(self, row: Row, now: datetime) -> list[dict]:
        """The follow-ups the enquiry starts with: the file's follow-up date, nothing for an old one (history), what
        the rules want, or a next step for a contacted one. Where the first-contact call back is not made, it is
        written as cancelled with the reason, so the rules never make it later (a key made once is never remade)."""
        if row.stage is Stage.LOST:
            return []  # closed: the rules want nothing of a lost enquiry that was never booked
        own = row.follow_up_on
        if own is not None and (own[0] >= self.today or not self._old(row)):
            note = f"Follow-up date from {self.file_name}"[:2000]
            return [_follow_up(FollowUpKind.CALL_BACK, own[0], own[1], Priority.NORMAL, note, None, None, self.by_id),
                    *self._not_made(row, now, "The spreadsheet gave the enquiry its own follow-up date")]
        if self._old(row):
            return self._not_made(row, now, f"Imported as history: received before {_day(self.history_before)}")
        if row.stage is Stage.CONTACTED:
            # No rule follows a contacted enquiry with nothing booked; the clinic's next step is to agree one.
            step = (f"the spreadsheet says {row.history_stage.label.lower()}: put it in the diary or agree the next "
                    "step." if row.history_stage is not None else "agree the next step.")
            return [_follow_up(FollowUpKind.CALL_BACK, self.today, None, Priority.NORMAL,
                               f"{self.note} as contacted: {step}", None, None, self.by_id)]
        return self._by_rules(row)

    def _not_made(self, row: Row, now: datetime, reason: str) -> list[dict]:
        """The first-contact call back a new enquiry would get, written as cancelled with the reason."""
        if row.stage is not Stage.NEW:
            return []
        first = next(rule for rule in rules.RULES if rule.name == FIRST_CONTACT)
        enquiry = SimpleNamespace(stage=row.stage, first_contacted_at=None, received_at=row.received_at,
                                  archived_at=None)
        return [dict(_follow_up(due.kind, due.due_on, due.due_time, due.priority, due.note, first.name, due.key, None),
                     status=FollowUpStatus.CANCELLED, closed_at=now, closed_by_id=self.by_id, cancel_reason=reason)
                for due in first.wants(rules.Facts(enquiry, [], [], [], [], self.week, self.hours))]

    def _by_rules(self, row: Row) -> list[dict]:
        """What each rule wants for an enquiry as this one is when imported, asked of the rule itself."""
        enquiry = SimpleNamespace(stage=row.stage, first_contacted_at=None, received_at=row.received_at,
                                  archived_at=None)
        facts = rules.Facts(enquiry, [], [], [], [], self.week, self.hours)
        wanted = []
        for rule in rules.RULES:
            for due in rule.wants(facts):
                last_day = due.last_useful_day
                if last_day is None and rule.late_after_days is not None:
                    last_day = due.due_on + timedelta(days=rule.late_after_days)
                if last_day is not None and last_day < self.today:
                    continue  # as the rules: a follow-up this late when first made is history, not a next step
                wanted.append(_follow_up(due.kind, due.due_on, due.due_time, due.priority, due.note, rule.name,
                                         due.key, None))
        return wanted

    def _enquiry(self, row: Row, patient_id: int, match, history: list[dict], wanted: list[dict],
                 now: datetime) -> dict:
        contacted = row.received_at if row.stage is Stage.CONTACTED else None
        values = {
            "patient_id": patient_id, "channel": row.channel, "source_id": row.source_id,
            "caller_words": row.caller_words, "received_at": row.received_at, "logged_by_id": self.by_id,
            "assigned_to_id": None, "stage": row.stage, "first_contacted_at": contacted,
            "first_contact_open_seconds": 0 if contacted else None,
            "lost_from_stage": Stage.NEW if row.stage is Stage.LOST else None,
            "lost_reason_id": row.lost_reason_id, "lost_note": None, "archived_at": None,
            "next_follow_up_at": min((f["overdue_at"] for f in wanted if f["status"] is FollowUpStatus.OPEN),
                                     default=None),
            "match_patient_id": match.patient_id if match else None,
            "match_strength": match.strength if match else None, "match_reason": match.reason if match else None,
            "created_at": now, "updated_at": now, "version": 1,
        }
        values.update(milestones((c["to_stage"], c["from_stage"], c["at"]) for c in history))
        return values


def history_note(row: Row) -> str:
    """The note kept for a stage an import cannot set: "Imported history: reached consulted on 05/03/2024"."""
    stage = row.history_stage.label.lower()
    said = f' (status "{row.status_text}")' if row.status_text else ""
    if row.stage_on is not None:
        return f"Imported history: reached {stage} on {format_date(row.stage_on)}{said}."
    return (f"Imported history: reached {stage}{said}; the file gives no date for it (enquiry received "
            f"{format_date(to_clinic(row.received_at).date())}). No appointment was made by the import.")


def _history_at(row: Row) -> datetime:
    """Where the note sits on the timeline: the day the stage was reached (its start, clinic time), else the enquiry."""
    if row.stage_on is None:
        return row.received_at
    return max(row.received_at, local_day_start(row.stage_on))


def _day(instant: datetime | None) -> str:
    return format_date(to_clinic(instant).date()) if instant else ""


def _follow_up(kind, due_on, due_time, priority, note, rule, key, by_id) -> dict:
    return {"kind": kind, "due_on": due_on, "due_time": due_time, "overdue_at": overdue_instant(due_on, due_time),
            "assigned_to_id": None, "priority": priority, "note": (note or "").strip() or None,
            "status": FollowUpStatus.OPEN, "rule": rule, "rule_key": key, "created_by_id": by_id, "closed_at": None,
            "closed_by_id": None, "outcome": None, "cancel_reason": None, "version": 1}


def _patient(row: Row, now: datetime) -> dict:
    return {
        "first_name": row.first_name, "last_name": row.last_name,
        "name_key": name_key(f"{row.first_name} {row.last_name}"), "last_name_key": name_key(row.last_name),
        "date_of_birth": row.date_of_birth, "phone": row.phone, "phone_alt": None, "email": row.email,
        "phone_reversed": reversed_digits(row.phone), "phone_alt_reversed": None,
        "preferred_contact": ContactMethod.ANY, "preferred_times": None,
        # The clinic's own spreadsheet is its written record of the consent, given when the person enquired.
        "marketing_consent": row.marketing_consent,
        "marketing_consent_at": row.received_at if row.marketing_consent else None,
        "marketing_consent_method": ConsentMethod.WRITTEN if row.marketing_consent else None,
        "notes": None, "archived_at": None, "merged_into_id": None, "created_at": now, "updated_at": now, "version": 1,
    }


def _new_ids(table, count: int) -> list[int]:
    """Ids for new rows, from the database: PostgreSQL's sequence (safe beside other writers), or on SQLite the
    next ones after the largest, which no one else can take while this transaction holds the write lock."""
    if db.session.get_bind().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        return list(db.session.scalars(select(func.nextval(sequence)).select_from(func.generate_series(1, count))))
    first = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(first, first + count))


def _insert_returning(table, params: list[dict]) -> list[int]:
    """Insert the rows with new ids (_new_ids); the ids, in the order given."""
    ids = _new_ids(table, len(params))
    _insert(table, [dict(row, id=new_id) for row, new_id in zip(params, ids, strict=True)])
    return ids


def _insert(table, params: list[dict]) -> None:
    """Insert rows with the same keys: the first through the session, where the audit trail's guard checks that
    this is a bulk_load(); the rest straight to the driver (SQLite's executemany, PostgreSQL's COPY), each value
    through its column type's own conversion, as tracker.demo.loader does. Per row, SQLAlchemy's statement
    handling cost several times the database's own work."""
    if not params:
        return
    db.session.execute(insert(table), params[:1])
    if len(params) < 2:
        return
    names = tuple(params[0])
    dialect = db.session.get_bind().dialect
    convert = [(name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names]
    values = ([row[name] if to_db is None or row[name] is None else to_db(row[name]) for name, to_db in convert]
              for row in params[1:])
    connection = db.session.connection()
    if dialect.name == "postgresql":
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(name) for name in names))
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(names))
    connection.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})",  # noqa: S608
                               list(map(tuple, values)))
