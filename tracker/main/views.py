"""Home page and /healthz."""

from flask import jsonify, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tracker.bookings.services import consultations_on, takes_bookings
from tracker.clock import clinic_today, local_day_end, local_day_start
from tracker.enquiries.queries import desk_summary
from tracker.extensions import db
from tracker.main import bp
from tracker.permissions import public, require


@bp.route("/")
@require()
def index():
    """The signed-in user's start page, with the counts of what is waiting for them."""
    summary = desk_summary(current_user.id) if current_user.can("enquiry.view") else None
    if summary is not None and current_user.can("booking.view"):
        own = current_user.id if takes_bookings(current_user) else None
        today = clinic_today()
        summary["consultations_today"] = consultations_on(local_day_start(today), local_day_end(today),
                                                          practitioner_id=own)
    return render_template("main/index.html", summary=summary)


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
