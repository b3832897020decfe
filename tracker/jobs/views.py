"""A background job's progress page (and its status for the page's script), its file, and the administrator's
page of scheduled jobs."""

from flask import abort, flash, jsonify, redirect, render_template, send_file
from flask_login import current_user

from tracker.db import utcnow
from tracker.jobs import background, bp, files, schedule
from tracker.jobs.models import JobStatus
from tracker.jobs.progress import status_of
from tracker.jobs.queue import QueueUnavailable
from tracker.permissions import require


def _own_or_404(job_id: int):
    job = background.own(job_id, current_user.id)
    if job is None:
        abort(404)
    return job


@bp.route("/jobs")
@require()
def index():
    """The signed-in person's own exports and imports: how each went, and the files still kept."""
    return render_template("jobs/index.html", jobs=background.mine(current_user.id), now=utcnow())


@bp.route("/jobs/<id:job_id>")
@require()
def progress(job_id: int):
    """How far a job has got (rows done of total, elapsed, time left), updating by itself; its outcome at the end."""
    job = _own_or_404(job_id)
    state = status_of(job, utcnow())
    if job.status is JobStatus.DONE and job.result_url and not job.file_path:
        if job.message:
            flash(job.message, "success")
        return redirect(job.result_url)  # an import: its own result page says what came of it
    return render_template("jobs/progress.html", job=job, state=state, file=files.path_of(job) is not None)


@bp.route("/jobs/<id:job_id>/status")
@require()
def status(job_id: int):
    """The progress page's figures, for its script."""
    job = _own_or_404(job_id)
    return jsonify(status_of(job, utcnow()).as_dict())


@bp.route("/jobs/<id:job_id>/file")
@require()
def download(job_id: int):
    """The job's file, for the person who asked, while it is kept (sent from disk: no page work waits on it)."""
    job = _own_or_404(job_id)
    path = files.path_of(job)
    if path is None:
        abort(404)
    return send_file(path, as_attachment=True, download_name=job.file_name, max_age=0)


@bp.route("/admin/jobs")
@require("jobs.manage")
def admin():
    """Each scheduled job with its times and last outcome, and the latest background jobs."""
    return render_template("jobs/admin.html", rows=schedule.overview(utcnow()), jobs=background.recent())


@bp.app_errorhandler(QueueUnavailable)
def queue_unavailable(_error):
    """The queue cannot take work: say so plainly; the request saved nothing."""
    return render_template("jobs/unavailable.html"), 503
