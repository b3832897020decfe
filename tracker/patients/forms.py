"""The patient's details form, shared by the quick log and the edit page."""

from email_validator import EmailNotValidError
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from tracker.clock import clinic_today
from tracker.forms import DateWithinYears, SelectField, TrackerForm, version_field
from tracker.patients.models import ConsentMethod, ContactMethod
from tracker.patients.phones import InvalidPhone, normalise_phone
from tracker.patients.services import PatientDetails, normalise_email


def valid_phone(_form, field) -> None:
    """A number phonenumbers can read; the message says what is wrong."""
    if field.data and field.data.strip():
        try:
            normalise_phone(field.data)
        except InvalidPhone as error:
            raise ValidationError(str(error)) from error


def valid_email(_form, field) -> None:
    """An e-mail address in a deliverable-looking form."""
    if field.data and field.data.strip():
        try:
            normalise_email(field.data)
        except EmailNotValidError as error:
            raise ValidationError(f"This is not a valid e-mail address: {error}") from error


def not_in_future(_form, field) -> None:
    """A date of birth cannot be in the future."""
    if field.data and field.data > clinic_today():
        raise ValidationError("A date of birth cannot be in the future.")


NOTES_MAX = 4000

CONTACT_CHOICES = [SelectChoice(m.value, m.label) for m in ContactMethod]
CONSENT_CHOICES = [SelectChoice("", "— how was it given? —")] + [SelectChoice(m.value, m.label) for m in ConsentMethod]


class PatientFieldsMixin:
    """The person: names, contact details, preferences and marketing consent."""

    first_name = StringField("First name", validators=[Length(max=80)], render_kw={"autocomplete": "off"})
    last_name = StringField("Last name", validators=[Length(max=80)], render_kw={"autocomplete": "off"})
    phone = StringField("Phone", validators=[Length(max=40), valid_phone],
                        description="Any common form: 07700 900123, +44 7700 900123.",
                        render_kw={"type": "tel", "autocomplete": "off"})
    email = StringField("E-mail", validators=[Length(max=320), valid_email],
                        render_kw={"type": "email", "autocomplete": "off"})
    date_of_birth = DateField("Date of birth", validators=[Optional(), DateWithinYears(1900, 2100), not_in_future])
    phone_alt = StringField("Other phone", validators=[Length(max=40), valid_phone], render_kw={"type": "tel"})
    preferred_contact = SelectField("Prefers to be contacted by", choices=CONTACT_CHOICES, default="any")
    preferred_times = StringField("Best times to contact", validators=[Length(max=120)],
                                  description="For example: weekday evenings after 6.")
    marketing_consent = BooleanField("Agrees to receive marketing",
                                     description="Separate from their care. Leave unticked unless they said yes.")
    marketing_consent_method = SelectField("Marketing consent given", choices=CONSENT_CHOICES, default="")
    notes = TextAreaField("Notes about the patient", validators=[Length(max=NOTES_MAX)])

    def validate_marketing_consent_method(self, field) -> None:
        if self.marketing_consent.data and not field.data:
            raise ValidationError("Say how they gave consent.")

    def require_person(self) -> bool:
        """Names and a way to reach them are required for a new patient; errors go beside the fields."""
        ok = True
        for name in ("first_name", "last_name"):
            field = getattr(self, name)
            if not (field.data or "").strip():
                field.errors.append("Enter the " + field.label.text.lower() + ".")
                ok = False
        if not (self.phone.data or "").strip() and not (self.email.data or "").strip():
            self.phone.errors.append("Enter a phone number or an e-mail address.")
            ok = False
        return ok

    def patient_details(self) -> PatientDetails:
        """The validated fields, normalised."""
        phone = self.phone.data.strip() if self.phone.data else ""
        alt = self.phone_alt.data.strip() if self.phone_alt.data else ""
        email = self.email.data.strip() if self.email.data else ""
        method = self.marketing_consent_method.data
        return PatientDetails(
            first_name=self.first_name.data.strip(),
            last_name=self.last_name.data.strip(),
            phone=normalise_phone(phone) if phone else None,
            phone_alt=normalise_phone(alt) if alt else None,
            email=normalise_email(email) if email else None,
            date_of_birth=self.date_of_birth.data,
            preferred_contact=ContactMethod(self.preferred_contact.data),
            preferred_times=(self.preferred_times.data or "").strip() or None,
            marketing_consent=bool(self.marketing_consent.data),
            marketing_consent_method=ConsentMethod(method) if method else None,
            notes=(self.notes.data or "").strip() or None,
        )


class PatientForm(PatientFieldsMixin, TrackerForm):
    """Edit a patient's details."""

    first_name = StringField("First name", validators=[DataRequired("Enter the first name."), Length(max=80)])
    last_name = StringField("Last name", validators=[DataRequired("Enter the last name."), Length(max=80)])
    notes = TextAreaField("Notes about the patient")
    version = version_field()
    notes_limit = NOTES_MAX

    @classmethod
    def for_patient(cls, patient, **kwargs) -> "PatientForm":
        """The form for this record. A merge appends the other record's notes and never cuts them, so notes may
        be longer than NOTES_MAX: they can be saved back as long as they are, not made longer."""
        form = cls(**kwargs)
        form.notes_limit = max(NOTES_MAX, len(patient.notes or ""))
        return form

    def validate_notes(self, field) -> None:
        if len((field.data or "").replace("\r\n", "\n")) > self.notes_limit:  # browsers send line ends as CRLF
            extra = " (they are long from a merge: shorten them to add more)" if self.notes_limit > NOTES_MAX else ""
            raise ValidationError(f"Notes can be at most {self.notes_limit:,} characters{extra}.")

    def validate_phone(self, field) -> None:
        if not (field.data or "").strip() and not (self.email.data or "").strip():
            raise ValidationError("Enter a phone number or an e-mail address.")


class VersionForm(TrackerForm):
    """A button that acts on a record as the page showed it (archive, restore)."""

    version = version_field()


class MergeForm(TrackerForm):
    """Merge two records: which one to keep (the button pressed), and both records' versions as the page showed."""

    keep = IntegerField(validators=[InputRequired("Choose the record to keep.")])
    first_version = version_field()
    second_version = version_field()

    def validate_keep(self, field) -> None:
        if field.data not in self.ids:
            raise ValidationError("Choose one of the two records to keep.")

    @classmethod
    def for_pair(cls, first, second) -> "MergeForm":
        """The form for these two records, carrying their versions as they stand now."""
        form = cls(first_version=first.version, second_version=second.version)
        form.ids = (first.id, second.id)
        return form

    def take_current_versions(self, first, second) -> None:
        """After a refused merge: the form now carries the saved versions, so merging again goes through."""
        for field, record in ((self.first_version, first), (self.second_version, second)):
            field.data, field.raw_data = record.version, [str(record.version)]
