"""Where features built on enquiries plug in: the stage rules' questions, the enquiry page, its timeline, the filters.

Enquiries never import bookings, consultations, plans or follow-ups; each of those registers its providers in its
own `provides.py` (see docs/architecture.md, "Extension points").
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement

from tracker.hooks import Hook

LIMIT = 500  # the newest of each kind of timeline entry; far beyond any real enquiry, and keeps the page bounded
AUTOMATICALLY = "automatically"  # a timeline entry's "by" when a rule did it, not a person


@dataclass
class Entry:
    """One line of the timeline."""

    at: datetime
    kind: str  # stage, contact, note, booking, followup...: the template picks an icon and colour by it
    title: str
    by: str | None = None
    detail: str | None = None
    origin: bool = False  # the enquiry's first line: shown among people's actions whoever (or whatever) logged it

    @property
    def by_person(self) -> bool:
        """A person's action (or the enquiry's first line), not a rule's or the system's."""
        return self.origin or (self.by is not None and self.by != AUTOMATICALLY)


WORK, RECORDS = "work", "records"  # the enquiry page's slots: above the next-step form, and below it


@dataclass
class PagePart:
    """What a feature adds to the enquiry page: the values its panels' templates read, the panels themselves as
    (slot, template) in order, and whether they show this reader clinical detail (then the view is audited)."""

    values: dict = field(default_factory=dict)
    clinical: bool = False
    panels: tuple[tuple[str, str], ...] = ()


# (enquiry, reason, by_id) -> None. The enquiry stops (lost, archived, its patient archived): what was still to
# happen for it is called off (bookings cancel its booked appointments, so the diary shows the time free).
closing: Hook[None] = Hook("enquiry closing")

# (enquiry) -> bool. Whether the enquirer was consulted (bookings: an attended consultation); the stage rules
# ask it when a lost enquiry reopens or steps back.
consulted: Hook[bool] = Hook("enquiry consulted")

# (enquiry, *, clinical) -> PagePart. The enquiry page's panels: each feature loads what its panel shows.
page_parts: Hook[PagePart] = Hook("enquiry page")

# (enquiry_id, *, clinical, loaded) -> list[Entry]. The timeline's entries of each feature, newest first;
# `loaded`: the page's values (use them rather than query again); clinical detail only when `clinical`.
timeline_entries: Hook[list[Entry]] = Hook("enquiry timeline")

# (drill, now) -> list of conditions on Enquiry. A report number's filters that read a feature's own tables
# (attended with a specialist, overdue follow-up, plan decided): tracker.enquiries.drilldown.DrillDown.
drill_conditions: Hook[list[ColumnElement[bool]]] = Hook("drill-down conditions")
