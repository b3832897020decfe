"""The base of every form: text with control characters is refused beside its field.

PostgreSQL cannot store NUL in text and other control characters are never typed by a
person, so every field gets this check without each form having to remember it.
"""

import re

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange, ValidationError
from wtforms.widgets import HiddenInput

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_control_characters(_form, field) -> None:
    """Refuse text holding control characters (tab and line breaks are allowed)."""
    if any(isinstance(v, str) and _CONTROL.search(v) for v in field.raw_data or ()):
        raise ValidationError("This contains characters that cannot be stored; please retype it.")


class TrackerForm(FlaskForm):
    """FlaskForm plus the control-character check on every field."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            validators = list(unbound_field.kwargs.get("validators") or ())
            options["validators"] = [no_control_characters, *validators]
            return unbound_field.bind(form=form, **options)


class DateWithinYears:
    """Refuse dates outside [first, last] years: typing slips like 0202 or 9999 get a message, not a crash."""

    def __init__(self, first: int = 1900, last: int = 2200):
        self.first, self.last = first, last

    def __call__(self, _form, field) -> None:
        if field.data and not self.first <= field.data.year <= self.last:
            raise ValidationError(f"Enter a date between {self.first} and {self.last}.")


def version_field() -> IntegerField:
    """The hidden version counter a form was opened with, for detecting concurrent edits."""
    return IntegerField(
        widget=HiddenInput(),
        validators=[InputRequired(message="The form is out of date; reload the page."),
                    NumberRange(min=1, max=2**31 - 1, message="The form is out of date; reload the page.")],
    )
