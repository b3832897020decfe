"""The main navigation: entries in a few groups, each shown only to roles holding its permission, some with a count."""

from collections.abc import Callable
from typing import NamedTuple

from flask import g
from flask_login import current_user

from tracker.followups import queries
from tracker.permissions import SIGNED_IN

# The side bar's groups, in order; an entry names its group (Work when it names none).
GROUPS = ("Work", "Records", "Oversight", "Admin")


class NavItem(NamedTuple):
    label: str
    endpoint: str
    permission: str
    badge: Callable[[], object] | None = None  # a count, called only when the navigation renders
    badge_text: str = ""  # what the count counts, for screen readers
    group: str = "Work"


class NavGroup(NamedTuple):
    title: str
    items: list[NavItem]

    @property
    def key(self) -> str:
        return self.title.lower()


def overdue_badge():
    """The signed-in user's overdue follow-ups (their own, and the team's for reception): one capped count."""
    if "overdue_badge" not in g:
        g.overdue_badge = queries.overdue_count(queries.own_owners(current_user))
    return g.overdue_badge


NAVIGATION = [
    NavItem("Home", "main.index", SIGNED_IN),
    NavItem("My day", "followups.my_day", "followup.view", badge=overdue_badge,
            badge_text="overdue follow-ups"),
    NavItem("Calendar", "calendar.week", "followup.view"),
    NavItem("Enquiries", "enquiries.index", "enquiry.view"),
    NavItem("Board", "board.index", "enquiry.view"),
    NavItem("Log an enquiry", "enquiries.new", "enquiry.edit"),
    NavItem("Diary", "diary.index", "booking.view"),
    NavItem("Consultations", "bookings.upcoming", "booking.view"),
    NavItem("Duplicates", "patients.duplicates", "patient.merge", group="Records"),
    NavItem("Archived", "enquiries.archived", "record.restore", group="Records"),
    NavItem("Import", "imports.upload", "import.run", group="Records"),
    NavItem("Reports", "reports.pipeline", "reports.view", group="Oversight"),
    NavItem("Audit trail", "audit.index", "audit.view", group="Oversight"),
    NavItem("Users", "auth.users", "users.manage", group="Admin"),
    NavItem("API keys", "intake.api_keys", "apikeys.manage", group="Admin"),
    NavItem("Settings", "settings.index", "settings.manage", group="Admin"),
    NavItem("Treatments", "catalogue.index", "catalogue.manage", group="Admin"),
    NavItem("Scheduled jobs", "jobs.admin", "jobs.manage", group="Admin"),
]


def nav_items() -> list[NavItem]:
    """The entries the signed-in user may open."""
    if not current_user.is_authenticated:
        return []
    return [item for item in NAVIGATION if current_user.can(item.permission)]


def nav_groups() -> list[NavGroup]:
    """The user's entries by group, in GROUPS order; a group with no entry for the user is left out."""
    items = nav_items()
    groups = [NavGroup(title, [i for i in items if i.group == title]) for title in GROUPS]
    return [group for group in groups if group.items]
