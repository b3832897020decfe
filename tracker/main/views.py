"""Home page and /healthz."""

from flask import jsonify, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tracker.clock import clinic_today
from tracker.extensions import db
from tracker.main import bp
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
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
