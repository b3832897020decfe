"""Booking, re-booking, cancelling and marking consultations; the upcoming list's filter."""

from datetime import datetime

from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from tracker.clock import NonexistentLocalTime, local_to_utc
from tracker.forms import DateWithinYears, SelectField, TrackerForm, optional_int, version_field

MIN_MINUTES, MAX_MINUTES = 5, 480


def on_five_minutes(_form, field) -> None:
    """Refuse a time off the five-minute marks the diary uses."""
    if field.data and (field.data.minute % 5 or field.data.second):
        raise ValidationError("Choose a time on a five-minute mark, such as 14:05.")


class SlotForm(TrackerForm):
    """When, for how long, with whom and where; the date and time are the clinic's wall clock."""

    date = DateField("Date", format=["%Y-%m-%d", "%d/%m/%Y"], description="Date and time in the clinic's local time.",
                     invalid_value_message="Enter a real date, such as 23/11/2026.",
                     validators=[InputRequired(message="Enter the date."), DateWithinYears(2000, 2200)])
    time = TimeField("Time", format=["%H:%M", "%H:%M:%S"], render_kw={"step": 300},
                     invalid_value_message="Enter a time of day, such as 14:05.",
                     validators=[InputRequired(message="Enter the time."), on_five_minutes])
    minutes = IntegerField("Duration (minutes)", render_kw={"min": MIN_MINUTES, "max": MAX_MINUTES},
                           validators=[InputRequired(message="Enter how many minutes it lasts."),
                                       NumberRange(MIN_MINUTES, MAX_MINUTES, message="Enter between %(min)s "
                                                   "and %(max)s minutes.")])
    # No Optional() on the selects: the empty choice is in each list, so the choice check still runs.
    specialist = SelectField("Specialist", coerce=optional_int,
                             validators=[InputRequired(message="Choose a specialist.")])
    room = SelectField("Site or room", coerce=optional_int)
    outside_hours = BooleanField("Book outside opening hours",
                                 description="Only when the clinic agrees to see the patient while it is closed.")
    outside_hours_reason = StringField("Reason for booking outside opening hours", render_kw={"maxlength": 500},
                                       validators=[Length(max=500, message="Keep the reason under %(max)d "
                                                                           "characters.")])

    def validate_outside_hours_reason(self, field) -> None:
        if self.outside_hours.data and not (field.data or "").strip():
            raise ValidationError("Say why it is booked outside opening hours.")

    def override_reason(self) -> str | None:
        """The reason for booking outside opening hours, when the override is ticked (after validation)."""
        return (self.outside_hours_reason.data or "").strip() or None if self.outside_hours.data else None

    def validate_time(self, field) -> None:
        if self.date.data and field.data and not self.date.errors and self._local_gap():
            raise ValidationError("This time does not exist on that day: the clocks go forward. "
                                  "Choose a time after the change.")

    def validate_specialist(self, field) -> None:
        if field.data is None:
            raise ValidationError("Choose a specialist.")

    def _local_gap(self) -> bool:
        try:
            self.starts_at()
        except NonexistentLocalTime:
            return True
        return False

    def starts_at(self) -> datetime:
        """The start as a UTC instant (after validation); a time that happens twice is the first one."""
        return local_to_utc(datetime.combine(self.date.data, self.time.data))


class RebookForm(SlotForm):
    """A new time, specialist or room for a booked appointment."""

    version = version_field()


class CancelForm(TrackerForm):
    """Why the appointment is cancelled."""

    reason = TextAreaField("Reason for cancelling", render_kw={"rows": 3, "maxlength": 500},
                           validators=[DataRequired(message="Say why the appointment is cancelled."),
                                       Length(max=500, message="Keep the reason under %(max)d characters.")])
    version = version_field()


class AppointmentStepForm(TrackerForm):
    """A button that acts on one version of an appointment (attended, did not attend)."""

    version = version_field()


class UpcomingFilterForm(TrackerForm):
    """Whose consultations to list (a GET form: no CSRF token, nothing changes)."""

    class Meta:
        csrf = False

    specialist = SelectField("Specialist")


class FinderForm(TrackerForm):
    """Whose next free slots to find, for how long and from which day (a GET form: nothing changes)."""

    class Meta:
        csrf = False

    specialist = SelectField("Free slots with", coerce=optional_int, validate_choice=False)
    minutes = IntegerField("Length (minutes)", render_kw={"min": MIN_MINUTES, "max": MAX_MINUTES},
                           validators=[InputRequired(message="Enter how many minutes it needs."),
                                       NumberRange(MIN_MINUTES, MAX_MINUTES, message="Enter between %(min)s and "
                                                   "%(max)s minutes.")])
    after = DateField("From the day", format=["%Y-%m-%d", "%d/%m/%Y"],
                      invalid_value_message="Enter a real date, such as 23/11/2026.",
                      validators=[Optional(), DateWithinYears(2000, 2200)])

    def validate_specialist(self, field) -> None:
        if field.data is not None and field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Choose a specialist from the list, or any specialist.")
