"""Forms for logging and editing enquiries, contact attempts, notes and stage changes."""

from datetime import timedelta

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from tracker.clock import NonexistentLocalTime, local_to_utc, now_local
from tracker.enquiries.drilldown import DrillDown
from tracker.enquiries.models import Channel, Concern, ContactOutcome
from tracker.enquiries.queries import ListFilters
from tracker.enquiries.stages import Stage
from tracker.forms import DateWithinYears, SelectField, TrackerForm, optional_int, version_field
from tracker.patients.forms import PatientFieldsMixin

CHANNEL_CHOICES = [SelectChoice(c.value, c.label) for c in Channel]
CONCERN_CHOICES = [SelectChoice(c.value, c.label) for c in Concern]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; unknown values are refused beside the field."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CoercedIdSelect(SelectField):
    """A select of record ids with an empty first choice; unreadable values are refused, not crashed on."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", optional_int)
        kwargs.setdefault("validate_choice", True)
        super().__init__(*args, **kwargs)


def id_choices(empty: str, records, label=lambda record: record.label) -> list[SelectChoice]:
    """Choices of record ids, after an empty first choice."""
    return [SelectChoice(None, empty), *(SelectChoice(r.id, label(r)) for r in records)]


def retired_label(record) -> str:
    """A list entry's name, marked when it has been retired (it stays on the records that use it)."""
    name = getattr(record, "label", None) or record.name
    return name if record.active else f"{name} (retired)"


STAGE_CHOICES = [SelectChoice("", "Open"), *(SelectChoice(s.value, s.label) for s in Stage), SelectChoice("all", "All")]


def received_not_in_future(_form, field) -> None:
    if field.data and field.data > now_local() + timedelta(minutes=5):
        raise ValidationError("An enquiry cannot be received in the future.")


class EnquiryFieldsMixin:
    """What the enquiry is: how it came, from where, about what, when, and who handles it."""

    channel = SelectField("Channel", choices=CHANNEL_CHOICES, default=Channel.PHONE.value)
    source_id = CoercedIdSelect("How they heard of us")
    concerns = MultiCheckboxField("Concerns", choices=CONCERN_CHOICES)
    caller_words = TextAreaField("In their own words", validators=[Length(max=4000)],
                                 description="What they said they want help with.")
    treatment_ids = MultiCheckboxField("Treatments asked about", coerce=optional_int)
    received_at = DateTimeLocalField("Received", format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                     validators=[InputRequired("Enter when the enquiry came in."),
                                                 DateWithinYears(2000, 2100), received_not_in_future],
                                     default=now_local)
    assigned_to_id = CoercedIdSelect("Assigned to")

    unassigned_label = "— nobody —"

    def set_choices(self, *, sources, treatments, staff) -> None:
        """Fill the choice lists from the clinic's settings, catalogue and staff."""
        self.source_id.choices = id_choices("— not known —", sources, retired_label)
        self.treatment_ids.choices = [SelectChoice(t.id, retired_label(t)) for t in treatments]
        self.assigned_to_id.choices = id_choices(self.unassigned_label, staff,
                                                 lambda u: u.full_name if u.active else f"{u.full_name} (left)")

    def validate_received_at(self, field) -> None:
        if field.data:
            try:
                local_to_utc(field.data)
            except NonexistentLocalTime as error:
                raise ValidationError(str(error)) from error


class QuickLogForm(PatientFieldsMixin, EnquiryFieldsMixin, TrackerForm):
    """A new enquiry in one page: an existing patient or a new one, and the enquiry itself."""

    patient_id = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(1, 2**31 - 1)])
    spoken_to = BooleanField("We spoke with them just now (a call answered live, a walk-in)",
                             description="Counts as first contact at the time received.")
    confirm_new = BooleanField("None of these is the caller: create a new patient")
    unassigned_label = "— me —"  # a new enquiry goes to whoever logs it unless someone is chosen


class EnquiryForm(EnquiryFieldsMixin, TrackerForm):
    """Edit an enquiry."""

    version = version_field()


class ContactForm(TrackerForm):
    """A call-back or message, and what came of it."""

    outcome = SelectField("Outcome", choices=[SelectChoice(o.value, o.label) for o in ContactOutcome],
                          validators=[DataRequired("Choose what happened.")])
    note = TextAreaField("Note", validators=[Length(max=2000)])


class NoteForm(TrackerForm):
    """A note on the timeline."""

    body = TextAreaField("Note", validators=[DataRequired("Write the note."), Length(max=4000)])


class StageForm(TrackerForm):
    """A move along the pipeline; a lost reason is required for lost."""

    to_stage = HiddenField(validators=[DataRequired("Choose a stage.")])
    lost_reason_id = CoercedIdSelect("Why was it lost?")
    note = TextAreaField("Note", validators=[Length(max=2000)])
    version = version_field()

    def set_reasons(self, reasons) -> None:
        """The clinic's lost reasons."""
        self.lost_reason_id.choices = id_choices("— choose —", reasons)

    def validate_to_stage(self, field) -> None:
        if field.data not in {s.value for s in Stage}:
            raise ValidationError("Choose a stage from the list.")

    def validate_lost_reason_id(self, field) -> None:
        if self.to_stage.data == Stage.LOST.value and not field.data:
            raise ValidationError("Choose why the enquiry was lost.")


STAGE_OR_ANY = [SelectChoice("", "Any"), *(SelectChoice(s.value, s.label) for s in Stage)]
ID_OR = {"lost_reason": "none", "overdue": "team"}  # the word each id filter also takes


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class ReportFilterFields:
    """The filters the pipeline report's numbers link with, so the list shows exactly the enquiries counted.

    Not offered as controls: they arrive in a report's link, show as a summary above the list and carry
    over to its other links and exports.
    """

    report = SelectField("Counted by", default="", choices=[SelectChoice("", "—"),
                                                            SelectChoice("pipeline", "the pipeline report")])
    reached = SelectField("Reached stage", default="", choices=STAGE_OR_ANY)
    entered = SelectField("Moved into stage", default="", choices=STAGE_OR_ANY)
    entered_from = DateField("Moved from", validators=[Optional(), DateWithinYears(2000, 2100)])
    entered_to = DateField("Moved until", validators=[Optional(), DateWithinYears(2000, 2100)])
    decided = SelectField("Plan decided", default="", choices=[SelectChoice("", "Any"), SelectChoice("y", "Yes")])
    lost_reason = StringField("Lost reason", filters=[_stripped], validators=[Optional(), Regexp(
        r"^(none|[0-9]{1,9})\Z", message="Choose a lost reason from the list.")])
    lost_from = SelectField("Lost from stage", default="", choices=STAGE_OR_ANY)
    contact = SelectField("First contact", default="", choices=[
        SelectChoice("", "Any"), SelectChoice("within", "Within the target"), SelectChoice("late", "After the target"),
        SelectChoice("none", "Not yet"), SelectChoice("contacted", "Contacted")])
    specialist = IntegerField("Consulted by", validators=[Optional(), NumberRange(1, 2**31 - 1)])
    overdue = StringField("Overdue follow-up with", filters=[_stripped], validators=[Optional(), Regexp(
        r"^(team|[0-9]{1,9})\Z", message="Choose a person or the reception team.")])
    plan = SelectField("Plan", default="", choices=[
        SelectChoice("", "Any"), SelectChoice("proposed", "Proposed"), SelectChoice("accepted", "Accepted"),
        SelectChoice("declined", "Declined")])
    plan_from = DateField("Plan from", validators=[Optional(), DateWithinYears(2000, 2100)])
    plan_to = DateField("Plan until", validators=[Optional(), DateWithinYears(2000, 2100)])


REPORT_FILTERS = tuple(name for name in vars(ReportFilterFields) if not name.startswith("_"))


class ListFilterForm(ReportFilterFields, TrackerForm):
    """The enquiry list's filters (read from the query string; no CSRF on GET)."""

    class Meta:
        csrf = False

    stage = SelectField("Stage", default="", choices=STAGE_CHOICES)
    channel = SelectField("Channel", choices=[SelectChoice("", "Any channel"), *CHANNEL_CHOICES], default="")
    source = CoercedIdSelect("Source")
    assignee = SelectField("Assigned to", default="")
    concern = SelectField("Concern", choices=[SelectChoice("", "Any concern"), *CONCERN_CHOICES], default="")
    treatment = CoercedIdSelect("Treatment asked about")
    received_from = DateField("Received from", validators=[Optional(), DateWithinYears(2000, 2100)])
    received_to = DateField("Received to", validators=[Optional(), DateWithinYears(2000, 2100)])
    uncontacted = BooleanField("Not yet contacted")
    no_followup = BooleanField("No open follow-up")
    sort = SelectField("Sort", default="newest", choices=[SelectChoice("newest", "Newest first"),
                                                          SelectChoice("oldest", "Oldest first"),
                                                            SelectChoice("name", "Patient name")])

    def set_choices(self, *, sources, treatments, staff) -> None:
        self.source.choices = id_choices("Any source", sources, retired_label)
        self.treatment.choices = id_choices("Any treatment", treatments, retired_label)
        self.assignee.choices = [SelectChoice("", "Anyone"), SelectChoice("me", "Me"),
                                 SelectChoice("none", "Nobody")] + [
            (str(u.id), u.full_name if u.active else f"{u.full_name} (deactivated)") for u in staff]

    def validate_received_to(self, field) -> None:
        if field.data and self.received_from.data and field.data < self.received_from.data:
            raise ValidationError("The end date is before the start date.")

    def filters(self, me: int) -> ListFilters:
        """The filters a validated form asks for ("me" is user `me`); an invalid field is ignored (its message
        shows beside it). The list, the board and the export all read them so."""
        ok = {name for name, field in self._fields.items() if not field.errors}
        data = {name: self[name].data if name in ok else None for name in self._fields}
        assignee = data["assignee"] or ""
        if assignee == "me":
            assignee = str(me)
        return ListFilters(
            stage=data["stage"] or "",
            channel=Channel(data["channel"]) if data["channel"] else None,
            source_id=data["source"],
            assignee=assignee,
            concern=Concern(data["concern"]) if data["concern"] else None,
            treatment_id=data["treatment"],
            received_from=data["received_from"],
            received_to=data["received_to"],
            uncontacted=bool(data["uncontacted"]),
            no_followup=bool(data["no_followup"]),
            drill=_drill(data),
        )


def _drill(data: dict) -> DrillDown:
    """The report filters a valid form asks for."""
    def stage(name: str) -> Stage | None:
        return Stage(data[name]) if data[name] else None

    return DrillDown(reached=stage("reached"), entered=stage("entered"), entered_from=data["entered_from"],
                     entered_to=data["entered_to"], decided=data["decided"] == "y",
                     lost_reason=data["lost_reason"] or "",
                     lost_from=stage("lost_from"), contact=data["contact"] or "", specialist_id=data["specialist"],
                     overdue=data["overdue"] or "", plan=data["plan"] or "", plan_from=data["plan_from"],
                     plan_to=data["plan_to"])
