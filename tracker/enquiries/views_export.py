"""The enquiry list as a CSV or XLSX download: the list's filters, every matching row, audited."""

from flask import Response, request
from flask_login import current_user

from tracker.clock import clinic_today
from tracker.enquiries import bp, choices, export
from tracker.exports.audit import record_export
from tracker.exports.writers import csv_response, xlsx_response
from tracker.permissions import require

WRITERS = {"csv": csv_response, "xlsx": xlsx_response}


def _download(file_format: str) -> Response:
    """The list's filters read as the list reads them (a refused field is ignored), every row streamed."""
    form, filters = choices.read_filters(request.args, current_user.id)
    sort = form.sort.data if not form.sort.errors else "newest"
    columns = export.columns_for(current_user.can)
    # What the export was narrowed by, as asked: the list's own parameters that were used (not refused).
    used = {name: request.args[name] for name, field in form._fields.items()
            if request.args.get(name) and not field.errors}
    on_done = record_export("enquiries", file_format, used, clinical=any(c.clinical for c in columns))
    rows = export.rows(export.statement(filters, sort, columns), columns)
    return WRITERS[file_format](f"enquiries-{clinic_today().isoformat()}", [c.header for c in columns], rows,
                               on_done=on_done)


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
