"""Reading an uploaded CSV: its encoding and header checked up front, then its rows streamed one at a time.
An Excel workbook is first turned into the same CSV (its first sheet), so everything after reads one format."""

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from tracker.errors import ServiceError

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000  # rows with something in them
MAX_LINES = 2_000_000  # lines read, blank ones included: a file of empty lines ends quickly too
DELIMITERS = (",", ";", "\t")
SAVE_AS = 'In Excel choose File, Save As, "CSV UTF-8 (Comma delimited) (*.csv)" and upload that file.'
_CHUNK = 1024 * 1024
_QUOTED = re.compile(r'"[^"]*"')
# A header cell that is really data: an e-mail, a long run of digits (a phone number) or a date.
_DATA_LIKE = re.compile(r"@|\d{6,}|\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}")


class FileError(ServiceError):
    """The file as a whole cannot be imported; the message says why and what to do."""


@dataclass(frozen=True)
class Layout:
    """What the first line says: the delimiter and the column names."""

    delimiter: str
    headers: list[str]

    @property
    def delimiter_label(self) -> str:
        return {",": "comma", ";": "semicolon", "\t": "tab"}[self.delimiter]


def check_encoding(content: bytes) -> None:
    """Refuse empty, binary, UTF-16 and non-UTF-8 files, with what to do instead (reads in chunks)."""
    if not content.strip():
        raise FileError("The file is empty.")
    head = content[:4096]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head.count(b"\x00") > len(head) // 4:
        raise FileError(f"This file is saved as Unicode text (UTF-16), which the import does not read. {SAVE_AS}")
    if b"\x00" in content:
        raise FileError(f"This is not a CSV file: it holds binary data. {SAVE_AS}")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(content), _CHUNK):
            decoder.decode(content[start:start + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise FileError(f"This file is not in UTF-8 (the text at byte {error.start + 1:,} is in another "
                        f"encoding, such as Windows' Latin-1). {SAVE_AS}") from None


def _first_line(content: bytes) -> str:
    text = content[:65536].decode("utf-8-sig", errors="replace")
    return next((line for line in text.splitlines() if line.strip()), "")


def sniff_delimiter(content: bytes) -> str:
    """Comma, semicolon (Excel where the decimal mark is a comma) or tab: whichever the first line uses most."""
    line = _QUOTED.sub("", _first_line(content))
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _reader(content: bytes, delimiter: str):
    stream = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline="")
    return csv.reader(stream, delimiter=delimiter, strict=True)


def _records(reader) -> Iterator[list[str]]:
    """The reader's non-blank records; FileError on broken quoting or a file too long."""
    try:
        for cells in reader:
            if reader.line_num > MAX_LINES:
                raise FileError(f"The file has more than {MAX_LINES:,} lines; split it into smaller files.")
            if cells and any(cell.strip() for cell in cells):
                yield cells
    except csv.Error as error:
        raise FileError(f"Line {reader.line_num:,} cannot be read ({error}). A quote mark (\") may be missing "
                        "or stray: check that line, or save the file again from the spreadsheet.") from None


def _check_header(cells: list[str]) -> list[str]:
    headers = [cell.strip() for cell in cells]
    if any(_DATA_LIKE.search(h) for h in headers):
        raise FileError("The first line looks like data, not column names. Add a first line naming each column "
                        "(e.g. Name, Phone, E-mail, Date) and upload the file again.")
    seen: dict[str, str] = {}
    for header in headers:
        if header and header.casefold() in seen:
            raise FileError(f'Two columns are called "{header}". Give each column its own name and upload again.')
        seen[header.casefold()] = header
    return [header or f"(column {number})" for number, header in enumerate(headers, start=1)]


def read_layout(content: bytes) -> Layout:
    """The delimiter and column names; FileError if the file has no usable header or no rows under it."""
    delimiter = sniff_delimiter(content)
    records = _records(_reader(content, delimiter))
    first = next(records, None)
    if first is None:
        raise FileError("The file has no lines with anything in them.")
    headers = _check_header(first)
    if next(records, None) is None:
        raise FileError("The file has column names but no rows under them.")
    return Layout(delimiter, headers)


def data_rows(content: bytes, layout: Layout) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each non-blank row under the header, streamed; FileError past MAX_ROWS."""
    reader = _reader(content, layout.delimiter)
    records = _records(reader)
    next(records, None)  # the header
    for count, cells in enumerate(records, start=1):
        if count > MAX_ROWS:
            raise FileError(f"The file has more than {MAX_ROWS:,} rows; split it into smaller files.")
        yield reader.line_num, cells


def is_workbook(content: bytes) -> bool:
    """Whether the file is a zip (an .xlsx workbook), by its first bytes rather than its name."""
    return content.startswith(b"PK\x03\x04")


def _cell(value) -> str:
    """A workbook cell as the CSV would hold it: dates as yyyy-mm-dd (unambiguous), whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M" if value.time() != time.min else "%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def from_workbook(content: bytes) -> bytes:
    """The first sheet of an .xlsx workbook as a UTF-8 CSV, read in openpyxl's streaming mode; FileError if the
    workbook cannot be read or is too large once unpacked."""
    from openpyxl import load_workbook  # only when a workbook is uploaded: it is slow to import

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            for count, row in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
                if count > MAX_LINES or out.tell() > MAX_BYTES:
                    raise FileError(f"The workbook's first sheet is larger than {MAX_BYTES // 2**20} MB or "
                                    f"{MAX_ROWS:,} rows; split it into smaller files.")
                cells = [_cell(value) for value in row]
                if any(cell.strip() for cell in cells):
                    writer.writerow(cells)
        finally:
            book.close()
    except FileError:
        raise
    except Exception:  # a damaged or foreign zip fails in many ways inside openpyxl; each means this
        raise FileError("This Excel file cannot be read. Open it in Excel and save it again as .xlsx, or as "
                        '"CSV UTF-8", and upload that file.') from None
    return out.getvalue().encode("utf-8")
