"""The audit trail's filter form (a GET form: no CSRF token, nothing changes)."""

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from tracker.audit.models import AuditAction


def _optional_int(value):
    return int(value) if value not in (None, "") else None


class AuditFilterForm(FlaskForm):
    """Who, which record, what, and when."""

    class Meta:
        csrf = False

    user = SelectField("Staff member", coerce=_optional_int, validators=[Optional()])
    record_type = SelectField("Record type", validators=[Optional()])
    record_id = IntegerField("Record number", validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    action = SelectField(
        "Action",
        choices=[("", "Any action")] + [(a.value, a.label) for a in AuditAction],
        validators=[Optional()],
    )
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")
