"""Account rules: sign-in and its throttling, first-run setup, passwords, administration."""

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import exists, select

from tracker.audit import services as audit
from tracker.audit.models import AuditAction
from tracker.auth import hooks, throttle
from tracker.auth.models import User, new_session_token
from tracker.auth.passwords import hash_password, needs_rehash, verify_password
from tracker.db import utcnow
from tracker.errors import ServiceError
from tracker.extensions import db
from tracker.permissions import Role

# Verified when the e-mail matches no account, so both failures take the same time.
_DUMMY_HASH_PASSWORD = "no-such-account-placeholder"  # noqa: S105 (matches no account)


class LoginFailed(Exception):
    """The e-mail and password do not match an active account."""


class LoginThrottled(Exception):
    """Too many recent failures for this account or this address."""


class AccountRuleError(ServiceError):
    """An administration step that would break a rule (e.g. leave no administrator)."""


class EmailTaken(AccountRuleError):
    """Another account already uses this e-mail."""

    def __init__(self):
        super().__init__("Another account already uses this e-mail.", field="email")


def normalise_email(email: str) -> str:
    """E-mail addresses compare case-insensitively; they are stored lower-case."""
    return email.strip().lower()


def any_user_exists() -> bool:
    """Whether the first administrator has been created."""
    return bool(db.session.scalar(select(exists().where(User.id.is_not(None)))))


def find_by_email(email: str) -> User | None:
    """The account with this e-mail, whatever its case."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def email_taken(email: str, *, excluding: User | None = None) -> bool:
    """Whether another account already uses this e-mail."""
    user = find_by_email(email)
    return user is not None and user is not excluding


# --- sign-in --------------------------------------------------------------------------------

def authenticate(email: str, password: str, address: str | None) -> User:
    """The active account for these credentials, with the attempt audited.

    Raises LoginThrottled while locked out and LoginFailed for any mismatch; an unknown
    e-mail, a wrong password and a deactivated account look the same from outside.
    """
    account = normalise_email(email)
    if throttle.is_locked(account, address) or not throttle.reserve_attempt(account):
        audit.record(AuditAction.LOGIN_THROTTLED, actor_label=_attempt_label(account))
        raise LoginThrottled
    user = find_by_email(account)
    stored_hash = user.password_hash if user else _dummy_hash()
    verified = verify_password(stored_hash, password) and user is not None
    if verified:
        _reload_locked(user)  # an administrator may have saved, even deactivated, it meanwhile
    if not (verified and user.active):
        throttle.record_failure(account, address)
        audit.record(AuditAction.LOGIN_FAILED, entity=user, actor_label=_attempt_label(account))
        raise LoginFailed
    throttle.record_success(account)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.record(AuditAction.LOGIN, entity=user, actor_id=user.id)
    return user


def _attempt_label(account: str) -> str:
    """What the trail shows as the attempted account: a password typed into the e-mail box must not be kept."""
    try:
        return validate_email(account, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return "(not an e-mail address)"


def _dummy_hash() -> str:
    cache = current_app.extensions.setdefault("tracker_dummy_hash", {})
    if "hash" not in cache:
        cache["hash"] = hash_password(_DUMMY_HASH_PASSWORD)
    return cache["hash"]


def _reload_locked(user: User) -> None:
    """Re-read an account and lock its row until commit (PostgreSQL; SQLite already holds the write lock).

    Sign-in, sign-out and password changes write onto an account loaded earlier in the
    request; had an administrator saved it since, the stale version would fail the update.
    Callers have no pending change on the account.
    """
    db.session.refresh(user, with_for_update=True)


def end_all_sessions(user: User) -> None:
    """Make every session and cookie issued to this account unusable."""
    user.session_token = new_session_token()


def log_out(user: User) -> None:
    """Sign-out: this and every other session of the account ends."""
    _reload_locked(user)
    end_all_sessions(user)
    audit.record(AuditAction.LOGOUT, entity=user, actor_id=user.id)


# --- accounts -------------------------------------------------------------------------------

def create_user(email: str, full_name: str, role: Role, password: str) -> User:
    """A new active account (the caller has validated the inputs); EmailTaken if the e-mail is in use."""
    if email_taken(email):
        raise EmailTaken
    user = User(
        email=normalise_email(email),
        full_name=full_name.strip(),
        role=role,
        active=True,
        password_hash=hash_password(password),
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def create_first_admin(email: str, full_name: str, password: str) -> User:
    """The first administrator; refused once any account exists."""
    if any_user_exists():
        raise AccountRuleError("The first administrator has already been created.")
    return create_user(email, full_name, Role.ADMIN, password)


def change_own_password(user: User, current: str, new: str, address: str | None) -> None:
    """Change a password after checking the current one; other sessions end.

    Wrong current passwords count towards the same lockout as failed sign-ins, so an
    unattended session cannot be used to guess the password.
    """
    if throttle.is_locked(user.email, address) or not throttle.reserve_attempt(user.email):
        audit.record(AuditAction.LOGIN_THROTTLED, entity=user)
        raise LoginThrottled
    if not verify_password(user.password_hash, current):
        throttle.record_failure(user.email, address)
        audit.record(AuditAction.LOGIN_FAILED, entity=user)
        raise AccountRuleError("The current password is not right.")
    throttle.record_success(user.email)
    _reload_locked(user)
    _set_password(user, new)
    audit.record(AuditAction.PASSWORD_CHANGED, entity=user)


def set_password(user: User, new: str) -> None:
    """An administrator sets a new password; the account's sessions end."""
    _reload_locked(user)
    _set_password(user, new)
    audit.record(AuditAction.PASSWORD_SET, entity=user)


def _set_password(user: User, new: str) -> None:
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    end_all_sessions(user)


def _active_admins_other_than(user: User) -> int:
    # Lock every active administrator's row (PostgreSQL; SQLite already holds the write lock),
    # so two administrators demoting or deactivating each other at once cannot leave none.
    stmt = select(User.id).where(User.role == Role.ADMIN, User.active).with_for_update()
    return sum(1 for admin_id in db.session.scalars(stmt) if admin_id != user.id)


def update_user(user: User, *, version: int, full_name: str, email: str, role: Role) -> None:
    """Change name, e-mail or role, refusing stale edits and the last administrator's demotion."""
    audit.check_version(user, version)
    if email_taken(email, excluding=user):
        raise EmailTaken
    if user.role == Role.ADMIN and role != Role.ADMIN and user.active and not _active_admins_other_than(user):
        raise AccountRuleError("This is the only active administrator; make someone else an administrator first.",
                               field="role")
    user.full_name = full_name.strip()
    user.email = normalise_email(email)
    user.role = role


def deactivate(user: User, *, version: int, by: User) -> None:
    """Deactivate an account: its sessions end at once; its records keep pointing at it; its open work is handed on
    (hooks.deactivated)."""
    audit.check_version(user, version)
    if user.id == by.id:
        raise AccountRuleError("You cannot deactivate your own account.")
    if user.role == Role.ADMIN and not _active_admins_other_than(user):
        raise AccountRuleError("This is the only active administrator.")
    user.active = False
    end_all_sessions(user)
    hooks.deactivated.ask(user, by_id=by.id)


def reactivate(user: User, *, version: int) -> None:
    """Let a deactivated account sign in again."""
    audit.check_version(user, version)
    user.active = True
