"""Logging a new enquiry, the enquiry page and editing an enquiry."""

from functools import partial
from urllib.parse import parse_qs

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.audit import services as audit
from tracker.catalogue.services import treatments_by_id
from tracker.clock import local_to_utc, to_clinic
from tracker.enquiries import bp, choices, hooks, services, timeline
from tracker.enquiries.forms import ContactForm, EnquiryForm, NoteForm, QuickLogForm, StageForm
from tracker.enquiries.loaders import enquiry_or_404
from tracker.enquiries.models import Channel, Concern
from tracker.extensions import db
from tracker.forms import conflict_differences, take_current_version
from tracker.outcomes import submit
from tracker.patients import merge as patient_merge
from tracker.patients import services as patients
from tracker.patients.forms import VersionForm
from tracker.permissions import require
from tracker.settings import services as settings
from tracker.settings.models import OptionKind


def _details(form, enquiry=None) -> services.EnquiryDetails:
    """The enquiry a valid form describes; on an edit, what it already had (a retired source, the exact
    received time) is kept when the form leaves it as shown."""
    source = settings.active_option(OptionKind.SOURCE, form.source_id.data)
    received_at = local_to_utc(form.received_at.data)
    if enquiry is not None:
        if source is None and form.source_id.data == enquiry.source_id:
            source = enquiry.source
        if form.received_at.data == _local_minute(enquiry.received_at):
            received_at = enquiry.received_at  # unchanged: keep it (a time in the repeated autumn hour, seconds)
    return services.EnquiryDetails(
        channel=Channel(form.channel.data),
        received_at=received_at,
        source=source,
        concerns=[Concern(c) for c in form.concerns.data or []],
        caller_words=(form.caller_words.data or "").strip() or None,
        treatments=treatments_by_id(form.treatment_ids.data or [], keeping=enquiry.treatments if enquiry else ()),
        assigned_to_id=form.assigned_to_id.data,
    )


def _local_minute(value):
    """A UTC time as the clinic wall-clock minute a form shows it."""
    return to_clinic(value).replace(tzinfo=None, second=0, microsecond=0)


def _quick_log_matches(form) -> list:
    phones = [patients.parse_phone_or_none(form.phone.data), patients.parse_phone_or_none(form.phone_alt.data)]
    return patients.find_matches(phones=phones, email=patients.parse_email_or_none(form.email.data),
                                 first_name=form.first_name.data or "", last_name=form.last_name.data or "",
                                 date_of_birth=form.date_of_birth.data if not form.date_of_birth.errors else None)


def _chosen_slot() -> dict:
    """The free slot picked on the quick log (date, time, minutes, specialist), as the booking form's arguments."""
    chosen = parse_qs(request.form.get("book_slot", "")[:200])
    return {key: chosen[key][0][:20] for key in ("date", "time", "minutes", "specialist") if key in chosen}


def _attach(form):
    """The quick log's "use this patient": the form again, attached to them (or why not)."""
    attach = request.form.get("attach_patient", type=int)
    chosen = patients.get_patient(attach) if attach else None
    if chosen is None:
        form.form_errors.append("That patient is no longer on the list (archived or merged); search again.")
    else:
        form.patient_id.data, form.patient_id.raw_data = attach, [str(attach)]
    return render_template("enquiries/new.html", form=form, patient=chosen, matches=[])


def _logged(enquiry, patient):
    """After the quick log: a free slot chosen goes to its booking form, filled; else to the new enquiry."""
    flash(f"Enquiry logged for {patient.full_name}.", "success")
    slot = _chosen_slot()
    if slot and current_user.can("booking.edit"):
        return redirect(url_for("bookings.book", enquiry_id=enquiry.id, **slot))
    return redirect(url_for("enquiries.detail", enquiry_id=enquiry.id))


@bp.route("/enquiries/new", methods=["GET", "POST"])
@require("enquiry.edit")
def new():
    """Quick log: a new enquiry from a new caller or an existing patient."""
    form = QuickLogForm()
    choices.fill(form)
    if "attach_patient" in request.form:
        return _attach(form)
    patient = patients.get_patient(form.patient_id.data) if form.patient_id.data else None
    matches = _quick_log_matches(form) if request.method == "POST" and patient is None else []
    valid = form.validate_on_submit()
    valid = (request.method == "POST" and (patient is not None or form.require_person())) and valid
    if valid and patient is None and patients.unconfirmed_duplicate(matches, form.confirm_new.data):
        form.confirm_new.errors.append("Someone with this phone number or e-mail is already a patient: "
                                       "use them, or tick this box to create a new patient anyway.")
    elif valid:
        patient = patient or patients.create_patient(form.patient_details())
        enquiry = services.log_enquiry(patient, _details(form), by_id=current_user.id, spoken_to=form.spoken_to.data)
        db.session.commit()
        return _logged(enquiry, patient)
    return render_template("enquiries/new.html", form=form, patient=patient, matches=matches)


def _own_ids(form, prefix: str):
    """Give each of a form's fields an id of its own ("lost-note"), its label pointing at it: the enquiry page
    holds several forms whose fields share names (note, csrf_token), and an id may be used once."""
    for f in form:
        f.id = f"{prefix}-{f.name}"
        f.label.field_id = f.id
    return form


@bp.route("/enquiries/<id:enquiry_id>")
@require("enquiry.view")
def detail(enquiry_id: int):
    """The enquiry: a header that stays in view, follow-ups, stage and next steps, consultations, plans and their
    sessions (each feature's panel, hooks.page_parts), and the timeline (people's actions; all with ?timeline=all)."""
    enquiry = enquiry_or_404(enquiry_id)
    clinical = current_user.can("assessment.view")
    parts = hooks.page_parts.ask(enquiry, clinical=clinical)
    values = {key: value for part in parts for key, value in part.values.items()}
    panels = {slot: [template for part in parts for at, template in part.panels if at == slot]
              for slot in (hooks.WORK, hooks.RECORDS)}
    stage_form = _own_ids(StageForm(version=enquiry.version), "lost")
    stage_form.set_reasons(settings.options(OptionKind.LOST_REASON))
    entries = timeline.timeline(enquiry.id, clinical=clinical, loaded=values)
    all_entries = request.args.get("timeline") == "all"
    page = render_template("enquiries/detail.html", enquiry=enquiry, **values, panels=panels, entries=entries,
                           shown_entries=entries if all_entries else timeline.people_only(entries),
                           all_entries=all_entries, next_stages=services.stage_buttons(enquiry),
                           stage_form=stage_form, contact_form=_own_ids(ContactForm(), "contact"),
                           note_form=_own_ids(NoteForm(), "note"), version_form=VersionForm(),
                           match=patient_merge.possible_match(enquiry))
    if any(part.clinical for part in parts):  # the page showed this reader clinical detail: the view is audited
        audit.record_view_after_reading(enquiry, "clinical timeline")
    return page


@bp.route("/enquiries/<id:enquiry_id>/edit", methods=["GET", "POST"])
@require("enquiry.edit")
def edit(enquiry_id: int):
    """Change what the enquiry is about, where it came from, or who handles it."""
    enquiry = enquiry_or_404(enquiry_id)
    form = EnquiryForm(data=_form_data(enquiry))
    choices.fill(form, enquiry)
    if form.validate_on_submit():
        outcome = submit(form, partial(services.update_enquiry, enquiry, _details(form, enquiry),
                                       version=form.version.data),
                         done="Enquiry saved.", to=url_for("enquiries.detail", enquiry_id=enquiry.id))
        if outcome.response:
            return outcome.response
        if outcome.status == 409:
            current = EnquiryForm(formdata=None, data=_form_data(enquiry))
            choices.fill(current, enquiry)
            take_current_version(form, enquiry)
            return render_template("enquiries/edit.html", form=form, enquiry=enquiry,
                                   differences=conflict_differences(form, current)), 409
    return render_template("enquiries/edit.html", form=form, enquiry=enquiry, differences=[])


def _form_data(enquiry) -> dict:
    """The form's fields as the enquiry stands."""
    return {"channel": enquiry.channel.value, "source_id": enquiry.source_id,
            "concerns": [c.value for c in enquiry.concerns], "caller_words": enquiry.caller_words,
            "treatment_ids": [t.id for t in enquiry.treatments],
            "received_at": _local_minute(enquiry.received_at),
            "assigned_to_id": enquiry.assigned_to_id, "version": enquiry.version}
