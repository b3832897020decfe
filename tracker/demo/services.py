"""The demo: one account per role, demo staff, the real-data check and the bulk load of made-up enquiries."""

import gc
import math
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from flask import current_app
from sqlalchemy import func, select, text

from tracker.audit import services as audit
from tracker.audit.models import AuditAction
from tracker.audit.recorder import bulk_load
from tracker.auth import services as accounts
from tracker.auth.models import User
from tracker.clock import clinic_zone, to_clinic
from tracker.db import utcnow
from tracker.demo import loader
from tracker.demo.generator import DemoData
from tracker.demo.hours import Calendar
from tracker.demo.names import FEMALE_FIRST, LAST, MALE_FIRST
from tracker.demo.refs import load_refs
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.patients.models import Patient
from tracker.patients.names import name_key
from tracker.permissions import Role

DEMO_DOMAIN = "demo.example"
DEMO_NAMES = {
    Role.RECEPTION: "Rita Reception",
    Role.SPECIALIST: "Dr Sam Specialist",
    Role.MANAGER: "Morgan Manager",
    Role.ADMIN: "Alex Admin",
}
# Colleagues the demo enquiries are shared among; they sign in only if an administrator sets a password.
MORE_RECEPTION = ("Priya Shah", "Tom Hughes")
MORE_SPECIALISTS = ("Dr Aoife Byrne", "Dr Kwame Mensah", "Dr Eleanor Price", "Dr Rhys Morgan", "Dr Anjali Rao",
                    "Dr Seán Gallagher", "Dr Zoë Clarke", "Dr Tomasz Nowak", "Dr Hannah Lewis",
                    "Nurse Bethan Pritchard", "Dr Ibrahim Hussain", "Nurse Mhairi Fraser", "Dr Chiamaka Okafor",
                    "Dr Oliver Bennett", "Nurse Róisín Quinn", "Dr Priya Patel", "Dr Matteo Fernández",
                    "Nurse Megan Griffiths", "Dr Yasmin Khan", "Dr Euan McLeod", "Nurse Ffion Vaughan",
                    "Dr Mei Wong", "Dr Daniel Cooper", "Nurse Grace Kelly", "Dr Arjun Singh", "Dr Saoirse O'Neill",
                    "Nurse Lily Marshall", "Dr Jakub Kowalski", "Dr Amara Adeyemi")
# Consultations and the treatment sessions that follow keep each specialist's diary about two-thirds full.
ENQUIRIES_PER_SPECIALIST = 4_000
PLACEHOLDER_ARGON2 = (1, 8_192)  # time cost, memory KiB: the test settings, for a password nobody will type


def refresh_demo_accounts() -> list[tuple[Role, str, str]]:
    """Create or give a fresh password to the account of each role: (role, e-mail, password)."""
    result = []
    for role, name in DEMO_NAMES.items():
        email = f"{role.value}@{DEMO_DOMAIN}"
        password = secrets.token_urlsafe(12)
        user = accounts.find_by_email(email)
        if user is None:
            accounts.create_user(email, name, role, password)
        else:
            accounts.set_password(user, password)
        result.append((role, email, password))
    return result


def real_data_found() -> list[str]:
    """What the database holds that is not demo data: any patients or enquiries, accounts outside the demo domain."""
    found = []
    for model, noun in ((Patient, "patients"), (Enquiry, "enquiries")):
        if count := db.session.scalar(select(func.count()).select_from(model)):
            found.append(f"{count} {noun}")
    others = db.session.scalars(select(User.email).where(User.email.not_like(f"%@{DEMO_DOMAIN}"))
                                .order_by(User.id)).all()
    if others:
        found.append(f"{len(others)} account(s) outside @{DEMO_DOMAIN}, such as {others[0]}")
    return found


@contextmanager
def _placeholder_hashing() -> Iterator[None]:
    """The cheapest argon2 costs, while demo colleagues get their placeholder passwords.

    A placeholder is 128 random bits, never shown to anyone: hashing it at full cost (a tenth of a
    second each, 250 colleagues for a million enquiries) protects nothing. A password an administrator sets later,
    with accounts.set_password, is hashed at the configured costs.
    """
    config = current_app.config
    saved = config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST_KIB"]
    config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST_KIB"] = PLACEHOLDER_ARGON2
    try:
        yield
    finally:
        config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST_KIB"] = saved


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the load: the generator makes millions of short-lived rows and no
    cycles, and the collector walking the growing heap again and again took a third of the generating time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _colleague_names(names: tuple[str, ...], count: int) -> list[str]:
    """`count` names: the given ones, then made-up doctors (the same ones, in the same order, every time)."""
    chosen, taken = list(names[:count]), set(names)
    firsts = FEMALE_FIRST + MALE_FIRST
    for n in range(len(firsts) * len(LAST)):
        if len(chosen) >= count:
            break
        name = f"Dr {firsts[n % len(firsts)]} {LAST[(n // len(firsts) + n) % len(LAST)]}"
        if name not in taken:
            chosen.append(name)
            taken.add(name)
    return chosen


def _staff(role: Role, names: tuple[str, ...], count: int) -> list[int]:
    """Ids of the role's demo account and `count` more demo colleagues, created when missing."""
    ids = [accounts.find_by_email(f"{role.value}@{DEMO_DOMAIN}").id]
    with _placeholder_hashing():
        for name in _colleague_names(names, count):
            email = f"{name_key(name).replace(' ', '.')}@{DEMO_DOMAIN}"
            user = (accounts.find_by_email(email)
                    or accounts.create_user(email, name, role, secrets.token_urlsafe(16)))
            ids.append(user.id)
    return ids


def load_demo_data(count: int, seed: int, today: date | None = None) -> dict[str, int]:
    """Add `count` made-up enquiries (their patients, history, consultations, assessments, plans and treatment
    sessions); rows per table, and the treatment sessions among the appointments.

    The same seed and `today` (the last day of the 18 months; the clinic's today by default) on the
    same clinic setup give the same data. Rows go in by Core
    inserts inside bulk_load(), with one BULK_LOAD audit event for the lot. Never commits.
    """
    specialists = max(2, math.ceil(count / ENQUIRIES_PER_SPECIALIST))
    refs = load_refs(_staff(Role.RECEPTION, MORE_RECEPTION, len(MORE_RECEPTION)),
                     _staff(Role.SPECIALIST, MORE_SPECIALISTS, specialists - 1))
    calendar = Calendar(clinic_zone(), today or to_clinic(utcnow()).date(), db.session.get_bind().dialect.name)
    first = loader.first_ids()
    data = DemoData(seed, calendar, refs, first)
    totals: dict[str, int] = dict.fromkeys([*loader.TABLES, loader.SESSIONS], 0)
    with bulk_load(), loader.big_page_cache(), _cycle_collector_paused():
        for rows in data.batches(count):
            for name, written in loader.write(rows).items():
                totals[name] += written
    loader.bump_sequences()
    # [before, after] pairs, as every change in the trail (the audit page shows them so).
    audit.record(AuditAction.BULK_LOAD, changes={
        "demo_data": [None, f"flask seed-demo --enquiries {count} --seed {seed}"],
        "enquiry_ids": [None, f"{first['enquiries']} to {first['enquiries'] + count - 1}"],
        "patient_ids": [None, f"{first['patients']} to {first['patients'] + data.patients - 1}"],
        **{table: [None, rows] for table, rows in totals.items()},
    })
    return totals


def refresh_statistics() -> None:
    """ANALYZE, so the query planner knows the new table sizes (SQLite keeps no statistics until asked).

    On PostgreSQL, VACUUM too: it marks the freshly written pages all-visible, which lets counts
    read an index alone, as they would once autovacuum had passed after a day's normal use.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(text("ANALYZE"))
        return
    with db.engine.connect() as conn:  # VACUUM runs outside a transaction, on a connection of its own
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM (ANALYZE)")
