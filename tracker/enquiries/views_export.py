"""The enquiry list as a CSV or XLSX download: the list's filters, every matching row, audited; a large one is
written by a background job and fetched from its progress page."""

from flask import Response, current_app, redirect, request, url_for
from flask_login import current_user

from tracker.clock import clinic_today
from tracker.enquiries import bp, choices, export
from tracker.exports import queued
from tracker.exports.audit import record_export
from tracker.exports.writers import csv_response, xlsx_response
from tracker.extensions import db
from tracker.permissions import require

WRITERS = {"csv": csv_response, "xlsx": xlsx_response}
TITLES = {"csv": "Export of enquiries (CSV)", "xlsx": "Export of enquiries (XLSX)"}


def _download(file_format: str) -> Response:
    """Every row the list's filters match, streamed; more than EXPORT_BACKGROUND_ROWS go to a background job."""
    asked = choices.read_export(request.args, current_user.id, current_user.can)
    stmt = asked.statement()
    if request.method != "HEAD" and (total := export.count(stmt)) > current_app.config["EXPORT_BACKGROUND_ROWS"]:
        # Too many to keep a web worker busy: the job writes the file; the progress page offers it when done.
        job_id = queued.start("enquiries", file_format, TITLES[file_format], by_id=current_user.id,
                              args=request.args.to_dict(flat=False), used=asked.used, clinical=asked.clinical,
                              total=total)
        db.session.commit()
        return redirect(url_for("jobs.progress", job_id=job_id))
    on_done = record_export("enquiries", file_format, asked.used, clinical=asked.clinical)
    return WRITERS[file_format](f"enquiries-{clinic_today().isoformat()}", [c.header for c in asked.columns],
                               export.rows(stmt, asked.columns), on_done=on_done)


@bp.route("/enquiries/export.csv")
@require("export")
def export_csv():
    """The filtered enquiry list as CSV."""
    return _download("csv")


@bp.route("/enquiries/export.xlsx")
@require("export")
def export_xlsx():
    """The filtered enquiry list as an Excel workbook."""
    return _download("xlsx")
