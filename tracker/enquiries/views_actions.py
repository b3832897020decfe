"""Steps taken from the enquiry page: stage changes, contact attempts, notes, archive and restore."""

from functools import partial

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from tracker.enquiries import bp, services
from tracker.enquiries.forms import ContactForm, NoteForm, StageForm
from tracker.enquiries.loaders import enquiry_or_404
from tracker.enquiries.models import ContactOutcome
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.outcomes import submit
from tracker.patients.forms import VersionForm
from tracker.permissions import require
from tracker.settings import services as settings
from tracker.settings.models import OptionKind


def _url(enquiry_id: int) -> str:
    return url_for("enquiries.detail", enquiry_id=enquiry_id)


def _back(enquiry_id: int):
    return redirect(_url(enquiry_id))


def _invalid(form, enquiry_id: int):
    """A step's form did not validate: say why on the enquiry page (nothing was saved)."""
    for errors in form.errors.values():
        for error in errors:
            flash(error, "danger")
    return _back(enquiry_id)


@bp.route("/enquiries/<id:enquiry_id>/stage", methods=["POST"])
@require("enquiry.edit")
def change_stage(enquiry_id: int):
    """Move the enquiry along the pipeline, mark it lost (with a reason) or reopen it."""
    enquiry = enquiry_or_404(enquiry_id)
    form = StageForm()
    form.set_reasons(settings.options(OptionKind.LOST_REASON))
    if not form.validate_on_submit():
        return _invalid(form, enquiry.id)
    reason = settings.active_option(OptionKind.LOST_REASON, form.lost_reason_id.data)
    change = partial(services.change_stage, enquiry, Stage(form.to_stage.data), version=form.version.data,
                     by_id=current_user.id, note=(form.note.data or "").strip() or None, lost_reason=reason)
    return submit(form, change, done=lambda _: f"Now {enquiry.stage.label.lower()}.", to=_url(enquiry.id),
                  back=_url(enquiry.id)).response


@bp.route("/enquiries/<id:enquiry_id>/contact", methods=["POST"])
@require("enquiry.edit")
def log_contact(enquiry_id: int):
    """Log a call-back or message and what came of it."""
    enquiry = enquiry_or_404(enquiry_id)
    form = ContactForm()
    if not form.validate_on_submit():
        return _invalid(form, enquiry.id)
    outcome = ContactOutcome(form.outcome.data)
    services.record_contact(enquiry, outcome, by_id=current_user.id, note=(form.note.data or "").strip() or None)
    db.session.commit()
    flash(f"Logged: {outcome.label.lower()}.", "success")
    return _back(enquiry.id)


@bp.route("/enquiries/<id:enquiry_id>/notes", methods=["POST"])
@require("enquiry.edit")
def add_note(enquiry_id: int):
    """Add a note to the timeline."""
    enquiry = enquiry_or_404(enquiry_id)
    form = NoteForm()
    if not form.validate_on_submit() or not form.body.data.strip():
        form.body.errors = list(form.body.errors) or ["Write the note."]
        return _invalid(form, enquiry.id)
    services.add_note(enquiry, form.body.data, by_id=current_user.id)
    db.session.commit()
    flash("Note added.", "success")
    return _back(enquiry.id)


@bp.route("/enquiries/<id:enquiry_id>/archive", methods=["POST"])
@require("enquiry.edit")
def archive(enquiry_id: int):
    """Take the enquiry out of lists and counts (a duplicate or spam); a manager can restore it."""
    enquiry = enquiry_or_404(enquiry_id)
    form = VersionForm()
    if not form.validate_on_submit():
        return _invalid(form, enquiry.id)
    services.archive(enquiry, version=form.version.data)
    db.session.commit()
    flash("Enquiry archived. A manager can restore it from Archived records.", "success")
    return redirect(url_for("patients.detail", patient_id=enquiry.patient_id))


@bp.route("/enquiries/<id:enquiry_id>/restore", methods=["POST"])
@require("record.restore")
def restore(enquiry_id: int):
    """Bring an archived enquiry back."""
    enquiry = services.get_enquiry(enquiry_id, archived=True) or abort(404)
    form = VersionForm()
    if not form.validate_on_submit():
        return _invalid(form, enquiry.id)
    return submit(form, partial(services.restore, enquiry, version=form.version.data), done="Enquiry restored.",
                  to=_url(enquiry.id), back=url_for("enquiries.archived")).response



