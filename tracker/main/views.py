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
    """200 when the database answers, 503 otherwise; shows no data."""
    if not health.database_answers():
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
