"""`flask import-enquiries FILE`: the CSV (or .xlsx) import from the command line, a dry run unless --commit.

Values of the list columns are read through the mappings remembered from the web's value-mapping step, else by name.
"""

import sys
from contextlib import nullcontext
from pathlib import Path

import click
from flask.cli import with_appcontext

from tracker.extensions import db
from tracker.imports import mapping, parse, services


def _mapping(pairs: tuple[str, ...], headers: list[str]) -> dict[str, str]:
    """The guess from the column names, with each --map field=Column over it (--map field= drops a field)."""
    chosen = mapping.guess(headers)
    for pair in pairs:
        key, sep, column = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r}: write --map field=Column", param_hint="--map")
        chosen.pop(key.strip(), None)
        if column.strip():
            chosen[key.strip()] = column.strip()
    return chosen


@click.command("import-enquiries")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--map", "pairs", multiple=True, metavar="FIELD=COLUMN",
              help=f"Which column fills a field (repeatable). Fields: {', '.join(mapping.BY_KEY)}.")
@click.option("--commit", is_flag=True, help="Import for real (without it: a dry run that stores nothing).")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even if some are invalid.")
@click.option("--history-days", type=click.IntRange(1, 36_500), default=services.HISTORY_DAYS, show_default=True,
              help="Enquiries older than this come in as history: no first-contact call back, nothing overdue.")
@click.option("--rejected", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the invalid rows, with their reasons, to this CSV file.")
@with_appcontext
def import_enquiries_command(file: Path, pairs: tuple[str, ...], commit: bool, skip_invalid: bool,
                             history_days: int, rejected: Path | None) -> None:
    """Import enquiries from a CSV file; exit code 1 when invalid rows stop the import or the file is unreadable."""
    if file.stat().st_size > parse.MAX_BYTES:
        raise click.ClickException(f"The file is larger than {parse.MAX_BYTES // 2**20} MB; split it.")
    content = file.read_bytes()
    try:
        if parse.is_workbook(content):
            content = parse.from_workbook(content)
        parse.check_encoding(content)
        chosen = _mapping(pairs, parse.read_layout(content).headers)
        click.echo("Mapping: " + ", ".join(f"{key}={column}" for key, column in chosen.items()))
        with (rejected.open("w", encoding="utf-8-sig", newline="") if rejected else nullcontext()) as sink:
            result = services.process(content, file.name, chosen, commit=commit, skip_invalid=skip_invalid,
                                      rejected=sink if rejected else None, history_days=history_days)
    except (parse.FileError, services.MappingError) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"Rows read: {result.rows_read}; valid: {result.valid}; invalid: {result.invalid}; "
               f"already imported: {result.already_imported}.")
    if not commit:
        db.session.rollback()
        click.echo("Dry run: nothing was stored (add --commit to import).")
    elif result.stopped:
        db.session.rollback()
        click.echo(f"Nothing was imported: {result.invalid} invalid row(s). Correct them, or add --skip-invalid.")
        sys.exit(1)
    else:
        db.session.commit()
        click.echo(f"Imported: {result.imported} (import run {result.run.id}).")
    if rejected and result.invalid:
        click.echo(f"Invalid rows written to {rejected}.")

