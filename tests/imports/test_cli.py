"""`flask import-enquiries`: a dry run by default, --commit to import, exit code 1 when invalid rows stop it."""

import csv

from sqlalchemy import select

from tests.builders import table_counts
from tests.imports.conftest import csv_bytes, person
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.patients.models import Patient


def test_cli_dry_run_prints_counts_and_stores_nothing(app, cli, tmp_path):
    path = tmp_path / "enquiries.csv"
    path.write_bytes(csv_bytes([person(1), person(2, Status="Won")]))
    before = table_counts(app)
    result = cli.invoke(args=["import-enquiries", str(path)])
    assert result.exit_code == 0, result.output
    assert "Rows read: 2; valid: 1; invalid: 1; already imported: 0." in result.output
    assert "Dry run: nothing was stored" in result.output
    assert table_counts(app) == before


def test_cli_commit_stops_on_invalid_rows_with_exit_code_1(app, cli, tmp_path):
    path, rejected = tmp_path / "enquiries.csv", tmp_path / "rejected.csv"
    path.write_bytes(csv_bytes([person(1), person(2, Status="Won")]))
    before = table_counts(app)
    result = cli.invoke(args=["import-enquiries", str(path), "--commit", "--rejected", str(rejected)])
    assert result.exit_code == 1
    assert "Nothing was imported" in result.output and table_counts(app) == before
    rows = list(csv.reader(rejected.open(encoding="utf-8-sig")))
    assert rows[1][-1].startswith("Status:")


def test_cli_commit_with_skip_invalid_and_a_mapping_override(app, cli, tmp_path):
    path = tmp_path / "enquiries.csv"
    path.write_bytes(csv_bytes([person(1, Message="07700 900555", **{"Phone number": ""}), person(2, Status="Won")]))
    result = cli.invoke(args=["import-enquiries", str(path), "--commit", "--skip-invalid", "--map", "phone=Message",
                              "--map", "caller_words="])
    assert result.exit_code == 0, result.output
    assert "Imported: 1" in result.output
    with app.app_context():
        assert db.session.scalar(select(Patient.phone)) == "+447700900555"
        assert db.session.scalar(select(Enquiry.caller_words)) is None
    again = cli.invoke(args=["import-enquiries", str(path), "--commit", "--skip-invalid", "--map", "phone=Message",
                             "--map", "caller_words="])
    assert "already imported: 1" in again.output and "Imported: 0" in again.output


def test_cli_refuses_an_unreadable_file_or_mapping_clearly(cli, tmp_path):
    path = tmp_path / "enquiries.csv"
    path.write_bytes("Name,Date\nJosé,01/01/2025\n".encode("latin-1"))
    result = cli.invoke(args=["import-enquiries", str(path)])
    assert result.exit_code == 1 and "not in UTF-8" in result.output
    path.write_bytes(csv_bytes([person(1)]))
    result = cli.invoke(args=["import-enquiries", str(path), "--map", "received_at=Nope"])
    assert result.exit_code == 1 and "no column 'Nope'" in result.output


def test_cli_reads_remembered_value_mappings_and_imports_old_rows_as_history(app, cli, tmp_path):
    from tracker.followups.models import FollowUp, FollowUpStatus
    from tracker.imports.models import ImportValueMapping
    from tracker.settings.models import Option

    with app.app_context():
        instagram = db.session.scalar(select(Option.id).where(Option.label == "Instagram"))
        db.session.add(ImportValueMapping(kind="source", value_key="insta", target=f"option:{instagram}"))
        db.session.commit()
    path = tmp_path / "enquiries.csv"
    path.write_bytes(csv_bytes([person(1, **{"How did you hear about us?": " Insta", "Enquiry date": "2024-03-05"})]))
    result = cli.invoke(args=["import-enquiries", str(path), "--commit"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(Enquiry.source_id)) == instagram
        assert db.session.scalar(select(Enquiry.next_follow_up_at)) is None  # older than 30 days: history
        assert db.session.scalars(select(FollowUp.status)).all() == [FollowUpStatus.CANCELLED]
