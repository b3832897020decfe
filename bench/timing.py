"""In-process page timing: the app's own test client, signed in as each role, with its SQL statements counted."""

import logging
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import event
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from bench.client import csrf_token
from bench.databases import SECRET_KEY, app_env
from bench.pages import PAGES, Page
from bench.samples import Samples
from bench.settings import BenchError
from config import database_url
from tracker import create_app
from tracker.extensions import db

WARMUP_REQUESTS = 3
_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass(frozen=True)
class PageResult:
    """One page's server time percentiles, SQL statements per request (the most seen) and response size."""

    p50_ms: float
    p95_ms: float
    queries: int
    bytes: int

    def as_json(self) -> dict:
        return {"p50_ms": self.p50_ms, "p95_ms": self.p95_ms, "queries": self.queries, "bytes": self.bytes}


def routed(app: Flask, url: str | None) -> bool:
    """Whether a GET of this URL reaches a route of the application (a page that does not exist yet is skipped)."""
    if not url:
        return False
    try:
        app.url_map.bind("localhost").match(urlsplit(url).path, method="GET")
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True


def _signed_in(app: Flask, email: str, password: str):
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
        raise BenchError(f"signing in as {email} failed: {response.status_code}")
    return client


class _QueryCounter:
    """Counts the SQL statements the engine runs, leaving out transaction control (SQLite sends it as SQL)."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
            self.count += 1


def _measure(client, counter: _QueryCounter, page: Page, url: str, requests: int) -> PageResult:
    for _ in range(WARMUP_REQUESTS):
        client.get(url).close()
    times, queries, size = [], 0, 0
    for _ in range(requests):
        counter.count = 0
        started = time.perf_counter()
        response = client.get(url)
        body = response.get_data()  # a streamed response is only produced here
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise BenchError(f"{page.name} ({page.role}) {url} answered {response.status_code}, not 200")
        queries, size = max(queries, counter.count), len(body)
    cuts = statistics.quantiles(times, n=20, method="inclusive")
    return PageResult(round(cuts[9] * 1000, 2), round(cuts[18] * 1000, 2), queries, size)


def bench_app(url: str, log: TextIO) -> Flask:
    """The application as gunicorn runs it (production settings) on `url`, its access log written to `log`."""
    os.environ.pop("FLASK_DEBUG", None)
    os.environ.update(app_env(url))  # ProductionConfig checks DATABASE_URL in the environment
    # Settings are read when config.py is first imported, so each size's database is passed explicitly.
    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": database_url(url), "SECRET_KEY": SECRET_KEY,
                                    "CALENDAR_FEED_RATE_LIMIT": "100000 per minute",  # see app_env
                                    "CALENDAR_FEED_ADDRESS_LIMIT": "100000 per minute"})
    logging.getLogger("tracker").handlers[0].setStream(log)  # formatted as in production, out of the table's way
    return app


def measure_pages(app: Flask, samples: Samples, accounts: dict[str, tuple[str, str]], requests: int,
                  say: Callable[[str], None]) -> tuple[dict[str, PageResult], list[str]]:
    """Every page of the registry whose route exists, timed `requests` times as its role; and the names skipped."""
    with app.app_context():
        engine = db.engine
    clients, results, skipped = {}, {}, []
    with _QueryCounter(engine) as counter:
        for page in PAGES:
            url = page.url(samples)
            if not page.timed:
                continue
            if not routed(app, url):
                skipped.append(page.name)
                continue
            if page.role not in clients:
                clients[page.role] = _signed_in(app, *accounts[page.role])
            say(f"  {page.name:<22} {url}")
            results[page.name] = _measure(clients[page.role], counter, page, url, requests)
    return results, skipped
