"""The pipeline dashboard page and the export of each of its tables."""

from flask import abort, render_template, request

from tracker.clock import clinic_today
from tracker.db import utcnow
from tracker.enquiries import choices
from tracker.exports.audit import record_export
from tracker.exports.writers import csv_response, xlsx_response
from tracker.permissions import require
from tracker.reports import bp, tables
from tracker.reports.dashboard import dashboard
from tracker.reports.forms import PipelineForm
from tracker.reports.scale import nice_ticks

bp.add_app_template_global(nice_ticks, "nice_ticks")  # the charts' round axis ticks


def _form() -> PipelineForm:
    """The dashboard's form, read from the query string and checked (bad fields fall back, with a message)."""
    form = PipelineForm(formdata=request.args)
    choices.fill_filters(form)  # every source, treatment and colleague, retired ones too
    form.validate()
    return form


@bp.route("/reports/pipeline")
@require("reports.view")
def pipeline():
    """Funnel, speed, time in stage, lost, conversion, trend, work and value for a range of days."""
    form = _form()
    filters = form.filters(clinic_today())
    board = dashboard(filters, utcnow())
    args = {name: value for name, value in request.args.items() if name in form._fields and value}
    return render_template("reports/pipeline.html", form=form, filters=filters, d=board,
                           tables=tables.build(board), args=args)


@bp.route("/reports/pipeline/<key>.<any(csv, xlsx):fmt>")
@require("export")
def pipeline_table(key: str, fmt: str):
    """One table of the dashboard as CSV or XLSX, for the same range and filters; audited like every export."""
    form = _form()
    filters = form.filters(clinic_today())
    table = tables.build(dashboard(filters, utcnow())).get(key)
    if table is None:
        abort(404)
    used = {name: request.args[name] for name, field in form._fields.items()
            if request.args.get(name) and not field.errors}
    used |= {"start": filters.start.isoformat(), "end": filters.end.isoformat()}
    on_done = record_export(f"pipeline report: {table.title}", fmt, used, clinical=False)
    rows = (tuple(cell.value for cell in row) for row in table.rows)
    write = csv_response if fmt == "csv" else xlsx_response
    return write(f"pipeline-{key}-{filters.start.isoformat()}-to-{filters.end.isoformat()}", table.header, rows,
                 on_done=on_done)
