"""What a person enquiring tells the clinic, the same on the public form and through the intake API."""

from wtforms import BooleanField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from tracker.enquiries.forms import CONCERN_CHOICES, MultiCheckboxField
from tracker.forms import SelectField, TrackerForm
from tracker.patients.forms import valid_email, valid_phone
from tracker.patients.models import ContactMethod

CONTACT_CHOICES = [SelectChoice(m.value, m.label) for m in ContactMethod]
# The API's field names and their caps, in the order the form shows them (the OpenAPI description reads these).
FIELD_CAPS = {"first_name": 80, "last_name": 80, "phone": 40, "email": 320, "preferred_times": 120, "message": 2000,
              "source": 80}


def one_line(_form, field) -> None:
    """Names and times are one line: a line break in them could lay out fake text in the staff's e-mail."""
    if field.data and ("\n" in field.data or "\r" in field.data):
        raise ValidationError("Please write this on one line.")


class IntakeForm(TrackerForm):
    """An enquiry from the person themselves: who they are, how to reach them, what they would like."""

    first_name = StringField("First name", validators=[DataRequired("Enter your first name."),
                                                       Length(max=FIELD_CAPS["first_name"]), one_line],
                             render_kw={"autocomplete": "given-name"})
    last_name = StringField("Last name", validators=[DataRequired("Enter your last name."),
                                                     Length(max=FIELD_CAPS["last_name"]), one_line],
                            render_kw={"autocomplete": "family-name"})
    phone = StringField("Phone", validators=[Length(max=FIELD_CAPS["phone"]), valid_phone],
                        render_kw={"type": "tel", "autocomplete": "tel"})
    email = StringField("E-mail", validators=[Length(max=FIELD_CAPS["email"]), valid_email],
                        render_kw={"type": "email", "autocomplete": "email"})
    preferred_contact = SelectField("How would you like us to contact you?", choices=CONTACT_CHOICES,
                                    default=ContactMethod.ANY.value)
    preferred_times = StringField("When is a good time?",
                                  validators=[Length(max=FIELD_CAPS["preferred_times"]), one_line],
                                  description="For example: weekday mornings, after 6pm.")
    concerns = MultiCheckboxField("What would you like help with?", choices=CONCERN_CHOICES)
    treatments = MultiCheckboxField("Treatments you are interested in")
    message = TextAreaField("Your message", validators=[Length(max=FIELD_CAPS["message"])])
    # default "": with no sources the page leaves the field out, and an absent field must still be a valid choice.
    source = SelectField("How did you hear about us?", default="", validators=[Length(max=FIELD_CAPS["source"])])
    marketing_consent = BooleanField("Yes, I would like to hear about offers and news by e-mail or text message.",
                                     description="Optional. You can change your mind at any time.")

    def set_choices(self, *, sources, treatments) -> None:
        """The clinic's current sources and treatments (retired ones are not offered to the public)."""
        self.source.choices = [SelectChoice("", "— choose —"), *(SelectChoice(s.label, s.label) for s in sources)]
        self.treatments.choices = [SelectChoice(t.code, t.name) for t in treatments]

    def validate_phone(self, field) -> None:
        if not (field.data or "").strip() and not (self.email.data or "").strip():
            raise ValidationError("Enter a phone number or an e-mail address, so we can reply.")
