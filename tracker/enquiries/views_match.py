"""Confirming or rejecting an arrived enquiry's possible match with an existing patient (the enquiry page's banner)."""

from functools import partial

from flask import flash, redirect, url_for
from flask_login import current_user

from tracker.enquiries import bp
from tracker.enquiries.loaders import enquiry_or_404
from tracker.extensions import db
from tracker.outcomes import submit
from tracker.patients import merge as merging
from tracker.patients.forms import VersionForm
from tracker.patients.models import Patient
from tracker.permissions import require

OUT_OF_DATE = "The page was out of date; please look again and retry."


def _decide(enquiry_id: int, decide) -> object:
    """Check the enquiry's version, let `decide(enquiry, version)` act and say what it did; commit, flash, back."""
    enquiry = enquiry_or_404(enquiry_id)
    form, back = VersionForm(), url_for("enquiries.detail", enquiry_id=enquiry_id)
    if not form.validate_on_submit():
        flash(OUT_OF_DATE, "warning")
        return redirect(back)
    return submit(form, partial(decide, enquiry, form.version.data), done=lambda message: message, to=back,
                  back=back, alert="warning").response


@bp.route("/enquiries/<id:enquiry_id>/match/confirm", methods=["POST"])
@require("patient.merge")
def confirm_match(enquiry_id: int):
    """Yes, the same person: the enquiry's new record is merged into the existing patient."""
    def merge(enquiry, version):
        summary = merging.confirm_match(enquiry, version=version, by_id=current_user.id)
        kept = db.session.get(Patient, summary["kept"])
        return f"Merged: this enquiry and its record (#{summary['merged']}) are now part of {kept.full_name}."

    return _decide(enquiry_id, merge)


@bp.route("/enquiries/<id:enquiry_id>/match/reject", methods=["POST"])
@require("patient.merge")
def reject_match(enquiry_id: int):
    """No, someone else: the possible match is cleared and the two records stay apart."""
    def reject(enquiry, version):
        merging.reject_match(enquiry, version=version, by_id=current_user.id)
        return "Noted: not the same person. The records stay separate."

    return _decide(enquiry_id, reject)
