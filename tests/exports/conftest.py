"""Fixtures and readers for the export tests: files read back as rows, and demo databases of a given size."""

import csv
import io
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import select

from tests.conftest import sign_in
from tracker.auth.models import User
from tracker.extensions import db


def csv_rows(body: bytes) -> list[list[str]]:
    """A CSV download as rows of text, header first (it must start with the UTF-8 byte order mark)."""
    assert body.startswith(b"\xef\xbb\xbf"), "no byte order mark"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def xlsx_sheet(body: bytes):
    """An XLSX download's only sheet."""
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    assert len(workbook.worksheets) == 1
    return workbook.worksheets[0]


def xlsx_rows(body: bytes) -> list[tuple]:
    """An XLSX download's cell values, header first."""
    return list(xlsx_sheet(body).iter_rows(values_only=True))


def column(rows: list, header: str) -> list:
    """One column's values below the header."""
    index = list(rows[0]).index(header)
    return [row[index] for row in rows[1:]]


def is_clinic_datetime(value) -> bool:
    return isinstance(value, datetime) and value.tzinfo is None


def seed_demo(app, enquiries: int) -> None:
    """`flask seed-demo` with this many enquiries (the same ones for the same count)."""
    result = app.test_cli_runner().invoke(args=["seed-demo", "--enquiries", str(enquiries), "--seed", "3",
                                                "--today", "2026-11-20"])
    assert result.exit_code == 0, result.output


def sign_in_demo(app, client, role: str) -> User:
    """Sign the client in as the demo account of a role."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == f"{role}@demo.example"))
        db.session.expunge(user)
    sign_in(client, user)
    return user


@pytest.fixture
def manager(login_as):
    """A signed-in manager (who may export and see clinical detail)."""
    return login_as("manager")
