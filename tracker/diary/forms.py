"""The diary's forms: which day, and moving a block."""

from datetime import datetime

from wtforms import DateField, IntegerField, TimeField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from tracker.bookings.forms import MAX_MINUTES, MIN_MINUTES, on_five_minutes
from tracker.clock import NonexistentLocalTime, local_to_utc
from tracker.forms import DateWithinYears, TrackerForm, version_field


class DayForm(TrackerForm):
    """Which day the diary opens on, and for which enquiry a slot is booked (a GET form: nothing changes)."""

    class Meta:
        csrf = False

    date = DateField("Day", format=["%Y-%m-%d", "%d/%m/%Y"], validators=[Optional(), DateWithinYears(2000, 2200)])
    enquiry = IntegerField("Enquiry", validators=[Optional(), NumberRange(1, 2**31 - 1)])


class MoveForm(TrackerForm):
    """Where a dragged block was dropped: the clinic wall-clock start, its length and column, and its version."""

    date = DateField("Date", format=["%Y-%m-%d"], validators=[InputRequired(message="Enter the date."),
                                                               DateWithinYears(2000, 2200)])
    time = TimeField("Time", format=["%H:%M", "%H:%M:%S"], validators=[InputRequired(message="Enter the time."),
                                                                        on_five_minutes])
    minutes = IntegerField("Minutes", validators=[InputRequired(message="Enter how many minutes it lasts."),
                                                  NumberRange(MIN_MINUTES, MAX_MINUTES, message="Enter between "
                                                              "%(min)s and %(max)s minutes.")])
    specialist = IntegerField("Specialist", validators=[Optional(), NumberRange(1, 2**31 - 1)])
    version = version_field()

    def validate_time(self, field) -> None:
        if self.date.data and field.data and not self.date.errors:
            try:
                self.starts_at()
            except NonexistentLocalTime:
                raise ValidationError("This time does not exist on that day: the clocks go forward.") from None

    def starts_at(self) -> datetime:
        """The start as a UTC instant (after validation)."""
        return local_to_utc(datetime.combine(self.date.data, self.time.data))

    def first_error(self) -> str:
        """The first problem, in words, for the diary's message line."""
        for field in self:
            if field.errors:
                return field.errors[0]
        return "The move could not be read; reload the diary."

