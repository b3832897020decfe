"""Sign-in, first-run, password and user-administration forms."""

from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, ValidationError

from tracker.auth.passwords import password_problem
from tracker.forms import SelectField, TrackerForm, version_field
from tracker.permissions import Role

ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]


def _strong_password(_form, field) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def _email_field(label: str = "E-mail") -> EmailField:
    return EmailField(
        label,
        validators=[DataRequired(), Length(max=320), Email(check_deliverability=False)],
        render_kw={"autocomplete": "username"},
    )


def _name_field() -> StringField:
    return StringField("Full name", validators=[DataRequired(), Length(max=120)], render_kw={"autocomplete": "name"})


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        "New password",
        validators=[DataRequired(), _strong_password],
        description="At least 12 characters; common passwords are refused.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class LoginForm(TrackerForm):
    """E-mail and password; the field names are the ones password managers look for."""

    email = StringField(
        "E-mail", validators=[DataRequired(), Length(max=320)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=1024)], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField(
        "Keep me signed in on this computer",
        description="Stays signed in after the browser closes, within the usual time limits.",
    )


class SetupForm(TrackerForm):
    """The first administrator."""

    full_name = _name_field()
    email = _email_field()
    password, confirm = _new_password_fields()


class ChangePasswordForm(TrackerForm):
    """A signed-in user changes their own password."""

    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = _new_password_fields()


class UserCreateForm(TrackerForm):
    """An administrator adds a member of staff."""

    full_name = _name_field()
    email = _email_field()
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[InputRequired()])
    password, confirm = _new_password_fields()


class UserEditForm(TrackerForm):
    """An administrator changes a member of staff's name, e-mail or role."""

    full_name = _name_field()
    email = _email_field()
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[InputRequired()])
    version = version_field()


class SetPasswordForm(TrackerForm):
    """An administrator sets a new password for someone."""

    password, confirm = _new_password_fields()


class VersionForm(TrackerForm):
    """A POST button that acts on one version of a record (deactivate, reactivate)."""

    version = version_field()
