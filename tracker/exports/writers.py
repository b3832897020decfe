"""CSV and XLSX responses that stream any iterable of row tuples without holding the rows in memory, and the same
bytes written to a file for an export made in the background.

Cells are neutralised against spreadsheet formula injection (OWASP "CSV Injection"): text that begins
with = + - @, a tab or a carriage return gets a leading apostrophe, so a spreadsheet shows it as text
and never runs it. Only text is touched: numbers, dates and times stay typed, so a negative number is
still a number. A phone number kept as text ("+33 1 23 45 67 89") is text like any other and gets the
apostrophe too; the enquiry export shows the clinic's own country's numbers nationally ("07700 900123"),
so only foreign numbers carry it.
"""

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from werkzeug.utils import secure_filename

from tracker.clock import format_date, format_datetime, to_clinic

CHUNK_BYTES = 64 * 1024  # what each streamed piece holds, about; the rows behind it are never all in memory
SPOOL_BYTES = 4 * 1024 * 1024  # an XLSX file is kept in memory up to this size, then on disk
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_DATETIME = "dd/mm/yyyy hh:mm"
XLSX_DATE = "dd/mm/yyyy"

# on_done(rows, completed): rows written (XLSX: into the file), and whether the client received everything.
OnDone = Callable[[int, bool], None]
Value = str | int | float | Decimal | date | datetime | None


def neutralise(value: Value) -> Value:
    """Text a spreadsheet would read as a formula, made plain text with a leading apostrophe; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def download_name(filename: str, extension: str) -> str:
    """A filename safe in a Content-Disposition header: ASCII letters, digits, dots, dashes, the right extension."""
    stem = secure_filename(filename).removesuffix(f".{extension}") or "export"
    return f"{stem}.{extension}"


class _Counted:
    """The rows, counted as they are read; closing it closes them (a database cursor behind them, say)."""

    def __init__(self, rows: Iterable[tuple]):
        self.rows, self.n = rows, 0

    def __iter__(self) -> Iterator[tuple]:
        """The rows, counting each as it is handed on."""
        for row in self.rows:
            self.n += 1
            yield row

    def close(self) -> None:
        """Close the rows if they can be closed."""
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()


def _response(chunks: Iterator[bytes], filename: str, mimetype: str) -> Response:
    """A streamed attachment; the request stays open (user, database session) until the chunks end."""
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- CSV ---------------------------------------------------------------------------------------------------

def _csv_text(value: Value) -> str | int | float | Decimal:
    """A cell as CSV text: dates and times in the clinic's zone, UK format; None empty; text neutralised."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    return neutralise(value)


def csv_pieces(header: list[str], rows: Iterable[tuple]) -> Iterator[bytes]:
    """The CSV in pieces of about CHUNK_BYTES, each written into a small buffer and emptied as it is handed on
    (to a response or to a file: the same bytes either way)."""
    buffer = io.StringIO()
    # Every cell quoted: a spreadsheet set to split on ";" or tabs cannot cut a cell in two and start a formula.
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)

    def take() -> bytes:
        """The buffer's text as bytes, leaving it empty."""
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode("utf-8")

    buffer.write("\ufeff")  # the byte order mark: Excel then reads the file as UTF-8
    writer.writerow([neutralise(name) for name in header])
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
        if buffer.tell() >= CHUNK_BYTES:
            yield take()
    yield take()


def _csv_chunks(header: list[str], rows: _Counted, on_done: OnDone) -> Iterator[bytes]:
    """The CSV's pieces as a response's body, counting the rows handed over with each."""
    handed_over, completed = 0, False
    pieces = csv_pieces(header, rows)
    try:
        for piece in pieces:
            handed_over = rows.n
            yield piece
        completed = True
    finally:
        pieces.close()
        rows.close()
        on_done(handed_over, completed)


def csv_response(filename: str, header: list[str], rows: Iterable[tuple], *, on_done: OnDone) -> Response:
    """A CSV download (UTF-8 with a byte order mark), written in chunks as the rows are read.

    `on_done(rows, completed)` runs once when the stream ends: completed, or cut short by the
    client going away (rows: those handed to the server before then) or by an error.
    """
    return _response(_csv_chunks(header, _Counted(rows), on_done), download_name(filename, "csv"),
                     "text/csv; charset=utf-8")


# --- XLSX --------------------------------------------------------------------------------------------------

def _xlsx_cell(sheet, value: Value):
    """A cell as Excel wants it: dates and times as real ones in the clinic's zone, UK format; text neutralised."""
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, to_clinic(value).replace(tzinfo=None))  # Excel has no time zones
        cell.number_format = XLSX_DATETIME
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = XLSX_DATE
        return cell
    if isinstance(value, str):
        # Control characters other than tab and line breaks are not allowed in the file format.
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def write_workbook(target, header: list[str], rows: Iterable[tuple]) -> None:
    """The rows as one sheet with a bold, frozen header, written to `target` (a path or a binary file; write-only:
    rows go to disk as added)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Export")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    for number, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = max(12, len(name) + 2)
    cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, neutralise(name))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    workbook.save(target)


def _xlsx_chunks(header: list[str], rows: _Counted, on_done: OnDone) -> Iterator[bytes]:
    """The workbook written to a temporary file, then read back in pieces of CHUNK_BYTES."""
    completed = False
    # An XLSX file is a zip whose directory comes last: it is complete before its first byte can be sent.
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        try:
            write_workbook(spool, header, rows)
            spool.seek(0)
            while chunk := spool.read(CHUNK_BYTES):
                yield chunk
            completed = True
        finally:
            rows.close()
            on_done(rows.n, completed)


def xlsx_response(filename: str, header: list[str], rows: Iterable[tuple], *, on_done: OnDone) -> Response:
    """An XLSX download: the rows written to a temporary file in write-only mode, then sent in chunks.

    `on_done(rows, completed)` runs once when the stream ends, as for csv_response; rows are those
    written into the file.
    """
    return _response(_xlsx_chunks(header, _Counted(rows), on_done), download_name(filename, "xlsx"), XLSX_MIMETYPE)


# --- to a file (a background job's) ------------------------------------------------------------------------

def _write_csv(path: Path, header: list[str], rows: Iterable[tuple]) -> None:
    """The CSV's pieces written to a file, as a response would send them."""
    with open(path, "wb") as file:
        for piece in csv_pieces(header, rows):
            file.write(piece)


FILE_WRITERS: dict[str, Callable[[Path, list[str], Iterable[tuple]], None]] = {
    "csv": _write_csv, "xlsx": write_workbook}


def write_file(path: Path, file_format: str, header: list[str], rows: Iterable[tuple]) -> int:
    """The rows written to a file in a format ("csv" or "xlsx") exactly as its download would send them; returns
    how many rows it holds. Closes the rows at the end, whatever happens."""
    counted = _Counted(rows)
    try:
        FILE_WRITERS[file_format](path, header, counted)
    finally:
        counted.close()
    return counted.n
