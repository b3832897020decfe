"""Sign-in throttling: failures counted per account and per address in the limiter's storage.

Counts live in Flask-Limiter's storage (memory, or Redis shared by every worker), on a
moving window, so "5 failures in 15 minutes" holds for any 15 minutes, not per fixed slot.
"""

from flask import current_app
from limits import RateLimitItemPerMinute

from tracker.extensions import limiter


def _limit(kind: str) -> RateLimitItemPerMinute:
    cfg = current_app.config
    amount = cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"] if kind == "account" else cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    return RateLimitItemPerMinute(amount, cfg["LOGIN_FAILURE_WINDOW_MINUTES"])


def _lockout() -> RateLimitItemPerMinute:
    # One hit fills it: the key stays locked for the whole lockout from that moment.
    return RateLimitItemPerMinute(1, current_app.config["LOGIN_LOCKOUT_MINUTES"])


def _key(name: str, kind: str, value: str | None) -> tuple[str, ...]:
    # The prefix keeps installations (or test runs) that share one Redis apart; a request
    # without a client address still gets a counter of its own.
    return (current_app.config["RATELIMIT_KEY_PREFIX"], name, kind, value or "unknown")


def _lock(kind: str, value: str) -> None:
    limiter.limiter.hit(_lockout(), *_key("login-lock", kind, value))


def lockout_minutes() -> int:
    """How long a lockout lasts."""
    return current_app.config["LOGIN_LOCKOUT_MINUTES"]


def is_locked(account: str, address: str | None) -> bool:
    """Whether sign-in is refused for now for this account or from this address."""
    return any(
        not limiter.limiter.test(_lockout(), *_key("login-lock", kind, value))
        for kind, value in (("account", account), ("address", address))
    )


def reserve_attempt(account: str) -> bool:
    """Count an attempt on the account before its password is checked.

    Counting first means simultaneous guesses cannot all pass the check before any is
    counted. False when the account is over its limit; it is then locked.
    """
    if not limiter.limiter.hit(_limit("account"), *_key("login-fail", "account", account)):
        _lock("account", account)
        return False
    return True


def record_failure(account: str, address: str | None) -> None:
    """A failed attempt: lock the account or address that has now reached its limit.

    The address is counted after the fact, so a burst from one address can overshoot by
    the number of attempts in flight at once; each account's own limit is exact.
    """
    if not limiter.limiter.test(_limit("account"), *_key("login-fail", "account", account)):
        _lock("account", account)
    address_key = _key("login-fail", "address", address)
    limiter.limiter.hit(_limit("address"), *address_key)
    if not limiter.limiter.test(_limit("address"), *address_key):
        _lock("address", address)


def record_success(account: str) -> None:
    """A successful sign-in clears the account's count."""
    limiter.limiter.clear(_limit("account"), *_key("login-fail", "account", account))
