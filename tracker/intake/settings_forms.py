"""The public form's settings page: each entry checked beside its field."""

from urllib.parse import urlsplit

from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length, Regexp, ValidationError

from tracker.forms import TrackerForm, version_field
from tracker.intake import public_form
from tracker.patients.forms import valid_email, valid_phone
from tracker.patients.phones import normalise_phone
from tracker.patients.services import normalise_email


def _http_url(_form, field) -> None:
    text = (field.data or "").strip()
    if not text:
        return
    try:
        parts = urlsplit(text)
    except ValueError as error:
        raise ValidationError("Enter the full address of the page, starting https://.") from error
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in text):
        raise ValidationError("Enter the full address of the page, starting https://.")


class PublicFormSettingsForm(TrackerForm):
    """How the public enquiry form looks, where it may be embedded, and who hears of its enquiries."""

    enabled = BooleanField("The public enquiry form is on",
                           description="When off, its address shows “not found”. Set the privacy notice first.")
    accent_colour = StringField("Accent colour", render_kw={"type": "color"},
                                validators=[Regexp(r"^#[0-9a-fA-F]{6}\Z", message="Choose a colour (#rrggbb).")],
                                description="Buttons and the focus outline. Button text is white or black, "
                                            "whichever reads better on it.")
    logo = FileField("Logo", render_kw={"accept": "image/png,image/jpeg"},
                     description="PNG or JPEG, at most 200 KB. Shown at the top of the form.")
    remove_logo = BooleanField("Remove the current logo")
    privacy_notice_url = StringField("Privacy notice address", validators=[Length(max=500), _http_url],
                                     render_kw={"type": "url", "placeholder": "https://www.example-clinic.co.uk/privacy"},
                                     description="Linked from the form (opens in a new tab). Without one, the form "
                                                 "says the privacy notice is available on request.")
    clinic_phone = StringField("Clinic phone number", validators=[Length(max=40), valid_phone],
                               render_kw={"type": "tel"},
                               description="Shown on the thank-you page and when a submission cannot be accepted.")
    embed_origins = TextAreaField("Web sites allowed to embed the form", validators=[Length(max=2000)],
                                  render_kw={"rows": 3, "placeholder": "https://www.example-clinic.co.uk"},
                                  description="One address per line, like https://www.example-clinic.co.uk "
                                              "(no path). None: the form cannot be shown inside another site.")
    notify_email = StringField("E-mail new enquiries to", validators=[Length(max=320), valid_email],
                               render_kw={"type": "email"},
                               description="One e-mail per web enquiry, with no clinical details. Empty: none.")
    version = version_field()

    def validate_logo(self, field) -> None:
        self.logo_upload = None
        upload = field.data
        if not upload or not getattr(upload, "filename", None):
            return
        data = upload.stream.read(public_form.LOGO_MAX_BYTES + 1)
        if len(data) > public_form.LOGO_MAX_BYTES:
            raise ValidationError("The logo is larger than 200 KB; make it smaller and upload it again.")
        kind = public_form.logo_type(data)
        if kind is None:
            raise ValidationError("Upload a PNG or JPEG image (other kinds, SVG included, are not accepted).")
        self.logo_upload = (data, kind)

    def validate_embed_origins(self, field) -> None:
        try:
            public_form.parse_origins(field.data or "")
        except public_form.InvalidOrigin as error:
            raise ValidationError(str(error)) from error

    def change(self) -> public_form.SettingsChange:
        """The validated entries, normalised (E.164 phone, lower-case e-mail and origins)."""
        phone = (self.clinic_phone.data or "").strip()
        email = (self.notify_email.data or "").strip()
        return public_form.SettingsChange(
            enabled=bool(self.enabled.data), accent_colour=self.accent_colour.data,
            privacy_notice_url=(self.privacy_notice_url.data or "").strip() or None,
            clinic_phone=normalise_phone(phone) if phone else None,
            embed_origins=public_form.parse_origins(self.embed_origins.data or ""),
            notify_email=normalise_email(email) if email else None,
            logo=getattr(self, "logo_upload", None), remove_logo=bool(self.remove_logo.data))

    @classmethod
    def for_settings(cls, settings, **kwargs) -> "PublicFormSettingsForm":
        """The form filled from the saved settings (origins one per line)."""
        return cls(data={"enabled": settings.enabled, "accent_colour": settings.accent_colour,
                         "privacy_notice_url": settings.privacy_notice_url, "clinic_phone": settings.clinic_phone,
                         "embed_origins": "\n".join(public_form.allowed_origins(settings)),
                         "notify_email": settings.notify_email, "version": settings.version}, **kwargs)
