"""The base of every form: text with control characters is refused beside its field.

PostgreSQL cannot store NUL in text and other control characters are never typed by a
person, so every field gets this check without each form having to remember it.
"""

import re
from datetime import time

import wtforms
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import Field, IntegerField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, ValidationError
from wtforms.widgets import HiddenInput, Select, TimeInput

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})")  # [0-9], not \d: \d matches any script's digits


class QuickSelect(Select):
    """WTForms' select widget with plain options written directly: the same HTML at a fraction of the cost.

    WTForms builds each option through html_params, about 50 µs apiece; a list page's filters
    hold some eighty options, which made them most of its rendering time.
    """

    @classmethod
    def render_option(cls, choice, **kwargs) -> Markup:
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        # Escaped here, by hand: Markup.format would do the same at ten times the cost.
        value, label = escape(choice.value), escape(choice.label or choice.value)
        return Markup(f'<option {selected}value="{value}">{label}</option>')  # noqa: S704 (both escaped above)


class SelectField(wtforms.SelectField):
    """A select field drawn by QuickSelect; the project's forms use this one."""

    widget = QuickSelect()


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


def optional_int(value):
    """A select's value as an id, None for the empty choice; unreadable text fails the field's choice check."""
    return int(value) if value not in (None, "", "None") else None


def version_field() -> IntegerField:
    """The hidden version counter a form was opened with, for detecting concurrent edits."""
    return IntegerField(
        widget=HiddenInput(),
        validators=[InputRequired(message="The form is out of date; reload the page."),
                    NumberRange(min=1, max=2**31 - 1, message="The form is out of date; reload the page.")],
    )


def _shown(field) -> str:
    """A field's value as the user would read it (choice labels, not ids)."""
    data = field.data
    if hasattr(field, "choices") and field.choices is not None:
        labels = {str(choice.value): choice.label for choice in map(SelectChoice.from_input, field.choices)}
        values = data if isinstance(data, list) else [data]
        return ", ".join(labels.get(str(v), str(v)) for v in values if v not in (None, ""))
    if isinstance(data, bool):
        return "Yes" if data else "No"
    return "" if data is None else str(data)


def conflict_differences(submitted: FlaskForm, current: FlaskForm) -> list[tuple[str, str, str]]:
    """(label, saved value, your value) for each field where the saved record differs from the submission."""
    rows = []
    for field in submitted:
        if field.type == "CSRFTokenField" or getattr(field.widget, "input_type", None) == "hidden":
            continue
        theirs, saved = _shown(field), _shown(current[field.name])
        if theirs != saved:
            rows.append((field.label.text, saved, theirs))
    return rows


def take_current_version(form: FlaskForm, record) -> None:
    """After a refused save: the form now carries the saved version, so saving again (having compared) goes through."""
    form.version.data = record.version
    form.version.raw_data = [str(record.version)]


def parse_clock_time(text: str) -> time | None:
    """A time of day typed as HH:MM (or H:MM), 00:00 to 23:59; None for anything else."""
    match = _CLOCK.fullmatch((text or "").strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return time(int(match[1]), int(match[2]))


class ClockTimeField(Field):
    """An optional time of day typed as HH:MM (a browser's time input sends that): blank is None, anything
    unreadable is refused beside the field with `message`, and the text typed is shown again."""

    widget = TimeInput()

    def __init__(self, label=None, validators=None, *, message: str = "Enter a time from 00:00 to 23:59 (HH:MM).",
                 **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if self.data else ""

    def process_formdata(self, valuelist) -> None:
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if text:
            self.data = parse_clock_time(text)
            if self.data is None:
                raise ValueError(self.message)
