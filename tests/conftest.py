"""Fixtures: an app on a freshly migrated database per test, clients, sign-in and builders.

SQLite (default): the migrations run once into a template file; each test gets a copy.
PostgreSQL (TRACKER_TEST_DATABASE_URL set): the migrations run once into that database;
each test's rows are truncated afterwards.
"""

import contextlib
import functools
import importlib.util
import os
import secrets
import shutil
import signal
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import flask_migrate
import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import create_engine, event, text
from werkzeug.routing.rules import Rule

import tracker.models  # noqa: F401  (every table first: a test module may import any feature)
from config import database_url
from tests import builders
from tests.builders import PASSWORD  # noqa: F401  (tests import it from here)
from tracker import ROOT, create_app
from tracker.extensions import db
from tracker.jobs.queue import bound

PG_URL = database_url(os.environ.get("TRACKER_TEST_DATABASE_URL"))


class TrackerClient(FlaskClient):
    """A test client that puts a valid CSRF token in every form POST unless csrf=False."""

    def csrf_token(self) -> str:
        """The signed token the forms would carry for this client's session."""
        with self.session_transaction() as sess:
            raw = sess.setdefault("csrf_token", secrets.token_hex(20))
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def post(self, *args, csrf: bool = True, **kwargs):
        if csrf and "json" not in kwargs:
            data = dict(kwargs.get("data") or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().post(*args, **kwargs)


# Every test has an app of its own, and a new app repeats two pieces of work whose result is the same for every
# app of the run: werkzeug compiles a URL builder for each of its ~100 routes (about 25 ms of CPU per app), and
# Jinja parses and compiles each template it renders (about 150 ms for a test that opens two pages). The run
# keeps both and every app uses them; what the app builds and renders is the same, only done once.

class SharedTemplateCode(BytecodeCache):
    """Compiled templates kept for the run; Jinja checks each against its template's source before using it."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if (code := self._code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()
_compile_builder = Rule._compile_builder
_URL_BUILDERS: dict[tuple, Callable] = {}


def _shared_url_builder(self: Rule, append_unknown: bool = True) -> Callable:
    """werkzeug's URL builder for a rule, compiled once per rule text, defaults and host settings (the builder
    reads the rule's converters from the rule it is bound to, so apps can share it)."""
    key = (self.rule, self.subdomain, self.host, self.map.host_matching, self.merge_slashes, repr(self.defaults),
           tuple(self._trace), append_unknown)
    if (builder := _URL_BUILDERS.get(key)) is None:
        builder = _URL_BUILDERS[key] = _compile_builder(self, append_unknown)
    return builder


Rule._compile_builder = _shared_url_builder


JOB_FILES = tempfile.mkdtemp(prefix="tracker-job-files-")  # files made by background jobs, for the whole run


def make_test_app(uri: str, **overrides):
    """An app in the testing configuration on the given database, with the run's compiled templates."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": uri, "JOB_FILES_DIR": JOB_FILES, **overrides})
    app.test_client_class = TrackerClient
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    return app


def migrate_to_head(uri: str) -> None:
    """Run every migration against a database."""
    app = make_test_app(uri)
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()


def _reset_postgres(uri: str) -> None:
    app = make_test_app(uri)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> str:
    """A migrated database: the PostgreSQL URL, or the path of a SQLite template file."""
    if PG_URL:
        _reset_postgres(PG_URL)
        migrate_to_head(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate_to_head(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return str(path)


# The migrations that write seed rows, in order, with the function each seeds them with.
SEEDING = (("7a1c3e9d2b40", "_seed"),  # the clinic's starting lists and catalogue
           ("3eaf2912ffdd", "_seed_treatment_defaults"),  # the catalogue's course, price and reflection defaults
           ("8933c5a64a9a", "_seed_opening_hours"),  # the clinic's week
           ("b4ae56ae76e0", "_seed_public_form_settings"))  # the public form's settings row


@functools.cache
def _seeding_functions() -> tuple[Callable, ...]:
    """The migrations' seed functions, loaded from their files once for the run (PostgreSQL reseeds after every
    test; loading the four files each time cost about 17 ms a test)."""
    functions = []
    for revision, function in SEEDING:
        path = next((ROOT / "migrations" / "versions").glob(f"*_{revision}_*.py"))
        spec = importlib.util.spec_from_file_location(f"seeding_migration_{revision}", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        functions.append(getattr(migration, function))
    return tuple(functions)


def _reseed(conn) -> None:
    """Write the migrations' seed rows again, with the migrations' own code (each seed lives in one place)."""
    for seed in _seeding_functions():
        with Operations.context(MigrationContext.configure(conn)):
            seed()


@functools.cache
def _sequences(uri: str) -> tuple[str, ...]:
    """The test database's sequences (each table's id), read once for the run."""
    engine = create_engine(uri)
    try:
        with engine.connect() as conn:
            return tuple(conn.scalars(text("SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) "
                                           "FROM pg_sequences WHERE schemaname = current_schema()")))
    finally:
        engine.dispose()


def _truncate_all(app) -> None:
    """Empty every table and put back what the migrations seed, as a freshly migrated database has.

    DELETE, children before parents, rather than TRUNCATE: a test leaves a handful of rows, and TRUNCATE makes
    every table a new file (about 165 ms a test for 32 tables here, against 5 ms). The sequences restart at 1,
    as TRUNCATE ... RESTART IDENTITY did, so the seed rows get the ids a fresh database gives them.
    """
    with app.app_context():
        sequences = _sequences(str(db.engine.url.render_as_string(hide_password=False)))
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
            conn.execute(text("SELECT setval(s, 1, false) FROM unnest(CAST(:names AS text[])) AS s"),
                         {"names": list(sequences)})
            _reseed(conn)


@pytest.fixture
def database_uri(database_template, tmp_path) -> str:
    """The URI of a migrated, empty database for one test."""
    if PG_URL:
        return PG_URL
    target = tmp_path / "tracker.db"
    shutil.copyfile(database_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def app(database_uri) -> Iterator:
    """The application on an empty, migrated database of its own."""
    app = make_test_app(database_uri)
    yield app
    if PG_URL:
        _truncate_all(app)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app) -> TrackerClient:
    return app.test_client()


@pytest.fixture
def make_user(app) -> Callable:
    """Builder: an account with a role, committed; the password is PASSWORD unless given (builders.user)."""
    return functools.partial(builders.user, app)


def sign_in(client: TrackerClient, user) -> None:
    """Put a signed-in session for `user` into the client's cookie, as a real sign-in would."""
    now = int(time.time())
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True
        sess["auth_at"] = now
        sess["seen_at"] = now


@contextmanager
def served(app) -> Iterator[str]:
    """The app served by werkzeug's threaded server from a thread on 127.0.0.1: its base URL, while open."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@contextmanager
def queue_worker(app, threads: int = 1) -> Iterator:
    """A real Huey consumer in this process (`threads` worker threads) over the app's queue storage, while open."""
    with app.app_context():
        queue = bound()  # the module-wide queue on this app's storage, and this app for the worker's tasks
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = queue.create_consumer(workers=threads, worker_type="thread", periodic=False, initial_delay=0.02,
                                     max_delay=0.2, scheduler_interval=1, check_worker_health=False)
    consumer.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def race_posts(app, attempts: list[tuple]) -> list:
    """POST (user, url, data) at the same moment, each from its own signed-in browser; the responses in order."""
    start = threading.Barrier(len(attempts))
    responses: list = [None] * len(attempts)

    def attempt(i: int, user, url: str, data: dict) -> None:
        browser = app.test_client()
        sign_in(browser, user)
        start.wait(timeout=10)
        responses[i] = browser.post(url, data=data)

    threads = [threading.Thread(target=attempt, args=(i, *a)) for i, a in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def pause_before_first(monkeypatch, module, name: str, seconds: float = 2) -> None:
    """Hold each thread's first call of module.name until another thread's first call arrives (or `seconds` pass)."""
    real, meet, seen = getattr(module, name), threading.Barrier(2), threading.local()

    def paused(*args, **kwargs):
        if not getattr(seen, "paused", False):
            seen.paused = True
            with contextlib.suppress(threading.BrokenBarrierError):
                meet.wait(timeout=seconds)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, paused)


@pytest.fixture
def login_as(client, make_user) -> Callable:
    """Sign the client in as a new user with the given role; returns the user."""

    def login(role: str = "reception", **kwargs):
        user = make_user(role, **kwargs)
        sign_in(client, user)
        return user

    return login


_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def count_queries(app) -> Iterator[list[str]]:
    """The SQL statements the app runs inside the block (not BEGIN/COMMIT, which SQLite sends as SQL)."""
    statements: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def audit_rows(app) -> Callable:
    """Read the audit trail as plain dicts, oldest first."""
    from sqlalchemy import select

    from tracker.audit.models import AuditEvent

    def read(**where) -> list[dict]:
        with app.app_context():
            stmt = select(AuditEvent).order_by(AuditEvent.id)
            for key, value in where.items():
                stmt = stmt.where(getattr(AuditEvent, key) == value)
            return [
                {c: getattr(e, c) for c in ("action", "actor_id", "actor_label", "entity_type", "entity_id",
                                            "changes", "ip_address", "request_id")}
                for e in db.session.scalars(stmt)
            ]

    return read


@pytest.fixture
def make_patient(app) -> Callable:
    """Builder: a committed patient; returns its id (builders.patient)."""
    return functools.partial(builders.patient, app)


@pytest.fixture
def make_enquiry(app) -> Callable:
    """Builder: a committed enquiry (a new patient unless patient_id is given); returns its id (builders.enquiry)."""
    return functools.partial(builders.enquiry, app)


@pytest.fixture
def make_appointment(app) -> Callable:
    """Builder: an appointment written straight to the table; returns its id (builders.appointment)."""
    return functools.partial(builders.appointment, app)


@pytest.fixture
def make_follow_up(app) -> Callable:
    """Builder: a follow-up added by hand (or written straight to the table); returns its id
    (builders.add_follow_up)."""
    return functools.partial(builders.add_follow_up, app)


@pytest.fixture
def make_room(app) -> Callable:
    """Builder: an active room in the settings list; returns its id (builders.room)."""
    return functools.partial(builders.room, app)


@pytest.fixture
def make_treatment(app) -> Callable:
    """Builder: a catalogue treatment through the service; returns its id (builders.treatment)."""
    return functools.partial(builders.treatment, app)


@pytest.fixture
def consultation(app, make_user) -> Callable:
    """Builder: an enquiry at consultation booked with a consultation that started `hours_ago` (negative: future),
    by a new specialist unless `practitioner` is given; (appointment id, enquiry id) (builders.consultation)."""

    def build(practitioner=None, **kwargs) -> tuple[int, int]:
        return builders.consultation(app, (practitioner or make_user("specialist")).id, **kwargs)

    return build
