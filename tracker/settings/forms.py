"""The settings page's forms: the clinic's defaults, list entries, and the opening hours."""

from datetime import time

from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from tracker.forms import ClockTimeField, TrackerForm, version_field
from tracker.settings.models import WEEKDAYS, OptionKind

# What one entry of each list is called, for labels and buttons ("Add lost reason").
NOUNS = {OptionKind.SOURCE: "source", OptionKind.LOST_REASON: "lost reason", OptionKind.ROOM: "site or room"}

_MINUTES = "Enter a whole number of minutes from 5 to 480."
CLINIC_NAME_MAX = 120


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _label_field(text: str = "Name") -> StringField:
    return StringField(text, filters=[_strip], validators=[
        DataRequired(message="Enter a name."),
        Length(max=80, message="Use 80 characters or fewer."),
    ])


def _one_line(_form, field) -> None:
    if field.data and any(ch in field.data for ch in "\r\n\t"):
        raise ValidationError("Keep the name on one line.")


class DefaultsForm(TrackerForm):
    """The clinic's name and defaults."""

    clinic_name = StringField("Clinic name", filters=[_strip], validators=[
        Length(max=CLINIC_NAME_MAX, message=f"Use {CLINIC_NAME_MAX} characters or fewer."), _one_line],
        description="Shown at the top of every page, on the public enquiry form and in e-mails. "
                    "Leave empty for the name set when the tracker was installed.")
    consultation_minutes = IntegerField(
        "Consultation length (minutes)",
        validators=[InputRequired(message=_MINUTES), NumberRange(min=5, max=480, message=_MINUTES)],
    )
    version = version_field()


class OptionAddForm(TrackerForm):
    """A new entry for one list. Prefixed with the list's kind, so the page's three add forms have distinct ids."""

    label = _label_field()

    def __init__(self, kind: OptionKind, **kwargs):
        super().__init__(prefix=kind.value, **kwargs)
        self.kind = kind
        self.noun = NOUNS[kind]
        self.label.label.text = f"New {self.noun}"


class OptionRenameForm(TrackerForm):
    """A new name for an entry; the records that use it show the new name."""

    label = _label_field()
    version = version_field()


class VersionForm(TrackerForm):
    """A POST button that acts on one version of an entry (retire, bring back)."""

    version = version_field()


# --- opening hours ----------------------------------------------------------------------------

_HOURS = "Enter a whole number of opening hours from 1 to 48."


def clock_text(value: time | None) -> str:
    """A stored time as the time input shows it: 09:00; empty for none."""
    return "" if value is None else f"{value:%H:%M}"


def _clock(label: str) -> ClockTimeField:
    return ClockTimeField(label, message="Enter a time as HH:MM, from 00:00 to 23:59.")


class OpeningHoursForm(TrackerForm):
    """The clinic's week, Monday to Sunday (both times empty: closed), and the first-contact target.

    Each day's fields are opens_<n>, closes_<n> and version_<n>, n = 0 (Monday) … 6 (Sunday), added below.
    """

    first_contact_hours = IntegerField(
        "First contact target (opening hours)",
        description="A new enquiry should be called back within this many hours of opening time.",
        validators=[InputRequired(message=_HOURS), NumberRange(min=1, max=48, message=_HOURS)],
    )
    version = version_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.week_errors: list[str] = []  # the week as a whole: no open day

    def day(self, weekday: int) -> tuple[ClockTimeField, ClockTimeField]:
        """The opening and closing time fields of one day."""
        return self[f"opens_{weekday}"], self[f"closes_{weekday}"]

    def week(self) -> list[tuple[time | None, time | None]]:
        """(opens, closes) for each day, Monday first; (None, None) when closed."""
        return [(opens.data, closes.data) for opens, closes in map(self.day, range(7))]

    def day_versions(self) -> list[int]:
        """The version of each day's row the form was opened on, Monday first."""
        return [self[f"version_{weekday}"].data for weekday in range(7)]

    def validate(self, extra_validators=None) -> bool:
        """The fields, then each day's pair of times, then that some day is open."""
        self.week_errors = []
        valid = super().validate(extra_validators)
        for weekday in range(7):
            opens, closes = self.day(weekday)
            if opens.errors or closes.errors:
                continue
            if (opens.data is None) != (closes.data is None):
                empty = opens if opens.data is None else closes
                empty.errors.append("Enter both times, or leave both empty if the clinic is closed that day.")
                valid = False
            elif opens.data is not None and closes.data <= opens.data:
                closes.errors.append("The closing time must be after the opening time.")
                valid = False
        if valid and all(opens is None for opens, _ in self.week()):
            self.week_errors.append("The clinic must be open at least one day a week.")
            valid = False
        return valid

    def take_current_versions(self, week: list, settings) -> None:
        """After a refused save: carry the saved versions, so saving again (having compared) goes through."""
        for field, record in [(self.version, settings)] + [(self[f"version_{d.weekday}"], d) for d in week]:
            field.data, field.raw_data = record.version, [str(record.version)]


for _weekday, _name in enumerate(WEEKDAYS):
    setattr(OpeningHoursForm, f"opens_{_weekday}", _clock("Opens"))
    setattr(OpeningHoursForm, f"closes_{_weekday}", _clock("Closes"))
    setattr(OpeningHoursForm, f"version_{_weekday}", version_field())


def opening_hours_data(week: list, settings) -> dict:
    """The form's values for the saved week and settings."""
    data = {"first_contact_hours": settings.first_contact_hours, "version": settings.version}
    for day in week:
        data.update({f"opens_{day.weekday}": day.opens, f"closes_{day.weekday}": day.closes,
                     f"version_{day.weekday}": day.version})
    return data


def hours_text(opens: time | None, closes: time | None) -> str:
    """One day's hours as read: 09:00–18:00, or Closed."""
    return f"{clock_text(opens)}–{clock_text(closes)}" if opens is not None and closes is not None else "Closed"


def week_differences(form: OpeningHoursForm, week: list, settings) -> list[tuple[str, str, str]]:
    """(what, saved now, yours) for each day and the target where the saved values differ from the form's."""
    rows = []
    for day, (opens, closes) in zip(week, form.week(), strict=True):
        saved, yours = hours_text(day.opens, day.closes), hours_text(opens, closes)
        if saved != yours:
            rows.append((day.day_name, saved, yours))
    if form.first_contact_hours.data != settings.first_contact_hours:
        rows.append((form.first_contact_hours.label.text, str(settings.first_contact_hours),
                     str(form.first_contact_hours.data)))
    return rows
