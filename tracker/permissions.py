"""The one table of who may do what, and the decorators that declare it on each view."""

import enum
from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from tracker.extensions import login_manager
from tracker.hooks import Hook


class Role(enum.StrEnum):
    """A staff member's role; it decides their permissions through ROLE_PERMISSIONS."""

    RECEPTION = "reception"
    SPECIALIST = "specialist"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.capitalize()


_RECEPTION = frozenset({
    "patient.view", "patient.edit",
    "enquiry.view", "enquiry.edit",
    "booking.view", "booking.edit",
    "followup.view", "followup.edit",
    "plan.summary.view",  # treatments, sessions, price, status; not the assessment
    "patient.merge",  # confirm a possible match, merge duplicates
})
_CLINICAL = frozenset({"assessment.view", "assessment.edit", "plan.view", "plan.edit"})
_OVERSIGHT = frozenset({"reports.view", "export", "audit.view", "record.restore", "import.run"})
_ADMINISTRATION = frozenset({"users.manage", "settings.manage", "catalogue.manage", "apikeys.manage",
                             "jobs.manage"})

ALL_PERMISSIONS = _RECEPTION | _CLINICAL | _OVERSIGHT | _ADMINISTRATION

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.RECEPTION: _RECEPTION,
    Role.SPECIALIST: _RECEPTION | _CLINICAL,
    Role.MANAGER: frozenset(p for p in ALL_PERMISSIONS if p.endswith(".view")) | _OVERSIGHT,
    Role.ADMIN: ALL_PERMISSIONS,
}

# Asked (with the permission) when a signed-in user is refused a page, before the 403: the audit trail records it.
access_refused: Hook[None] = Hook("access refused")

SIGNED_IN = "signed-in"  # any active account
PUBLIC = "public"  # no account needed


def role_can(role: Role | None, permission: str) -> bool:
    """Whether a role holds a permission (SIGNED_IN: any role)."""
    if role is None:
        return permission == PUBLIC
    return permission in (PUBLIC, SIGNED_IN) or permission in ROLE_PERMISSIONS[role]


def require(permission: str = SIGNED_IN) -> Callable:
    """Let a view run only for a signed-in user whose role holds `permission`."""
    if permission not in ALL_PERMISSIONS | {SIGNED_IN}:
        raise ValueError(f"unknown permission {permission!r}: add it to ROLE_PERMISSIONS")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not role_can(current_user.role, permission):
                access_refused.ask(permission=permission)
                abort(403)
            return view(*args, **kwargs)

        wrapper.permission = permission
        return wrapper

    return decorator


def public(view: Callable) -> Callable:
    """Declare a view open to everyone, signed in or not."""
    view.permission = PUBLIC
    return view


def declared_permission(view: Callable) -> str | None:
    """The permission a view declared with @require or @public, or None."""
    return getattr(view, "permission", None)
