"""The generic writers: formula neutralising, safe file names, lazy streaming, typed XLSX cells, on_done once."""

import hashlib
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tests.exports.conftest import csv_rows, xlsx_sheet
from tracker.exports.writers import CHUNK_BYTES, csv_response, download_name, neutralise, xlsx_response


@pytest.mark.parametrize("text", ["=1+1", '=HYPERLINK("http://x","y")', "+1", "+447700900123", "-2", "-", "@SUM(A1)",
                                  "\tTAB", "\r=1"])
def test_text_a_spreadsheet_would_read_as_a_formula_gets_a_leading_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["", "a=b", "O'Brien", " =1", "'=1", "07700 900123", "Zoë", "1-2"])
def test_other_text_is_left_alone(value):
    assert neutralise(value) == value


@pytest.mark.parametrize("value", [-2, -1.5, Decimal("-3.25"), 0, date(2026, 1, 2), datetime(2026, 1, 2, tzinfo=UTC),
                                   None, True])
def test_numbers_and_dates_stay_typed_even_when_negative(value):
    assert neutralise(value) is value


@pytest.mark.parametrize(("asked", "extension", "safe"), [
    ("enquiries-2026-11-24", "csv", "enquiries-2026-11-24.csv"),
    ("enquiries-2026-11-24.csv", "csv", "enquiries-2026-11-24.csv"),
    ("../../etc/passwd", "csv", "etc_passwd.csv"),
    ('re"port\r\nX-Evil: 1', "xlsx", "report_X-Evil_1.xlsx"),
    ("", "xlsx", "export.xlsx"),
    ("ÄÖÜ", "csv", "AOU.csv"),
])
def test_download_names_are_safe_in_a_header_and_keep_their_extension(asked, extension, safe):
    assert download_name(asked, extension) == safe


def _text(n: int) -> str:
    """About 200 characters that compress poorly, as real names and addresses do."""
    return hashlib.sha256(str(n).encode()).hexdigest() * 3


class Source:
    """Rows made on demand, noting how many were read and whether they were closed."""

    def __init__(self, count: int, fail_after: int | None = None):
        self.count, self.fail_after, self.read, self.closed = count, fail_after, 0, False

    def __iter__(self):
        try:
            for n in range(self.count):
                if n == self.fail_after:
                    raise RuntimeError("the database went away")
                self.read += 1
                yield (n, _text(n), datetime(2026, 1, 1, 12, tzinfo=UTC))
        finally:
            self.closed = True


class Done:
    """An on_done that remembers its calls."""

    def __init__(self):
        self.calls: list[tuple[int, bool]] = []

    def __call__(self, rows: int, completed: bool) -> None:
        self.calls.append((rows, completed))


HEADER = ["Number", "Text", "When"]


def test_csv_streams_chunks_while_reading_rows_lazily_and_reports_once_when_done(app):
    source, done = Source(3_000), Done()
    with app.test_request_context():
        response = csv_response("rows", HEADER, iter(source), on_done=done)
        assert response.is_streamed
        chunks = iter(response.response)
        first = next(chunks)
        assert source.read < 3_000 and done.calls == []
        rest = list(chunks)
    assert len(rest) >= 5 and all(len(chunk) < 2 * CHUNK_BYTES for chunk in rest)
    rows = csv_rows(first + b"".join(rest))
    assert rows[0] == HEADER and len(rows) == 3_001 and rows[1] == ["0", _text(0), "01/01/2026 12:00"]
    assert done.calls == [(3_000, True)] and source.closed


def test_csv_quotes_every_cell_so_no_separator_can_start_a_new_one(app):
    with app.test_request_context():
        body = b"".join(csv_response("x", ["A", "B"], iter([(1, "a;=1+1")]), on_done=Done()).response)
    assert body.decode("utf-8-sig").splitlines() == ['"A","B"', '"1","a;=1+1"']


def test_a_csv_download_cut_short_reports_the_rows_handed_over_and_closes_the_rows(app):
    source, done = Source(3_000), Done()
    with app.test_request_context():
        chunks = csv_response("rows", HEADER, iter(source), on_done=done).response
        first, second = next(iter(chunks)), next(iter(chunks))
        chunks.close()  # the client went away
    sent = len(csv_rows(first + second)) - 1
    assert done.calls == [(sent, False)] and 0 < sent < 3_000 and source.closed


def test_a_csv_download_that_fails_midway_is_still_reported_as_incomplete(app):
    source, done = Source(3_000, fail_after=1_000), Done()
    with app.test_request_context():
        chunks = csv_response("rows", HEADER, iter(source), on_done=done).response
        with pytest.raises(RuntimeError):
            list(chunks)
    assert len(done.calls) == 1 and done.calls[0][1] is False and done.calls[0][0] <= 1_000


def test_xlsx_has_a_bold_frozen_header_typed_cells_in_clinic_time_and_no_formula(app):
    rows = [(-2, "=1+1", datetime(2026, 7, 1, 11, 0, tzinfo=UTC)),
            (Decimal("1.50"), "bell\x07 ok\ttab", date(2026, 1, 2)), (None, "+44 20 7946 0000", None)]
    done = Done()
    with app.test_request_context():
        response = xlsx_response("rows", HEADER, iter(rows), on_done=done)
        assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        body = b"".join(response.response)
    sheet = xlsx_sheet(body)
    assert [c.value for c in sheet[1]] == HEADER and all(c.font.b for c in sheet[1]) and sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[2]] == [-2, "'=1+1", datetime(2026, 7, 1, 12, 0)]  # 12:00 in London, summer
    assert sheet["C2"].number_format == "dd/mm/yyyy hh:mm" and sheet["C3"].number_format == "dd/mm/yyyy"
    assert [c.value for c in sheet[3]] == [1.5, "bell ok\ttab", datetime(2026, 1, 2)]
    assert [c.value for c in sheet[4]] == [None, "'+44 20 7946 0000", None]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert done.calls == [(3, True)]


def test_xlsx_is_sent_in_chunks_from_a_temporary_file_and_reports_once(app):
    source, done = Source(3_000), Done()
    with app.test_request_context():
        chunks = list(xlsx_response("rows", HEADER, iter(source), on_done=done).response)
    assert len(chunks) > 1 and all(len(chunk) <= CHUNK_BYTES for chunk in chunks)
    assert xlsx_sheet(b"".join(chunks)).max_row == 3_001
    assert done.calls == [(3_000, True)] and source.closed


def test_an_xlsx_download_cut_short_reports_every_row_written_as_incomplete(app):
    source, done = Source(3_000), Done()
    with app.test_request_context():
        chunks = xlsx_response("rows", HEADER, iter(source), on_done=done).response
        next(iter(chunks))
        chunks.close()
    assert done.calls == [(3_000, False)] and source.closed


def test_a_download_never_started_reads_no_rows_and_reports_nothing(app):
    source, done = Source(10), Done()
    with app.test_request_context():
        csv_response("rows", HEADER, iter(source), on_done=done).response.close()  # e.g. a HEAD request
    assert source.read == 0 and done.calls == []


def test_csv_is_utf8_with_a_byte_order_mark(app):
    with app.test_request_context():
        body = b"".join(csv_response("x", ["Name"], iter([("Zoë 北京",)]), on_done=Done()).response)
    assert body.startswith(b"\xef\xbb\xbf") and io.BytesIO(body).read().decode("utf-8-sig").endswith('"Zoë 北京"\r\n')
