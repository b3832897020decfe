"""Helpers for the import tests: CSV files built from rows, every table's row count, the CLI command."""

import csv
import io

import pytest

HEADER = ["Name", "Phone number", "E-mail", "DOB", "Enquiry date", "How did you hear about us?", "Concern",
          "Treatment", "Message", "Status", "Reason", "Marketing"]


def person(n: int, **overrides) -> dict:
    """A valid row (values by HEADER name), distinct for each n."""
    row = {"Name": f"Pat Person{n}", "Phone number": f"07700 9{n:05d}", "E-mail": f"pat{n}@example.com",
           "DOB": "", "Enquiry date": "03/02/2025 10:30", "How did you hear about us?": "Instagram",
           "Concern": "Ice pick; Rolling", "Treatment": "TCA CROSS", "Message": f"Hello {n}", "Status": "",
           "Reason": "", "Marketing": "no"}
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict], header: list[str] = HEADER, *, delimiter: str = ",", bom: bool = False) -> bytes:
    """The rows as a CSV file, as a spreadsheet would save it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


@pytest.fixture
def cli(app):
    """A CLI runner with `flask import-enquiries` available whether or not create_app registers it yet."""
    from tracker.imports.commands import import_enquiries_command

    if "import-enquiries" not in app.cli.commands:
        app.cli.add_command(import_enquiries_command)
    return app.test_cli_runner()


def upload(client, content: bytes, name: str = "enquiries.csv"):
    """POST a file to the upload form."""
    return client.post("/admin/import", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")
