"""Scratch databases, one per size: a SQLite file or a PostgreSQL database, migrated and seeded with demo data."""

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from bench.settings import BenchError, Settings

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = secrets.token_hex(32)  # one per run: production refuses keys under 32 characters


@dataclass(frozen=True)
class Seeded:
    """A database ready to measure: its URL, the demo accounts by role and how long seeding took."""

    url: str
    accounts: dict[str, tuple[str, str]]  # role -> (e-mail, password)
    seed_seconds: float


def app_env(url: str) -> dict[str, str]:
    """The environment the application runs in for the benchmark: production settings on `url`."""
    env = {k: v for k, v in os.environ.items() if k != "FLASK_DEBUG"}  # production refuses debug
    env.update(FLASK_APP="tracker", TRACKER_ENV="production", SECRET_KEY=SECRET_KEY, DATABASE_URL=url,
               CALENDAR_FEED_RATE_LIMIT="100000 per minute",  # the bench fetches one feed far faster than a calendar
               CALENDAR_FEED_ADDRESS_LIMIT="100000 per minute",
               API_RATE_LIMIT="100000 per minute")  # the bench sends one key's enquiries far faster than a site
    return env


def _admin_url(server_url: str):
    return make_url(server_url).set(drivername="postgresql")


@contextmanager
def scratch_database(settings: Settings, size: int, workdir: Path) -> Iterator[str]:
    """An empty database for one size, removed afterwards even if the run fails."""
    if settings.server_url is None:
        path = workdir / f"bench-{size}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    admin = _admin_url(settings.server_url)
    name = f"tracker_bench_{size}_{os.getpid()}"
    admin_dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _flask(url: str, *args: str) -> str:
    command = [sys.executable, "-m", "flask", "--app", "tracker", *args]
    result = subprocess.run(command, cwd=ROOT, env=app_env(url), capture_output=True, text=True,  # noqa: S603 (our own CLI)
                            check=False)
    if result.returncode != 0:
        raise BenchError(f"flask {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


def _accounts(output: str) -> dict[str, tuple[str, str]]:
    """The role, e-mail and password lines seed-demo prints under its heading."""
    lines = output.split("Demo accounts", 1)[-1].splitlines()[1:]
    accounts = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 3 or "@" not in parts[1]:
            break
        accounts[parts[0]] = (parts[1], parts[2])
    if not accounts:
        raise BenchError(f"seed-demo printed no demo accounts:\n{output}")
    return accounts


def migrate_and_seed(url: str, size: int) -> Seeded:
    """Bring the empty database to the latest migration, then time `flask seed-demo` adding `size` enquiries."""
    _flask(url, "db", "upgrade")
    started = time.perf_counter()
    output = _flask(url, "seed-demo", "--enquiries", str(size), "--seed", "1")
    seconds = time.perf_counter() - started
    if f"Added {size} demo enquiries" not in output:
        raise BenchError(f"seed-demo did not add {size} enquiries:\n{output}")
    return Seeded(url, _accounts(output), seconds)
