"""The audit trail's filter form (a GET form: no CSRF token, nothing changes)."""

from wtforms import DateField, IntegerField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional, ValidationError

from tracker.audit.models import AuditAction
from tracker.forms import DateWithinYears, SelectField, TrackerForm


def _optional_int(value):
    return int(value) if value not in (None, "") else None


class AuditFilterForm(TrackerForm):
    """Who, which record, what, and when."""

    class Meta:
        csrf = False

    # No Optional() on the selects: it would accept whitespace and skip the choice check.
    # The empty choice ("any") is in each list instead.
    user = SelectField("Staff member", coerce=_optional_int)
    record_type = SelectField("Record type", default="")
    record_id = IntegerField("Record number", validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    action = SelectField(
        "Action",
        default="",
        choices=[SelectChoice("", "Any action")] + [SelectChoice(a.value, a.label) for a in AuditAction],
    )
    date_from = DateField("From", validators=[Optional(), DateWithinYears()])
    date_to = DateField("To", validators=[Optional(), DateWithinYears()])

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")
