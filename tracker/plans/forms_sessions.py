"""Booking a plan's course (a date, time and tick box per suggested session) and recording a session done."""

from datetime import datetime, time

from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, StopValidation, ValidationError

from tracker.bookings.forms import on_five_minutes
from tracker.clock import NonexistentLocalTime, local_to_utc
from tracker.forms import DateWithinYears, SelectField, TrackerForm, optional_int, version_field
from tracker.plans.sessions import MAX_MINUTES, MIN_MINUTES, CourseRow, Suggested

DEFAULT_TIME = time(10, 0)
DEFAULT_MINUTES = 60
NOTES_MAX = 5000


def _only_if_ticked(key: str):
    """A row that is not ticked is not booked, so nothing typed in it is checked."""

    def check(form, field) -> None:
        if not form[f"include_{key}"].data:
            field.errors[:] = []
            raise StopValidation()

    return check


def _exists_locally(key: str):
    def check(form, field) -> None:
        day = form[f"date_{key}"]
        if day.data and field.data and not day.errors:
            try:
                local_to_utc(datetime.combine(day.data, field.data))
            except NonexistentLocalTime:
                raise ValidationError("This time does not exist on that day: the clocks go forward. "
                                      "Choose a time after the change.") from None

    return check


class CourseForm(TrackerForm):
    """How long each session lasts and where; the rows are added per plan by course_form()."""

    minutes = IntegerField("Duration of each session (minutes)", render_kw={"min": MIN_MINUTES, "max": MAX_MINUTES},
                           validators=[InputRequired(message="Enter how many minutes each session lasts."),
                                       NumberRange(MIN_MINUTES, MAX_MINUTES,
                                                   message="Enter between %(min)s and %(max)s minutes.")])
    room = SelectField("Site or room", coerce=optional_int)
    outside_hours = BooleanField("Book outside opening hours",
                                 description="Only when the clinic agrees to see the patient while it is closed.")
    outside_hours_reason = StringField("Reason for booking outside opening hours", render_kw={"maxlength": 500},
                                       validators=[Length(max=500, message="Keep the reason under %(max)d "
                                                                           "characters.")])
    keys: tuple[str, ...] = ()

    def validate_outside_hours_reason(self, field) -> None:
        if self.outside_hours.data and not (field.data or "").strip():
            raise ValidationError("Say why it is booked outside opening hours.")

    def override_reason(self) -> str | None:
        """The reason for booking outside opening hours, when the override is ticked (after validation)."""
        return (self.outside_hours_reason.data or "").strip() or None if self.outside_hours.data else None

    def row(self, key: str) -> tuple:
        """(tick box, date, time) of one session's row."""
        return self[f"include_{key}"], self[f"date_{key}"], self[f"time_{key}"]

    def chosen(self, suggestions: list[Suggested]) -> list[CourseRow]:
        """The ticked rows as sessions to book, in course order (after validation)."""
        return [CourseRow(s.item, s.number, local_to_utc(datetime.combine(self[f"date_{s.key}"].data,
                                                                           self[f"time_{s.key}"].data)))
                for s in suggestions if s.key in self.keys and self[f"include_{s.key}"].data]


def course_form(suggestions: list[Suggested], **kwargs) -> CourseForm:
    """A CourseForm with a row per suggested session, its fields named by the session's key (item_number)."""
    fields, defaults = {}, {"minutes": DEFAULT_MINUTES}
    for s in suggestions:
        fields[f"include_{s.key}"] = BooleanField("Book this session", default=True)
        fields[f"date_{s.key}"] = DateField(
            "Date", format=["%Y-%m-%d", "%d/%m/%Y"], invalid_value_message="Enter a real date, such as 23/11/2026.",
            validators=[_only_if_ticked(s.key), InputRequired(message="Enter the date."), DateWithinYears(2000, 2200)])
        fields[f"time_{s.key}"] = TimeField(
            "Time", format=["%H:%M", "%H:%M:%S"], render_kw={"step": 300},
            invalid_value_message="Enter a time of day, such as 14:05.",
            validators=[_only_if_ticked(s.key), InputRequired(message="Enter the time."), on_five_minutes,
                        _exists_locally(s.key)])
        defaults |= {f"date_{s.key}": s.date, f"time_{s.key}": DEFAULT_TIME}
    form_class = type("PlanCourseForm", (CourseForm,), {**fields, "keys": tuple(s.key for s in suggestions)})
    return form_class(**(defaults | kwargs))


class SessionDoneForm(TrackerForm):
    """Who performed a session (its plan's practitioner: only_by), and the settings used and notes (clinical)."""

    # The choice is checked by validate_performed_by, which says who must perform the session.
    performed_by = SelectField("Performed by", coerce=optional_int, validate_choice=False,
                               validators=[InputRequired(message="Choose who performed the session.")])
    notes = TextAreaField("Settings and notes", render_kw={"rows": 6, "maxlength": NOTES_MAX},
                          description="Device and settings, areas treated, how it went. Clinical: shown only to "
                                      "clinical staff.",
                          validators=[Length(max=NOTES_MAX, message="Keep the notes under %(max)d characters.")])
    version = version_field()
    practitioner = None

    def only_by(self, practitioner) -> None:
        """Offer only the plan's practitioner: whoever performs a session takes consent (sessions.check_performer)."""
        self.practitioner = practitioner
        self.performed_by.choices = [("", "— choose who performed it —"), (practitioner.id, practitioner.full_name)]
        self.performed_by.description = (f"{practitioner.full_name} took consent for this plan, so performs its "
                                         "sessions; for anyone else to, they must take consent again on a new plan.")

    def validate_performed_by(self, field) -> None:
        if field.data is None:
            raise ValidationError("Choose who performed the session.")
        if self.practitioner is None or field.data != self.practitioner.id:
            name = self.practitioner.full_name if self.practitioner else "the practitioner who took consent"
            raise ValidationError(f"This session must be performed by {name}, who took consent for the plan.")
