"""With 10,000 demo enquiries: the CSV streams in many chunks, its memory does not grow with the rows, and the
export runs the same few statements for 2,000 rows as for 10,000.

The database is built once for the module with `flask seed-demo` (a few seconds). Memory is measured with
tracemalloc (what Python allocates), so the numbers are deterministic: no timing.
"""

import tracemalloc
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from tests.conftest import PG_URL, count_queries, make_test_app, migrate_to_head
from tests.exports.conftest import csv_rows, seed_demo, sign_in_demo
from tests.test_migrations import scratch_postgres
from tracker.audit.models import AuditAction, AuditEvent
from tracker.clock import to_clinic
from tracker.enquiries.models import Enquiry
from tracker.extensions import db

SMALL, LARGE = 2_000, 10_000
# Peak bytes 8,000 more rows may add: caches that stop growing, such as the phone formats'. Holding the rows
# in memory would add about 8 MB.
ALLOWED_GROWTH = 2 * 1024 * 1024
MAX_STATEMENTS = 12  # sign-in bookkeeping, the list's choices, the count, the catalogue's names, the rows, 2 audit rows


@contextmanager
def _database(tmp_path):
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'exports.db'}"
        return
    with scratch_postgres() as uri:
        yield uri


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """An app on a database of LARGE demo enquiries, and the query string that exports about SMALL of them."""
    with _database(tmp_path_factory.mktemp("exports")) as uri:
        migrate_to_head(uri)
        app = make_test_app(uri, EXPORT_BACKGROUND_ROWS=LARGE)  # streamed, not handed to a background job
        seed_demo(app, LARGE)
        with app.app_context():
            live = select(Enquiry.received_at).where(Enquiry.archived_at.is_(None))
            assert len(db.session.scalars(live).all()) == LARGE
            newest = db.session.scalars(live.order_by(Enquiry.received_at.desc()).offset(SMALL).limit(1)).one()
            day = to_clinic(newest).date()
        yield app, f"stage=all&received_from={day.isoformat()}"
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def manager_client(large):
    app, _small_query = large
    client = app.test_client()
    sign_in_demo(app, client, "manager")
    return client


def _exported_rows(app) -> int:
    """The row count of the latest export's end event."""
    with app.app_context():
        return db.session.scalars(select(AuditEvent.changes).where(AuditEvent.action == AuditAction.EXPORT_ENDED)
                                  .order_by(AuditEvent.id.desc()).limit(1)).one()["rows"]


def _peak_bytes(client, url: str) -> int:
    """The most memory Python held at once, above what it held before, while serving and reading the CSV."""
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        response = client.get(url, buffered=False)
        for _chunk in response.response:
            pass  # read and dropped, as a client saving to disk would
        response.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - start


def test_csv_is_streamed_in_many_chunks(large, manager_client):
    app, _ = large
    response = manager_client.get("/enquiries/export.csv?stage=all", buffered=False)
    assert response.is_streamed
    chunks = list(response.response)
    response.close()
    assert len(chunks) > 20
    assert len(csv_rows(b"".join(chunks))) - 1 == _exported_rows(app) == LARGE


def test_csv_peak_memory_does_not_grow_with_the_number_of_rows(large, manager_client):
    app, small_query = large
    urls = {SMALL: f"/enquiries/export.csv?{small_query}", LARGE: "/enquiries/export.csv?stage=all"}
    for url in urls.values():
        manager_client.get(url).close()  # compiled statements and caches warmed: measure the rows alone
    peaks, rows = {}, {}
    for size, url in urls.items():
        peaks[size] = _peak_bytes(manager_client, url)
        rows[size] = _exported_rows(app)
    assert rows[LARGE] == LARGE and SMALL <= rows[SMALL] < 3_000, rows
    assert peaks[LARGE] <= peaks[SMALL] + ALLOWED_GROWTH, f"peak {peaks} bytes for {rows} rows"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_runs_the_same_bounded_number_of_statements_for_2000_and_10000_rows(large, manager_client,
                                                                                  file_format):
    app, small_query = large
    counts = {}
    for size, query in ((SMALL, small_query), (LARGE, "stage=all")):
        with count_queries(app) as statements:
            assert manager_client.get(f"/enquiries/export.{file_format}?{query}").data
        counts[size] = len(statements)
    assert counts[SMALL] == counts[LARGE] <= MAX_STATEMENTS, counts
