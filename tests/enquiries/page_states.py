"""Builders for the enquiry page in each state it can be in, and a reader of a page's ids and labels."""

from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser

from sqlalchemy import select

from tests.builders import Item, add_session, course, local, today
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import ContactOutcome, Enquiry
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.settings.models import Option, OptionKind

STATES = ("new", "contacted", "booked", "with plans and sessions", "lost")


def enquiry_in(app, make_enquiry, state: str, specialist_id: int) -> int:
    """An enquiry in one of STATES (made as the services would), with what that state brings; returns its id."""
    if state == "with plans and sessions":
        c = course(app, specialist_id, [Item("subcision", 2, 4), Item("microneedling", 1, 4, phase=2)])
        day = today(app) + timedelta(days=20)
        add_session(app, c, 0, 1, local(day, "09:30"))
        add_session(app, c, 0, 2, local(day + timedelta(weeks=5), "14:00"), status=AppointmentStatus.CANCELLED)
        add_session(app, c, 1, 1, local(day + timedelta(weeks=9), "11:00"))
        return c.enquiry_id
    enquiry_id = make_enquiry(hours_ago=48)
    with app.app_context():
        enquiry = db.session.get(Enquiry, enquiry_id)
        if state in ("contacted", "booked"):
            enquiries.record_contact(enquiry, ContactOutcome.REACHED, by_id=None, note="Spoke to her")
        if state == "booked":
            enquiries.move(enquiry, Stage.CONSULTATION_BOOKED, by_id=None)
            starts = local(today(app) + timedelta(days=3), "10:00")
            db.session.add(Appointment(enquiry_id=enquiry_id, kind=AppointmentKind.CONSULTATION,
                                       practitioner_id=specialist_id, starts_at=starts,
                                       ends_at=starts + timedelta(minutes=30), status=AppointmentStatus.BOOKED))
        if state == "lost":
            reason = db.session.scalar(select(Option).where(Option.kind == OptionKind.LOST_REASON).limit(1))
            enquiries.mark_lost(enquiry, reason, by_id=None, note="Went elsewhere")
        db.session.commit()
    return enquiry_id


@dataclass
class Page(HTMLParser):
    """Every id in a page (in order, repeats kept), every label's for=, and the tag and name of each id."""

    ids: list[str] = field(default_factory=list)
    label_for: list[str] = field(default_factory=list)
    controls: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs) -> None:
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
            self.controls.setdefault(attributes["id"], (tag, attributes.get("name")))
        if tag == "label" and attributes.get("for"):
            self.label_for.append(attributes["for"])

    @property
    def repeated(self) -> list[str]:
        return sorted({i for i in self.ids if self.ids.count(i) > 1})


def read_page(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page
