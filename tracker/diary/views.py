"""The diary page (a server-drawn day list that FullCalendar enhances), its events feed, and moving a block."""

import json
from datetime import date, datetime, time, timedelta
from itertools import groupby

from flask import jsonify, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from tracker.bookings import free
from tracker.bookings import services as bookings
from tracker.bookings.forms import FinderForm
from tracker.bookings.models import Appointment, AppointmentKind
from tracker.clock import clinic_today, local_to_utc, to_clinic
from tracker.db import utcnow
from tracker.diary import FULLCALENDAR_VERSION, bp, queries
from tracker.diary.forms import DayForm, MoveForm
from tracker.enquiries.services import get_enquiry
from tracker.errors import ConflictError
from tracker.extensions import db
from tracker.permissions import require
from tracker.policy import CONTENT_SECURITY_POLICY
from tracker.settings.hours import Week
from tracker.settings.models import OptionKind
from tracker.settings.services import clinic_settings, options

# FullCalendar keeps its styles in its script and adds them through an empty <style> element's CSSOM; the policy
# allows exactly that empty element (the hash of no text), never inline style text. Its small icon font is a
# data: URL inside those styles.
EMPTY_STYLE = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
DIARY_POLICY = (CONTENT_SECURITY_POLICY.replace("style-src 'self'", f"style-src 'self' {EMPTY_STYLE}")
                .replace("font-src 'self'", "font-src 'self' data:"))


NO_ROOM = "none"  # the room view's column for bookings without a room


def _by_room() -> bool:
    """Whether the diary is asked for a column per room (?by=room) instead of one per specialist."""
    return request.args.get("by") == "room"


def _event(appointment: Appointment, editable: bool, by_room: bool = False) -> dict:
    """One block: who (first name and initial), what kind, when (clinic wall clock); never clinical detail."""
    movable = editable and queries.movable(appointment)
    if by_room:
        column = str(appointment.room_id) if appointment.room_id else NO_ROOM
    else:
        column = str(appointment.practitioner_id)
    return {"id": str(appointment.id), "resourceId": column,
            "title": f"{queries.short_name(appointment)} · {appointment.kind.label}",
            "start": queries.wall_clock(appointment.starts_at), "end": queries.wall_clock(appointment.ends_at),
            "url": url_for("enquiries.detail", enquiry_id=appointment.enquiry_id),
            "editable": movable, "classNames": [f"diary-{appointment.kind.value}", f"diary-{appointment.status.value}"],
            "extendedProps": {"version": appointment.version, "status": appointment.status.label,
                              "room": appointment.room.label if appointment.room else None,
                              "move": url_for("diary.move", appointment_id=appointment.id) if movable else None}}


def _range() -> tuple[date, date] | None:
    """The clinic-local days the feed is asked for (FullCalendar's start and exclusive end); None if unreadable."""
    try:
        first = date.fromisoformat(request.args.get("start", "")[:10])
        last = date.fromisoformat(request.args.get("end", "")[:10]) - timedelta(days=1)
    except ValueError:
        return None
    if last < first or (last - first).days >= queries.MAX_DAYS:
        return None
    return first, last


@bp.route("/diary/events")
@require("booking.view")
def events():
    """The bookings in the visible range as FullCalendar events (at most MAX_DAYS days, MAX_EVENTS events)."""
    days = _range()
    if days is None:
        return jsonify(error=f"Give start and end dates at most {queries.MAX_DAYS} days apart."), 400
    by_room = _by_room()
    editable = current_user.can("booking.edit") and not by_room  # blocks move between specialists' columns
    return jsonify([_event(a, editable, by_room) for a in queries.in_range(*days)])


def _resources(by_room: bool) -> list[dict]:
    """The diary's columns: each active specialist, or each active room and one for bookings without a room."""
    if by_room:
        rooms = [{"id": str(o.id), "title": o.label} for o in options(OptionKind.ROOM)]
        return [*rooms, {"id": NO_ROOM, "title": "No room"}]
    return [{"id": str(u.id), "title": u.full_name} for u in bookings.specialists()]


@bp.route("/diary")
@require("booking.view")
def index():
    """The diary: a column per specialist; without JavaScript, the day's bookings listed per specialist."""
    form = DayForm(request.args)
    valid = form.validate()
    day = form.date.data if valid and form.date.data else clinic_today()
    enquiry = get_enquiry(form.enquiry.data) if valid and form.enquiry.data else None
    week = Week.load()
    rows = queries.in_range(day, day)
    by_specialist = [(name, list(group)) for name, group in
                     groupby(sorted(rows, key=lambda a: (a.practitioner.full_name, a.starts_at)),
                             key=lambda a: a.practitioner.full_name)]
    first, last = queries.visible_hours(week)
    by_room = _by_room()
    can_book = current_user.can("booking.edit") and not by_room  # rooms are for seeing; booking is per specialist
    settings = {
        "events": url_for("diary.events", by="room" if by_room else None), "resources": _resources(by_room),
        "date": day.isoformat(),
        "businessHours": queries.business_hours(week), "slotMinTime": first, "slotMaxTime": last,
        "minutes": clinic_settings().consultation_minutes, "editable": can_book,
        "book": url_for("bookings.book", enquiry_id=enquiry.id) if enquiry and can_book else None,
        "quickLog": url_for("enquiries.new") if can_book and current_user.can("enquiry.edit") else None,
    }
    page = render_template("diary/index.html", day=day, enquiry=enquiry, by_specialist=by_specialist, form=form,
                           by_room=by_room,
                           hours=week.hours_on(day), settings=json.dumps(settings), version=FULLCALENDAR_VERSION,
                           links={"previous": day - timedelta(days=1), "today": clinic_today(),
                                  "next": day + timedelta(days=1)})
    return page, 200, {"Content-Security-Policy": DIARY_POLICY}


@bp.route("/diary/appointments/<id:appointment_id>/move", methods=["POST"])
@require("booking.edit")
def move(appointment_id: int):
    """Move a block that was dragged: through the same rebooking rules as the form; JSON says how it went."""
    appointment = db.session.get(Appointment, appointment_id, options=[joinedload(Appointment.room)])
    if appointment is None or get_enquiry(appointment.enquiry_id) is None:
        return jsonify(ok=False, message="This booking is no longer in the diary; reload it."), 404
    form = MoveForm()
    if not form.validate():
        return jsonify(ok=False, message=form.first_error()), 422
    practitioner_id = form.specialist.data or appointment.practitioner_id
    staff = {u.id: u for u in bookings.specialists()}
    if practitioner_id not in staff:
        return jsonify(ok=False, message="Choose an active specialist's column."), 422
    slot = bookings.Slot(form.starts_at(), form.minutes.data, staff[practitioner_id], appointment.room)
    try:
        new = bookings.rebook(appointment, slot, by_id=current_user.id, version=form.version.data)
    except ConflictError as error:
        db.session.rollback()
        who = error.changed_by or "someone else"
        return jsonify(ok=False, message=f"This booking was changed by {who} meanwhile, so it was not moved; "
                                         "the diary shows it as it is now."), 409
    except bookings.BookingError as error:
        db.session.rollback()
        return jsonify(ok=False, message=str(error)), 422
    what = "Consultation" if new.kind is AppointmentKind.CONSULTATION else "Treatment session"
    message = f"{what} moved to {to_clinic(new.starts_at):%d/%m/%Y %H:%M} with {staff[practitioner_id].full_name}."
    db.session.commit()
    return jsonify(ok=True, message=message, id=str(new.id))


@bp.route("/diary/free")
@require("booking.view")
def free_slots():
    """The next free slots for a specialist (or any) and a length: a page, or the quick log's panel (fragment=1)."""
    staff = bookings.specialists()
    asked = "find-minutes" in request.args  # else the defaults: any specialist, a consultation's length, from now
    finder = FinderForm(request.args if asked else None, minutes=clinic_settings().consultation_minutes,
                        prefix="find")
    finder.specialist.choices = [("", "Any specialist")] + [(u.id, u.full_name) for u in staff]
    found = []
    if finder.validate() if asked else True:
        chosen = [u for u in staff if u.id == finder.specialist.data] if finder.specialist.data else staff
        after = utcnow()
        if finder.after.data:
            after = max(after, local_to_utc(datetime.combine(finder.after.data, time.min)))
        found = free.next_free(chosen, finder.minutes.data, after, count=8)
    template = "diary/_free_slots.html" if request.args.get("fragment") == "1" else "diary/free.html"
    return render_template(template, finder=finder, found=found, can_log=current_user.can("enquiry.edit"))
