"""What bookings give the features below them: the enquiry's stage questions, its page panel and timeline lines,
and a drill-down filter."""

from datetime import datetime

from sqlalchemy import ColumnElement, exists

from tracker.bookings import services
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.clock import format_datetime
from tracker.enquiries import hooks
from tracker.enquiries.hooks import Entry, PagePart
from tracker.enquiries.models import Enquiry

hooks.closing.provider(rank=10)(services.cancel_future_for)
hooks.consulted.provider(rank=10)(services.was_consulted)


@hooks.page_parts.provider(rank=10)
def appointments_panel(enquiry, *, clinical: bool) -> PagePart:
    """The enquiry's appointments, newest first."""
    return PagePart({"appointments": services.for_enquiry(enquiry.id)},
                    panels=((hooks.RECORDS, "bookings/_enquiry_bookings.html"),))


@hooks.timeline_entries.provider(rank=10)
def booking_entries(enquiry_id: int, *, clinical: bool, loaded: dict) -> list[Entry]:
    """Each appointment booked, and attended, missed, cancelled or rebooked."""
    appointments = loaded.get("appointments")
    entries = []
    for a in services.for_enquiry(enquiry_id) if appointments is None else appointments:
        entries.append(Entry(a.created_at, "booking", f"{a.kind.label} booked", _name(a.booked_by), _slot_text(a)))
        if a.status is not AppointmentStatus.BOOKED and a.status_changed_at:
            detail = a.cancel_reason if a.status is AppointmentStatus.CANCELLED else _slot_text(a)
            entries.append(Entry(a.status_changed_at, "booking", f"{a.kind.label} {a.status.label.lower()}",
                                 _name(a.status_changed_by), detail))
    return entries


def _name(user) -> str | None:
    return user.full_name if user is not None else None


def _slot_text(appointment: Appointment) -> str:
    room = f", {appointment.room.label}" if appointment.room else ""
    return f"{format_datetime(appointment.starts_at)} with {appointment.practitioner.full_name}{room}"


@hooks.drill_conditions.provider(rank=10)
def consulted_by(drill, now: datetime) -> list[ColumnElement[bool]]:
    """'Consultation attended with' a specialist."""
    if not drill.specialist_id:
        return []
    return [exists().where(Appointment.enquiry_id == Enquiry.id, Appointment.kind == AppointmentKind.CONSULTATION,
                           Appointment.status == AppointmentStatus.ATTENDED,
                           Appointment.practitioner_id == drill.specialist_id)]
