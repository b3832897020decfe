"""The import pages: upload, map and preview, run, result, and the rejected rows' download."""

from functools import partial

from flask import Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.exports.writers import download_name
from tracker.extensions import db
from tracker.imports import bp, mapping, parse, services, step
from tracker.imports import values as value_lists
from tracker.imports.forms import ImportForm, MappingForm, UploadForm, values_form
from tracker.imports.models import ImportRun
from tracker.jobs import background
from tracker.outcomes import submit
from tracker.permissions import require

RUN = "import.run"
# A little over the file cap: the multipart envelope around the file.
REQUEST_CAP = parse.MAX_BYTES + 1024 * 1024


@bp.url_value_preprocessor
def _cap_request(_endpoint, _values) -> None:
    # URL preprocessors run before every before_request hook, and the CSRF check in one of them reads the form:
    # the cap must be in place by then, so an oversized body is refused unread (one sent without its length is
    # cut off at the cap).
    if (request.content_length or 0) > REQUEST_CAP:  # no data on the page: who is asking is not checked yet
        abort(make_response(render_template("imports/too_large.html", max_mb=parse.MAX_BYTES // 2**20), 413))
    request.max_content_length = REQUEST_CAP


def _purge_expired() -> None:
    """Remove staged files past their day on every visit to the import pages, not only when someone uploads: they
    hold personal data nobody decided to keep. Committed at once, so a page that then fails still removes them."""
    services.purge_old_uploads()
    db.session.commit()


def _upload_page(form: UploadForm, status: int = 200):
    return render_template("imports/upload.html", form=form, runs=services.recent_runs(),
                           max_mb=parse.MAX_BYTES // 2**20), status


@bp.route("/admin/import", methods=["GET", "POST"])
@require(RUN)
def upload():
    """Upload a CSV of enquiries; it is kept (for a day at most) while its columns are mapped and previewed."""
    _purge_expired()
    form = UploadForm()
    if not form.validate_on_submit():
        return _upload_page(form, 400 if form.is_submitted() else 200)
    sent = form.file.data
    outcome = submit(form, partial(services.store_upload, sent.filename or "", sent.read(parse.MAX_BYTES + 1),
                                   by_id=current_user.id),
                     done=None, to=lambda stored: url_for("imports.mapping_page", token=stored.token),
                     fields={None: "file"})  # a FileError is about the file as a whole: beside its field
    return outcome.response or _upload_page(form, 400)


def _upload_or_404(token: str):
    _purge_expired()
    upload = services.get_upload(token, current_user.id)
    if upload is None:
        abort(404)
    return upload


def _mapping_forms(upload, headers: list[str]) -> tuple[MappingForm, ImportForm]:
    """The mapping from the query string (or the guess from the column names), and the run form carrying it."""
    asked = bool(request.args)
    form = MappingForm(request.args if asked else None, data=None if asked else mapping.guess(headers))
    form.set_columns(headers)
    run_form = ImportForm(formdata=None, data=form.data)
    run_form.set_columns(headers)
    return form, run_form


@bp.route("/admin/import/<token>")
@require(RUN)
def mapping_page(token: str):
    """Choose the column for each field, and preview the first rows with their errors and the file's totals."""
    upload = _upload_or_404(token)
    layout = parse.read_layout(upload.content)
    form, run_form = _mapping_forms(upload, layout.headers)
    result, problems = None, []
    if "preview" in request.args and form.validate():
        try:
            result = services.process(upload.content, upload.file_name, form.chosen(),
                                      preview_rows=services.PREVIEW_ROWS, **services.step_choices(upload))
        except (services.MappingError, parse.FileError) as error:
            problems = getattr(error, "problems", [str(error)])
    return render_template("imports/mapping.html", upload=upload, layout=layout, form=form, run_form=run_form,
                           result=result, problems=problems, fields=mapping.FIELDS,
                           history_days=services.step_choices(upload)["history_days"])


@bp.route("/admin/import/<token>/values", methods=["GET", "POST"])
@require(RUN)
def values_page(token: str):
    """Match each distinct value of the list columns to the clinic's lists, and choose the age of history."""
    upload = _upload_or_404(token)
    layout = parse.read_layout(upload.content)
    columns_form = MappingForm(request.args)
    columns_form.set_columns(layout.headers)
    chosen = columns_form.chosen()
    if not columns_form.validate() or mapping.problems(chosen, layout.headers):
        return redirect(url_for("imports.mapping_page", token=token, preview=1, **chosen))
    columns = value_lists.distinct(upload.content, layout, chosen)
    lists = value_lists.Lists.load()
    offered = step.offer(columns, lists, upload.choices, services.HISTORY_DAYS)
    form = values_form(columns, lists, offered.data, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate() and not step.new_name_problems(form, columns):
        services.save_choices(upload, *step.read(form, columns), form.history_days.data)
        db.session.commit()
        return redirect(url_for("imports.mapping_page", token=token, preview=1, **chosen))
    return render_template("imports/values.html", upload=upload, form=form, offered=offered, chosen=chosen,
                           kinds=value_lists.KIND_LABELS), 400 if request.method == "POST" else 200


def _back_to_preview(token: str, form: ImportForm, message: str):
    """Nothing imported: say why on the preview, with the mapping as it was."""
    db.session.rollback()
    flash(message, "danger")
    return redirect(url_for("imports.mapping_page", token=token, preview=1, **form.chosen()))


@bp.route("/admin/import/<token>/run", methods=["POST"])
@require(RUN)
def run(token: str):
    """Hand the import to a worker (all or nothing, or skipping invalid rows when asked) and show its progress: a
    second click on Import finds the same job."""
    upload = _upload_or_404(token)
    form = ImportForm()
    form.set_columns(parse.read_layout(upload.content).headers)
    if not form.validate():
        return _back_to_preview(token, form, " ".join(e for errors in form.errors.values() for e in errors))
    chosen = form.chosen()
    job = background.start("import", f"import:{upload.token}", f"Import of {upload.file_name}", by_id=current_user.id,
                           params={"upload_id": upload.id, "chosen": chosen, "skip_invalid": form.skip_invalid.data,
                                   "back_url": url_for("imports.mapping_page", token=token, preview=1, **chosen)})
    db.session.commit()
    return redirect(url_for("jobs.progress", job_id=job.id))


@bp.route("/admin/import/runs/<id:run_id>")
@require(RUN)
def result(run_id: int):
    """What a real import did: its counts, and the rejected rows to download if there were any."""
    _purge_expired()
    found = db.get_or_404(ImportRun, run_id)
    kept = services.get_rejected(request.args.get("rejected", ""), current_user.id)
    return render_template("imports/result.html", run=found, rejected=kept)


@bp.route("/admin/import/<token>/rejected.csv")
@require(RUN)
def rejected(token: str):
    """The rows a run skipped, as in the file, with a Reasons column (formula cells made plain text)."""
    _purge_expired()
    kept = services.get_rejected(token, current_user.id)
    if kept is None:
        abort(404)
    name = services.rejected_name(kept)
    return Response(kept.content, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{download_name(name, "csv")}"'})
