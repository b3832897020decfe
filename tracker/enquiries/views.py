"""Logging a new enquiry, the enquiry page and editing an enquiry."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.bookings import services as bookings
from tracker.catalogue.services import treatments_by_id
from tracker.clock import local_to_utc
from tracker.enquiries import bp, choices, services, timeline
from tracker.enquiries.forms import ContactForm, EnquiryForm, NoteForm, QuickLogForm, StageForm
from tracker.enquiries.models import Channel, Concern
from tracker.enquiries.stages import manual_next_stages
from tracker.errors import ConflictError
from tracker.extensions import db
from tracker.forms import conflict_differences, take_current_version
from tracker.patients import services as patients
from tracker.patients.forms import VersionForm
from tracker.permissions import require
from tracker.settings import services as settings
from tracker.settings.models import OptionKind


def enquiry_or_404(enquiry_id: int):
    """The enquiry, unless missing or archived."""
    return services.get_enquiry(enquiry_id) or abort(404)


def _details(form) -> services.EnquiryDetails:
    return services.EnquiryDetails(
        channel=Channel(form.channel.data),
        received_at=local_to_utc(form.received_at.data),
        source=settings.active_option(OptionKind.SOURCE, form.source_id.data),
        concerns=[Concern(c) for c in form.concerns.data or []],
        caller_words=(form.caller_words.data or "").strip() or None,
        treatments=treatments_by_id(form.treatment_ids.data or []),
        assigned_to_id=form.assigned_to_id.data,
    )


def _quick_log_matches(form) -> list:
    phones = [patients.parse_phone_or_none(form.phone.data), patients.parse_phone_or_none(form.phone_alt.data)]
    return patients.find_matches(phones=phones, email=patients.parse_email_or_none(form.email.data),
                                 first_name=form.first_name.data or "", last_name=form.last_name.data or "",
                                 date_of_birth=form.date_of_birth.data if not form.date_of_birth.errors else None)


@bp.route("/enquiries/new", methods=["GET", "POST"])
@require("enquiry.edit")
def new():
    """Quick log: a new enquiry from a new caller or an existing patient."""
    form = QuickLogForm()
    choices.fill(form)
    attach = request.form.get("attach_patient", type=int)
    if attach and patients.get_patient(attach):
        form.patient_id.data, form.patient_id.raw_data = attach, [str(attach)]  # shown again, attached to them
        return render_template("enquiries/new.html", form=form, patient=patients.get_patient(attach), matches=[])
    patient = patients.get_patient(form.patient_id.data) if form.patient_id.data else None
    matches = _quick_log_matches(form) if request.method == "POST" and patient is None else []
    valid = form.validate_on_submit()
    valid = (request.method == "POST" and (patient is not None or form.require_person())) and valid
    if valid:
        if patient is None and any(m.strong for m in matches) and not form.confirm_new.data:
            form.confirm_new.errors.append("Someone with this phone number or e-mail is already a patient: "
                                           "use them, or tick this box to create a new patient anyway.")
        else:
            patient = patient or patients.create_patient(form.patient_details())
            enquiry = services.log_enquiry(patient, _details(form), by_id=current_user.id,
                                           spoken_to=form.spoken_to.data)
            db.session.commit()
            flash(f"Enquiry logged for {patient.full_name}.", "success")
            return redirect(url_for("enquiries.detail", enquiry_id=enquiry.id))
    return render_template("enquiries/new.html", form=form, patient=patient, matches=matches)


@bp.route("/enquiries/<id:enquiry_id>")
@require("enquiry.view")
def detail(enquiry_id: int):
    """The enquiry: patient card, stage and next steps, bookings and the timeline."""
    enquiry = enquiry_or_404(enquiry_id)
    appointments = bookings.for_enquiry(enquiry.id)
    stage_form = StageForm(version=enquiry.version)
    stage_form.set_reasons(settings.options(OptionKind.LOST_REASON))
    return render_template("enquiries/detail.html", enquiry=enquiry, appointments=appointments,
                           entries=timeline.timeline(enquiry.id, appointments),
                           next_stages=manual_next_stages(enquiry), stage_form=stage_form,
                           contact_form=ContactForm(), note_form=NoteForm(), version_form=VersionForm())


@bp.route("/enquiries/<id:enquiry_id>/edit", methods=["GET", "POST"])
@require("enquiry.edit")
def edit(enquiry_id: int):
    """Change what the enquiry is about, where it came from, or who handles it."""
    enquiry = enquiry_or_404(enquiry_id)
    form = EnquiryForm(data=_form_data(enquiry))
    choices.fill(form)
    if form.validate_on_submit():
        try:
            services.update_enquiry(enquiry, _details(form), version=form.version.data)
        except ConflictError as error:
            current = EnquiryForm(formdata=None, data=_form_data(enquiry))
            choices.fill(current)
            db.session.rollback()
            take_current_version(form, enquiry)
            form.form_errors.append(error.message)
            return render_template("enquiries/edit.html", form=form, enquiry=enquiry,
                                   differences=conflict_differences(form, current)), 409
        db.session.commit()
        flash("Enquiry saved.", "success")
        return redirect(url_for("enquiries.detail", enquiry_id=enquiry.id))
    return render_template("enquiries/edit.html", form=form, enquiry=enquiry, differences=[])


def _form_data(enquiry) -> dict:
    from tracker.clock import to_clinic

    return {"channel": enquiry.channel.value, "source_id": enquiry.source_id,
            "concerns": [c.value for c in enquiry.concerns], "caller_words": enquiry.caller_words,
            "treatment_ids": [t.id for t in enquiry.treatments],
            "received_at": to_clinic(enquiry.received_at).replace(tzinfo=None),
            "assigned_to_id": enquiry.assigned_to_id, "version": enquiry.version}
