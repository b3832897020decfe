"""The public form's spam traps: a honeypot field, a signed start time, and the check of both."""

import logging
import time

from flask import current_app
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from wtforms import HiddenField, StringField
from wtforms.validators import Length

from tracker.intake.forms import IntakeForm

logger = logging.getLogger("tracker.intake")

SALT = "intake.public-form.started"
MAX_AGE_SECONDS = 24 * 60 * 60  # a form open longer than a day is refused: its token may have been harvested
HONEYPOT = "website"
# Refusals a person can cause: autofill sends a form within a second of opening it, and a tab left open overnight
# holds an old token. The page comes back with what they typed and a fresh start time; nothing is stored.
SEND_AGAIN = frozenset({"too fast", "old token"})


class GuardedIntakeForm(IntakeForm):
    """The IntakeForm as the public page sends it: plus a field only robots fill, and when the page was opened."""

    # A tempting name for a form-filling robot; people never see it (the template hides it from eyes,
    # screen readers and the tab order).
    website = StringField("Website", validators=[Length(max=200)])
    started = HiddenField(validators=[Length(max=200)])


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def start_token() -> str:
    """A signed note of now, put in the page so its submission can show how long the person took."""
    return _serializer().dumps("enquire")


def refusal(form: GuardedIntakeForm) -> str | None:
    """Why a submission looks automated ("honeypot", "too fast", "bad token", "old token"), or None if it does not."""
    if (form.website.data or "").strip():
        return "honeypot"
    try:
        _payload, signed_at = _serializer().loads(form.started.data or "", max_age=MAX_AGE_SECONDS,
                                                  return_timestamp=True)
    except SignatureExpired:  # also a date in the future, which only a forger could sign
        return "old token"
    except BadData:
        return "bad token"
    if time.time() - signed_at.timestamp() < current_app.config["PUBLIC_FORM_MIN_SECONDS"]:
        return "too fast"
    return None


def log_refusal(reason: str) -> None:
    """Note a refused submission: the reason only, never what was typed."""
    logger.info("public enquiry refused: %s", reason, extra={"fields": {"reason": reason}})
