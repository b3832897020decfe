"""Many CSV exports at once on a threaded server (as the development server or gunicorn --threads runs them):
every download answers 200 in full, and every export was recorded, once, before its first byte.

The exports are held together after their first row is read (each then holds its database connection), so
more of them are streaming at once than the connection pool holds (SQLAlchemy's 5 + 10 overflow).
"""

import contextlib
import threading
import urllib.request
from collections.abc import Iterator

import pytest

from tests.conftest import served as serve
from tests.conftest import sign_in
from tests.exports.conftest import csv_rows
from tracker.audit.models import AuditAction
from tracker.enquiries import export

EXPORTS = 20  # more than the pool's 15 connections
ENQUIRIES = 5


@pytest.fixture
def served(app) -> Iterator[str]:
    """The app served from a thread by werkzeug's threaded server on 127.0.0.1; its base URL."""
    with serve(app) as base:
        yield base


def _hold_streams_together(monkeypatch, parties: int, seconds: float) -> None:
    """Each export's rows wait, once the first is read, until `parties` exports have read theirs (or `seconds`)."""
    real, together = export.rows, threading.Barrier(parties)

    def rows(stmt, columns):
        iterator = real(stmt, columns)
        try:
            first = next(iterator, None)
            with contextlib.suppress(threading.BrokenBarrierError):
                together.wait(timeout=seconds)
            if first is not None:
                yield first
            yield from iterator
        finally:
            iterator.close()

    monkeypatch.setattr(export, "rows", rows)


def _session_cookie(app, user) -> str:
    browser = app.test_client()
    sign_in(browser, user)
    browser.get("/")  # the signed session cookie, as a browser holds it after signing in
    return browser.get_cookie("session").value


def _download(url: str, cookie: str) -> tuple[int, bytes | str]:
    request = urllib.request.Request(url, headers={"Cookie": f"session={cookie}"})  # noqa: S310 (the test's server)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status, response.read()
    except Exception as error:
        return getattr(error, "code", 0), repr(error)


def test_many_simultaneous_exports_all_complete_and_each_is_recorded_before_it_streams(
        app, served, make_user, make_enquiry, audit_rows, monkeypatch):
    for hours in range(1, ENQUIRIES + 1):
        make_enquiry(hours_ago=hours)
    manager = make_user("manager")
    cookie = _session_cookie(app, manager)
    _hold_streams_together(monkeypatch, EXPORTS, seconds=3)
    results: list = [None] * EXPORTS
    start = threading.Barrier(EXPORTS)

    def one(i: int) -> None:
        start.wait(timeout=10)
        results[i] = _download(f"{served}/enquiries/export.csv?stage=all", cookie)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(EXPORTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)

    statuses = [status for status, _body in results]
    assert statuses == [200] * EXPORTS, [body for _status, body in results if isinstance(body, str)]
    assert all(len(csv_rows(body)) == ENQUIRIES + 1 for _status, body in results)
    started = audit_rows(action=AuditAction.EXPORT)
    ended = audit_rows(action=AuditAction.EXPORT_ENDED)
    assert len(started) == EXPORTS and {e["actor_id"] for e in started} == {manager.id}
    assert all(e["changes"] == {"what": "enquiries", "format": "csv", "filters": {"stage": "all"},
                                "clinical": True} for e in started)
    assert len(ended) == EXPORTS
    assert all(e["changes"]["rows"] == ENQUIRIES and e["changes"]["completed"] for e in ended)
    assert len({e["changes"]["export"] for e in ended}) == EXPORTS  # each start has its own end
