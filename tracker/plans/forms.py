"""Drafting a plan and its items; proposing, accepting, declining; acknowledging a hint."""

from decimal import Decimal

from wtforms import BooleanField, DateField, DecimalField, IntegerField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from tracker.clock import clinic_today
from tracker.consultations.models import Area
from tracker.enquiries.forms import CoercedIdSelect, MultiCheckboxField
from tracker.forms import DateWithinYears, TrackerForm, version_field
from tracker.money import MAX_POUNDS, to_pence, to_pounds, two_places

AREA_CHOICES = [SelectChoice(a.value, a.label) for a in Area]


def _count(label: str, low: int, high: int, description: str) -> IntegerField:
    """An optional whole number in a range; blank takes the catalogue's default."""
    message = f"Enter a number from {low} to {high}."
    return IntegerField(label, description=description, render_kw={"min": low, "max": high},
                        validators=[Optional(), NumberRange(low, high, message=message)])


def _date(label: str, missing: str) -> DateField:
    return DateField(label, format=["%Y-%m-%d", "%d/%m/%Y"], default=clinic_today,
                     invalid_value_message="Enter a real date, such as 23/11/2026.",
                     validators=[InputRequired(message=missing), DateWithinYears(2000, 2200)])


class PlanForm(TrackerForm):
    """A new plan: who will perform it, and notes."""

    practitioner = CoercedIdSelect("Specialist who will perform it (and take consent)",
                                   validators=[InputRequired(message="Choose a specialist.")])
    notes = TextAreaField("Plan notes (clinical)", render_kw={"rows": 3, "maxlength": 5000},
                          validators=[Length(max=5000, message="Keep the notes under %(max)d characters.")])

    def validate_practitioner(self, field) -> None:
        if field.data is None:
            raise ValidationError("Choose a specialist.")


class ItemFieldsForm(TrackerForm):
    """A plan item's sessions, interval, price, phase, areas and notes; blank numbers take the catalogue's."""

    phase = IntegerField("Phase", default=1, render_kw={"min": 1, "max": 9},
                         description="1 first, 2 after phase 1, and so on.",
                         validators=[InputRequired(message="Enter the phase, from 1 to 9."),
                                     NumberRange(1, 9, message="Enter a phase from 1 to 9.")])
    sessions = _count("Sessions", 1, 20, "1 to 20; blank for the catalogue's usual course.")
    interval_weeks = _count("Weeks between sessions", 1, 52, "1 to 52; blank for the catalogue's.")
    price = DecimalField("Price per session (£)", places=2, description="Blank for the catalogue price.",
                         render_kw={"step": "0.01", "min": 0, "inputmode": "decimal"},
                         validators=[Optional(), two_places,
                                     NumberRange(0, MAX_POUNDS, message="Enter an amount from £0 to £100,000.")])
    areas = MultiCheckboxField("Areas to treat", choices=AREA_CHOICES)
    other_areas = StringField("Other areas", render_kw={"maxlength": 200},
                              validators=[Length(max=200, message="Keep this under %(max)d characters.")])
    notes = TextAreaField("Item notes (clinical)", render_kw={"rows": 2, "maxlength": 2000},
                          validators=[Length(max=2000, message="Keep the notes under %(max)d characters.")])

    def price_pence(self) -> int | None:
        return to_pence(self.price.data) if self.price.data is not None else None


def item_data(item) -> dict:
    """A stored item as the edit form's starting values."""
    return {"phase": item.phase, "sessions": item.sessions, "interval_weeks": item.interval_weeks,
            "price": to_pounds(item.price_pence), "areas": list(item.areas or []), "other_areas": item.other_areas,
            "notes": item.notes, "version": item.version}


class ItemForm(ItemFieldsForm):
    """A treatment from the catalogue added to a draft."""

    # No choice check: a treatment retired since the page was opened gets the service's message instead.
    treatment = CoercedIdSelect("Treatment", validate_choice=False,
                                validators=[InputRequired(message="Choose a treatment.")])

    def validate_treatment(self, field) -> None:
        if field.data is None:
            raise ValidationError("Choose a treatment.")

    def set_treatments(self, treatments) -> None:
        """The catalogue's active treatments; each option carries its defaults for the page's script."""
        self.treatment.choices = [SelectChoice(None, "— choose a treatment —")] + [
            SelectChoice(t.id, t.name, render_kw={"data-sessions": t.default_sessions,
                                                  "data-interval": t.default_interval_weeks,
                                                  "data-price": f"{Decimal(t.price_pence) / 100:.2f}"})
            for t in treatments]


class ItemEditForm(ItemFieldsForm):
    """Changing an item of a draft."""

    version = version_field()


class ProposeForm(TrackerForm):
    """The day the written plan was given to the patient: the reflection period runs from it."""

    info_given_on = _date("Information given on", "Enter the date the information was given.")
    version = version_field()


class AcceptForm(TrackerForm):
    """The patient's decision and consent, taken by the specialist who will perform the treatment."""

    decided_on = _date("Decided on", "Enter the date the patient decided.")
    consent_by = CoercedIdSelect("Consent taken by", validators=[InputRequired(message="Choose who took consent.")])
    consent_on = _date("Consent taken on", "Enter the date consent was taken.")
    version = version_field()

    def validate_consent_by(self, field) -> None:
        if field.data is None:
            raise ValidationError("Choose who took consent.")


class DeclineForm(TrackerForm):
    """Why the patient declined; the enquiry may be marked lost with the same reason."""

    decided_on = _date("Decided on", "Enter the date the patient decided.")
    reason = CoercedIdSelect("Reason", validators=[InputRequired(message="Choose why the plan was declined.")])
    note = TextAreaField("Note (reception sees it)", render_kw={"rows": 2, "maxlength": 2000},
                         validators=[Length(max=2000, message="Keep the note under %(max)d characters.")])
    mark_lost = BooleanField("Also mark the enquiry lost with this reason", default=True,
                             description="Untick to keep the enquiry open (another plan, or the patient may return).")
    version = version_field()

    def validate_reason(self, field) -> None:
        if field.data is None:
            raise ValidationError("Choose why the plan was declined.")


def decline_form(stays_open: str | None, **kwargs) -> DeclineForm:
    """The decline form: ticked to mark the enquiry lost only if nothing keeps it open (services.stays_open)."""
    form = DeclineForm(mark_lost=stays_open is None, **kwargs)
    if stays_open:
        form.mark_lost.description = f"Unticked: {stays_open}."
    return form


class StepForm(TrackerForm):
    """A button that acts on one version of a plan (revise, expire)."""

    version = version_field()


class AcknowledgeForm(TrackerForm):
    """A note on a decision-support hint the specialist has seen."""

    note = TextAreaField("Note", validators=[Length(max=1000, message="Keep the note under %(max)d characters.")])
