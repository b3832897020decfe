"""Booking a consultation; moving, cancelling and marking any booking (sessions too); the upcoming list."""

from datetime import datetime, time
from functools import partial
from itertools import groupby

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from tracker.bookings import bp, free, queries, services
from tracker.bookings.forms import AppointmentStepForm, CancelForm, FinderForm, RebookForm, SlotForm, UpcomingFilterForm
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.clock import local_to_utc, to_clinic
from tracker.db import utcnow
from tracker.enquiries.loaders import enquiry_or_404
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.outcomes import submit
from tracker.pagination import none_of, paginate
from tracker.permissions import require
from tracker.settings.models import OptionKind
from tracker.settings.services import clinic_settings, options

PER_PAGE = 50
UPCOMING_DEPTH = 500  # the next 500 are counted and paged through; a specialist filter narrows them
_FIELD_FOR = {"starts_at": "time", "practitioner": "specialist", "reason": "reason", "outside_hours": "time",
              "outside_hours_reason": "outside_hours_reason"}


# --- helpers ------------------------------------------------------------------------------

def _appointment_or_404(appointment_id: int) -> tuple[Appointment, Enquiry]:
    """The appointment with its people and room loaded, and its enquiry (404 if archived)."""
    appointment = db.session.get(Appointment, appointment_id, populate_existing=True, options=[
        joinedload(Appointment.practitioner), joinedload(Appointment.room),
        joinedload(Appointment.plan_item)]) or abort(404)
    return appointment, enquiry_or_404(appointment.enquiry_id)


def _fill_choices(form: SlotForm, appointment: Appointment | None = None) -> dict:
    """The specialist and room lists (a rebooked appointment keeps its retired room); returns them by id."""
    staff, rooms = services.specialists(), options(OptionKind.ROOM)
    if appointment is not None and appointment.room is not None and not appointment.room.active:
        rooms.append(appointment.room)
    placeholder = [("", "— choose a specialist —")] if len(staff) != 1 else []
    form.specialist.choices = placeholder + [(u.id, u.full_name) for u in staff]
    form.room.choices = [("", "— none —")] + [(r.id, r.label if r.active else f"{r.label} (retired)")
                                              for r in rooms]
    if len(staff) == 1 and form.specialist.data is None:
        form.specialist.data = staff[0].id
    return {"staff": {u.id: u for u in staff}, "rooms": {r.id: r for r in rooms}}


def _slot(form: SlotForm, lists: dict) -> services.Slot:
    return services.Slot(starts_at=form.starts_at(), minutes=form.minutes.data,
                         practitioner=lists["staff"][form.specialist.data], room=lists["rooms"].get(form.room.data),
                         outside_hours_reason=form.override_reason())


def _day_diary(form: SlotForm, ignoring: Appointment | None = None) -> list[Appointment]:
    """The chosen specialist's other bookings on the chosen day, when both are known."""
    if not form.date.data or form.date.errors or form.specialist.data is None or form.specialist.errors:
        return []
    return queries.day_diary(form.specialist.data, form.date.data, ignoring.id if ignoring is not None else None)


def _when(appointment: Appointment) -> str:
    return f"{to_clinic(appointment.starts_at):%d/%m/%Y at %H:%M}"


def _page_of(appointment: Appointment) -> str:
    """Where the booking is listed: a treatment session on its plan's page, a consultation on its enquiry's."""
    if appointment.kind is AppointmentKind.TREATMENT_SESSION:
        return url_for("plans.detail", plan_id=appointment.plan_item.plan_id)
    return url_for("enquiries.detail", enquiry_id=appointment.enquiry_id)


def _finder(lists: dict, minutes: int) -> tuple[FinderForm, list]:
    """The next-free-slots finder (a GET form on the booking page) and, when asked, the slots it found."""
    asked = "find-minutes" in request.args
    finder = FinderForm(request.args if asked else None, minutes=minutes, prefix="find")
    finder.specialist.choices = [("", "Any specialist")] + [(u.id, u.full_name) for u in lists["staff"].values()]
    if not asked or not finder.validate():
        return finder, []
    chosen = [lists["staff"][finder.specialist.data]] if finder.specialist.data else list(lists["staff"].values())
    after = utcnow()
    if finder.after.data:
        after = max(after, local_to_utc(datetime.combine(finder.after.data, time.min)))
    return finder, free.next_free(chosen, finder.minutes.data, after, count=8)


# --- booking, re-booking and cancelling ---------------------------------------------------

@bp.route("/enquiries/<id:enquiry_id>/consultations/new", methods=["GET", "POST"])
@require("booking.edit")
def book(enquiry_id: int):
    """Book a consultation for an enquiry; it moves to consultation booked. A GET may fill the form (a diary
    slot, a free slot found) and find the next free slots."""
    enquiry = enquiry_or_404(enquiry_id)
    minutes = clinic_settings().consultation_minutes
    filled = request.method == "GET" and "date" in request.args
    form = SlotForm(request.args, minutes=minutes) if filled else SlotForm(minutes=minutes)
    lists = _fill_choices(form)
    finder, found = _finder(lists, minutes)
    if form.validate_on_submit():
        outcome = submit(form, partial(services.book_consultation, enquiry, _slot(form, lists), by_id=current_user.id),
                         done=lambda new: (f"Consultation booked for {enquiry.patient.full_name} with "
                                           f"{lists['staff'][new.practitioner_id].full_name} on {_when(new)}"),
                         to=url_for("enquiries.detail", enquiry_id=enquiry_id), fields=_FIELD_FOR)
        if outcome.response:
            return outcome.response
        enquiry = enquiry_or_404(enquiry_id)
    return render_template("bookings/book.html", form=form, enquiry=enquiry, appointment=None,
                           diary=_day_diary(form), finder=finder, found=found)


@bp.route("/bookings/<id:appointment_id>/rebook", methods=["GET", "POST"])
@require("booking.edit")
def rebook(appointment_id: int):
    """Move a booking; the old one is kept, marked rebooked."""
    appointment, enquiry = _appointment_or_404(appointment_id)
    if request.method == "GET" and appointment.status is not AppointmentStatus.BOOKED:
        return _not_booked(appointment, "moved")
    local = to_clinic(appointment.starts_at)
    form = RebookForm(date=local.date(), time=local.time(), minutes=appointment.minutes,
                      specialist=appointment.practitioner_id, room=appointment.room_id, version=appointment.version)
    lists, status = _fill_choices(form, appointment), 200
    if form.validate_on_submit():
        outcome = submit(form, partial(services.rebook, appointment, _slot(form, lists), by_id=current_user.id,
                                       version=form.version.data),
                         done=lambda new: (f"{appointment.kind.label} moved to {_when(new)} with "
                                           f"{lists['staff'][new.practitioner_id].full_name}."),
                         to=lambda _: _page_of(appointment), fields=_FIELD_FOR)
        if outcome.response:
            return outcome.response
        status = outcome.status
        appointment, enquiry = _appointment_or_404(appointment_id)
    return render_template("bookings/book.html", form=form, enquiry=enquiry, appointment=appointment,
                           diary=_day_diary(form, appointment)), status


@bp.route("/bookings/<id:appointment_id>/cancel", methods=["GET", "POST"])
@require("booking.edit")
def cancel(appointment_id: int):
    """Cancel a booking with a reason; it stays in the enquiry's history."""
    appointment, enquiry = _appointment_or_404(appointment_id)
    if request.method == "GET" and appointment.status is not AppointmentStatus.BOOKED:
        return _not_booked(appointment, "cancelled")
    form, status = CancelForm(version=appointment.version), 200
    if form.validate_on_submit():
        outcome = submit(form, partial(services.cancel, appointment, form.reason.data, by_id=current_user.id,
                                       version=form.version.data),
                         done=lambda _: f"{appointment.kind.label} on {_when(appointment)} cancelled.",
                         to=lambda _: _page_of(appointment), fields=_FIELD_FOR)
        if outcome.response:
            return outcome.response
        status = outcome.status
        appointment, enquiry = _appointment_or_404(appointment_id)
    return render_template("bookings/cancel.html", form=form, enquiry=enquiry, appointment=appointment), status


def _not_booked(appointment: Appointment, verb: str):
    flash(f"This appointment is {appointment.status.label.lower()}, so it cannot be {verb}.", "warning")
    return redirect(_page_of(appointment))


# --- attended / did not attend ------------------------------------------------------------

def _mark(appointment_id: int, step, done: str):
    appointment, enquiry = _appointment_or_404(appointment_id)
    back = _page_of(appointment)
    form = AppointmentStepForm()
    if not form.validate_on_submit():
        flash("The page was out of date; please try again.", "warning")
        return redirect(back)
    message = done.format(patient=enquiry.patient.full_name, what=appointment.kind.label.lower(),
                          when=_when(appointment))
    return submit(form, partial(step, appointment, by_id=current_user.id, version=form.version.data),
                  done=message, to=back, back=back).response  # ConflictError: the 409 page


@bp.route("/bookings/<id:appointment_id>/attended", methods=["POST"])
@require("booking.edit")
def attended(appointment_id: int):
    """The patient came; the enquiry moves to consulted."""
    return _mark(appointment_id, services.mark_attended, "{patient} attended the {what} on {when}.")


@bp.route("/bookings/<id:appointment_id>/did-not-attend", methods=["POST"])
@require("booking.edit")
def did_not_attend(appointment_id: int):
    """The patient did not come; the enquiry steps back (see services.mark_did_not_attend)."""
    return _mark(appointment_id, services.mark_did_not_attend, "{patient} did not attend the {what} on {when}.")


# --- upcoming -----------------------------------------------------------------------------

@bp.route("/consultations")
@require("booking.view")
def upcoming():
    """Booked consultations from now, soonest first, by day; a specialist sees their own first."""
    staff = services.specialists()
    own = current_user.id in {u.id for u in staff}
    form = UpcomingFilterForm(request.args, specialist=str(current_user.id) if own else "all")
    form.specialist.choices = [("all", "All specialists")] + [(str(u.id), u.full_name) for u in staff]
    valid = form.validate() if "specialist" in request.args else True
    chosen = int(form.specialist.data) if valid and form.specialist.data != "all" else None
    stmt = services.upcoming_statement(practitioner_id=chosen, since=utcnow())
    page = paginate(stmt if valid else none_of(stmt), PER_PAGE, depth=UPCOMING_DEPTH)
    days = [(day, list(rows)) for day, rows in groupby(page.items, key=lambda a: to_clinic(a.starts_at).date())]
    filters = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("bookings/upcoming.html", form=form, page=page, days=days, filters=filters,
                           chosen=next((u for u in staff if u.id == chosen), None))
