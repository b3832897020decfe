"""The main navigation: each entry shows only to roles holding its permission, some with a count badge."""

from collections.abc import Callable
from typing import NamedTuple

from flask import g
from flask_login import current_user

from tracker.permissions import SIGNED_IN


class NavItem(NamedTuple):
    label: str
    endpoint: str
    permission: str
    badge: Callable[[], object] | None = None  # a count, called only when the navigation renders
    badge_text: str = ""  # what the count counts, for screen readers


def overdue_badge():
    """The signed-in user's overdue follow-ups (their own, and the team's for reception): one capped count."""
    if "overdue_badge" not in g:
        from tracker.followups import queries

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
    NavItem("Duplicates", "patients.duplicates", "patient.merge"),
    NavItem("Reports", "reports.pipeline", "reports.view"),
    NavItem("Archived", "enquiries.archived", "record.restore"),
    NavItem("Import", "imports.upload", "import.run"),
    NavItem("Audit trail", "audit.index", "audit.view"),
    NavItem("Users", "auth.users", "users.manage"),
    NavItem("API keys", "intake.api_keys", "apikeys.manage"),
    NavItem("Settings", "settings.index", "settings.manage"),
    NavItem("Treatments", "catalogue.index", "catalogue.manage"),
]


def nav_items() -> list[NavItem]:
    """The entries the signed-in user may open."""
    if not current_user.is_authenticated:
        return []
    return [item for item in NAVIGATION if current_user.can(item.permission)]
