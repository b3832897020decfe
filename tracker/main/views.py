"""Home page and /healthz."""

from flask import jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tracker.extensions import db
from tracker.main import bp
from tracker.permissions import public, require


@bp.route("/")
@require()
def index():
    """The signed-in user's start page."""
    return render_template("main/index.html")


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
