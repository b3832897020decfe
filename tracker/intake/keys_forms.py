"""The forms of the API keys page: name a new key; revoke one (a button carrying the version shown)."""

from wtforms import StringField
from wtforms.validators import DataRequired, Length

from tracker.forms import TrackerForm, version_field


class ApiKeyForm(TrackerForm):
    """A new key: only a name, saying who or what will send enquiries with it."""

    name = StringField("Name", validators=[DataRequired("Enter a name for the key."), Length(max=80)],
                       description="Who or what will use it, e.g. \"Clinic website\". Up to 80 characters.")


class RevokeForm(TrackerForm):
    """The revoke button: acts on the version of the key the page showed."""

    version = version_field()
