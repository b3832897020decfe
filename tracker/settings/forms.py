"""The settings page's forms: the clinic's defaults, and adding, renaming and retiring list entries."""

from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from tracker.forms import TrackerForm, version_field
from tracker.settings.models import OptionKind

# What one entry of each list is called, for labels and buttons ("Add lost reason").
NOUNS = {OptionKind.SOURCE: "source", OptionKind.LOST_REASON: "lost reason", OptionKind.ROOM: "site or room"}

_MINUTES = "Enter a whole number of minutes from 5 to 480."


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _label_field(text: str = "Name") -> StringField:
    return StringField(text, filters=[_strip], validators=[
        DataRequired(message="Enter a name."),
        Length(max=80, message="Use 80 characters or fewer."),
    ])


class DefaultsForm(TrackerForm):
    """The clinic's defaults."""

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
