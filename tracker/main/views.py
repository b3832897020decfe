"""Home page and /healthz."""

from flask import jsonify, render_template
from flask_login import current_user

from tracker.clock import clinic_today
from tracker.main import bp, health
from tracker.main.home import home_for
from tracker.permissions import public, require


@bp.route("/")
@require()
def index():
    """The signed-in user's start page: today's work for their role, not a copy of the navigation."""
    return render_template("main/index.html", home=home_for(current_user, clinic_today()))


@bp.route("/healthz")
@public
def healthz():
    """200 when the database and the task queue answer, 503 otherwise, with how long the oldest waiting job has
    waited (a monitor alerts when it grows: no worker is running); shows no data."""
    report = health.report()
    return jsonify(report), 200 if report["status"] == "ok" else 503
