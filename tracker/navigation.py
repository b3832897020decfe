"""The main navigation: each entry shows only to roles holding its permission."""

from typing import NamedTuple

from flask_login import current_user

from tracker.permissions import SIGNED_IN


class NavItem(NamedTuple):
    label: str
    endpoint: str
    permission: str


NAVIGATION = [
    NavItem("Home", "main.index", SIGNED_IN),
    NavItem("Enquiries", "enquiries.index", "enquiry.view"),
    NavItem("Log an enquiry", "enquiries.new", "enquiry.edit"),
    NavItem("Consultations", "bookings.upcoming", "booking.view"),
    NavItem("Archived", "enquiries.archived", "record.restore"),
    NavItem("Audit trail", "audit.index", "audit.view"),
    NavItem("Users", "auth.users", "users.manage"),
    NavItem("Settings", "settings.index", "settings.manage"),
    NavItem("Treatments", "catalogue.index", "catalogue.manage"),
]


def nav_items() -> list[NavItem]:
    """The entries the signed-in user may open."""
    if not current_user.is_authenticated:
        return []
    return [item for item in NAVIGATION if current_user.can(item.permission)]
