"""The public form's settings: reading them, the rules for changing them, and what the page derives from them."""

import hashlib
import re
from dataclasses import dataclass

from tracker.audit import services as audit
from tracker.audit.models import AuditAction
from tracker.extensions import db
from tracker.settings.models import PublicFormSettings

LOGO_MAX_BYTES = 200 * 1024
# Magic bytes: what the file is, whatever its name or the browser claims. SVG is never accepted (it can carry
# script), nor anything else a browser might sniff into something active.
_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
# A scheme, a host (letters, digits, hyphens, dots; IDNs in their xn-- form) and an optional port: CSP's
# frame-ancestors takes exactly these. No paths, no wildcards: each site that may embed the form is named.
_ORIGIN = re.compile(r"https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
                     r"(?::(?P<port>[0-9]{1,5}))?")
MAX_ORIGINS = 10


class InvalidOrigin(ValueError):
    """An allowed-embedding entry that is not a plain http(s) origin."""


@dataclass(frozen=True)
class SettingsChange:
    """What the settings page asks for; logo None with remove_logo False keeps the current logo."""

    enabled: bool
    accent_colour: str
    privacy_notice_url: str | None
    clinic_phone: str | None
    embed_origins: list[str]
    notify_email: str | None
    logo: tuple[bytes, str] | None = None  # (bytes, media type)
    remove_logo: bool = False


def form_settings() -> PublicFormSettings:
    """The public form's settings row (made by the migration)."""
    return db.session.get(PublicFormSettings, 1)


def logo_type(data: bytes) -> str | None:
    """image/png or image/jpeg by the file's first bytes; None for anything else."""
    return next((kind for magic, kind in _SIGNATURES if data.startswith(magic)), None)


def parse_origins(text: str) -> list[str]:
    """The allowed embedding origins typed one per line: lower-cased, a trailing slash dropped, duplicates once."""
    origins: list[str] = []
    for line in (text or "").splitlines():
        entry = line.strip().lower().removesuffix("/")
        if not entry:
            continue
        match = _ORIGIN.fullmatch(entry)
        if match is None or (match["port"] and not 0 < int(match["port"]) < 65536):
            raise InvalidOrigin(f"“{line.strip()[:80]}” is not a web site's address like https://www.example.co.uk "
                                "(no path, no wildcard).")
        if entry not in origins:
            origins.append(entry)
    if len(origins) > MAX_ORIGINS:
        raise InvalidOrigin(f"List at most {MAX_ORIGINS} addresses.")
    return origins


def allowed_origins(settings: PublicFormSettings) -> list[str]:
    """The origins that may show the form in a frame, as stored."""
    return (settings.embed_origins or "").split()


def _fingerprint(data: bytes | None) -> str | None:
    return "sha256:" + hashlib.sha256(data).hexdigest()[:16] if data else None


def update_settings(settings: PublicFormSettings, change: SettingsChange, *, version: int) -> None:
    """Save the settings page (flushed, audited; ConflictError if someone saved since it was opened)."""
    audit.check_version(settings, version)
    settings.enabled = change.enabled
    settings.accent_colour = change.accent_colour.lower()
    settings.privacy_notice_url = change.privacy_notice_url
    settings.clinic_phone = change.clinic_phone
    settings.embed_origins = " ".join(change.embed_origins) or None
    settings.notify_email = change.notify_email
    before = _fingerprint(settings.logo)
    if change.remove_logo:
        settings.logo, settings.logo_type = None, None
    elif change.logo is not None:
        settings.logo, settings.logo_type = change.logo
    after = _fingerprint(settings.logo)
    if before != after:
        # The row's own trail leaves out the bytes; this says that the logo changed, and to which file.
        audit.record(AuditAction.UPDATE, entity=settings, changes={"logo": [before, after]})
    db.session.flush()


def _luminance(colour: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_on(accent: str) -> str:
    """White or black, whichever reads better on the accent; one of them always reaches AA's 4.5:1.

    Black, not a softer near-black: for mid-tones around 18% luminance anything lighter than black
    falls short of 4.5:1 against the accent while white does too.
    """
    return "#ffffff" if contrast(accent, "#ffffff") >= contrast(accent, "#000000") else "#000000"


def focus_colour(accent: str) -> str:
    """The focus ring: the accent when it stands out from the white page (3:1, WCAG 1.4.11), else near-black."""
    return accent if contrast(accent, "#ffffff") >= 3 else "#1a1a1a"
