"""The catalogue form: a treatment's name, category, course defaults, price, reviews, aftercare and flags."""

import re

from wtforms import BooleanField, IntegerField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from tracker.catalogue.models import TreatmentCategory
from tracker.catalogue.services import TreatmentDetails
from tracker.forms import SelectField, TrackerForm, version_field
from tracker.money import pounds_field, to_pence

MAX_REVIEWS, MAX_REVIEW_MONTHS = 6, 60
_REVIEW_SEPARATORS = re.compile(r"[\s,]+")
_REVIEWS_HELP = "Enter whole months from 1 to 60, separated by commas, such as 3, 6."
CATEGORY_CHOICES = [SelectChoice(c.value, c.label) for c in TreatmentCategory]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class _Between:
    """low <= number <= high; a number that could not be read already has its message, so it gets no second one."""

    def __init__(self, low: int, high: int, message: str):
        self.low, self.high, self.message = low, high, message

    def __call__(self, _form, field) -> None:
        if field.data is not None and not self.low <= field.data <= self.high:
            raise ValidationError(self.message)


def _whole(label: str, low: int, high: int, what: str, **kwargs) -> IntegerField:
    """A required whole number from low to high; text or decimals get the same message as a number out of range."""
    message = f"Enter {what} from {low} to {high}."
    return IntegerField(label, invalid_value_message=message, render_kw={"min": low, "max": high},
                        validators=[InputRequired(message=message), _Between(low, high, message)], **kwargs)


def _aftercare_day(label: str) -> IntegerField:
    message = "Enter a whole number of days from 1 to 365."
    return IntegerField(label, invalid_value_message=message, render_kw={"min": 1, "max": 365},
                        validators=[Optional(), _Between(1, 365, message)])


def parse_review_months(text: str | None) -> list[int]:
    """ "3, 6" -> [3, 6]: sorted, each once; ValueError with a message for anything else."""
    pieces = [p for p in _REVIEW_SEPARATORS.split(text or "") if p]
    if any(not re.fullmatch(r"[0-9]{1,3}", p) for p in pieces):
        raise ValueError(_REVIEWS_HELP)
    months = sorted({int(p) for p in pieces})
    if any(not 1 <= m <= MAX_REVIEW_MONTHS for m in months):
        raise ValueError(_REVIEWS_HELP)
    if len(months) > MAX_REVIEWS:
        raise ValueError(f"Enter at most {MAX_REVIEWS} reviews.")
    return months


def _review_months(_form, field) -> None:
    try:
        parse_review_months(field.data)
    except ValueError as error:
        raise ValidationError(str(error)) from error


class TreatmentForm(TrackerForm):
    """A catalogue entry: the defaults a plan item starts from, and whether it is still offered."""

    name = StringField("Name", filters=[_strip], validators=[
        DataRequired(message="Enter the treatment's name."),
        Length(max=120, message="Use 120 characters or fewer.")])
    category = SelectField("Category", choices=CATEGORY_CHOICES, default=TreatmentCategory.OTHER.value,
                           validators=[InputRequired(message="Choose a category.")])
    default_sessions = _whole("Sessions in a usual course", 1, 20, "a whole number of sessions", default=1)
    default_interval_weeks = _whole("Weeks between sessions", 1, 52, "a whole number of weeks", default=4)
    price = pounds_field("Price per session (£)", description="The starting price on a plan; the plan can change it.")
    review_months = StringField("Reviews after the course (months)", validators=[_review_months],
                                description="Months after the last session, such as 3, 6. Leave empty for none.")
    aftercare_label = StringField("Aftercare check", filters=[_strip],
                                  validators=[Length(max=120, message="Use 120 characters or fewer.")],
                                  description="After each session, such as Wound check. Leave the check and its days "
                                              "empty for none.")
    aftercare_from_days = _aftercare_day("From (days after the session)")
    aftercare_to_days = _aftercare_day("To (days after the session)")
    reflection_days = _whole("Minimum reflection period (days)", 0, 90, "a whole number of days", default=2,
                             description="Days between giving the information and booking the treatment. "
                                         "14 is usual for surgical procedures such as punch excision and "
                                         "subcision; 2 for the others.")
    ablative = BooleanField("Fully ablative / resurfacing",
                            description="Such as CO2 laser or dermabrasion: the skin-type hints read this.")
    surgical = BooleanField("Surgical procedure", description="Such as punch excision or subcision.")
    active = BooleanField("Offered", default=True,
                          description="Untick to retire it: plans and enquiries that have it keep it, "
                                      "but it is no longer offered. Tick it to offer it again.")
    position = _whole("Position in the list", 0, 999, "a whole number", default=0,
                      description="Lists show treatments from the lowest number up.")

    def validate(self, extra_validators=None) -> bool:
        """The fields, then the aftercare check: its name and both days, or none of them, the first day first."""
        valid = super().validate(extra_validators)
        parts = (self.aftercare_label, self.aftercare_from_days, self.aftercare_to_days)
        given = [bool(f.raw_data and f.raw_data[0].strip()) for f in parts]
        if any(given):
            missing = {self.aftercare_label: "Name the check, such as Wound check.",
                       self.aftercare_from_days: "Enter the first day of the check.",
                       self.aftercare_to_days: "Enter the last day of the check."}
            for part, is_given in zip(parts, given, strict=True):
                if not is_given and not part.errors:
                    part.errors.append(missing[part])
                    valid = False
        first, last = self.aftercare_from_days, self.aftercare_to_days
        if (first.data is not None and last.data is not None and not first.errors and not last.errors
                and first.data > last.data):
            last.errors.append("The last day cannot be before the first day.")
            valid = False
        return valid

    def details(self) -> TreatmentDetails:
        """The validated fields as the service takes them."""
        label = self.aftercare_label.data or None
        return TreatmentDetails(
            name=self.name.data, category=TreatmentCategory(self.category.data),
            default_sessions=self.default_sessions.data, default_interval_weeks=self.default_interval_weeks.data,
            price_pence=to_pence(self.price.data), review_months=parse_review_months(self.review_months.data),
            aftercare_label=label, aftercare_from_days=self.aftercare_from_days.data if label else None,
            aftercare_to_days=self.aftercare_to_days.data if label else None,
            reflection_days=self.reflection_days.data, ablative=self.ablative.data, surgical=self.surgical.data,
            active=self.active.data, position=self.position.data)


class TreatmentEditForm(TreatmentForm):
    """The same fields, for the version the administrator opened."""

    version = version_field()
