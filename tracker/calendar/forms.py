"""The week calendar's GET form: whose calendar and which week."""

from wtforms import DateField
from wtforms.validators import Optional, ValidationError

from tracker.forms import DateWithinYears, SelectField, TrackerForm

ME, TEAM = "me", "team"
BAD_WEEK = "Enter a date as DD/MM/YYYY; this week is shown instead."
BAD_WHO = "Choose someone from the list; your own calendar is shown instead."


class WeekDateField(DateField):
    """A date field whose unreadable input gets the calendar's own message."""

    def process_formdata(self, valuelist):
        """Parse the date, explaining a bad one in the calendar's words."""
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(BAD_WEEK) from error


class WeekForm(TrackerForm):
    """Whose calendar and which week (a GET form: no CSRF token, nothing changes)."""

    class Meta:
        csrf = False

    who = SelectField("Whose calendar", default=ME, validate_choice=False)  # no query string: my own
    week = WeekDateField("Week of", format=["%Y-%m-%d", "%d/%m/%Y"],
                         validators=[Optional(), DateWithinYears(1900, 2200)])

    def validate_who(self, field) -> None:
        """Refuse anyone not in the list (an unknown or malformed id)."""
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(BAD_WHO)
