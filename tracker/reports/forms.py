"""The dashboard's range and filters, read from the query string."""

from datetime import date

from wtforms import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from tracker.bookings.services import specialists
from tracker.enquiries.forms import CHANNEL_CHOICES, CONCERN_CHOICES, CoercedIdSelect, id_choices, retired_label
from tracker.enquiries.models import Channel, Concern
from tracker.forms import DateWithinYears, SelectField, TrackerForm
from tracker.reports.filters import DEFAULT_PRESET, PRESETS, ReportFilters, preset_range

MAX_RANGE_DAYS = 3 * 366  # a custom range is capped at about three years: the trend then runs to 37 months


class PipelineForm(TrackerForm):
    """Range preset (or custom dates) and the optional filters of the pipeline dashboard."""

    class Meta:
        csrf = False

    preset = SelectField("Range", default=DEFAULT_PRESET, choices=[SelectChoice(k, v) for k, v in PRESETS.items()])
    start = DateField("From", validators=[Optional(), DateWithinYears(2000, 2100)],
                      description="With the range “Custom”")
    end = DateField("To", validators=[Optional(), DateWithinYears(2000, 2100)], description="With the range “Custom”")
    channel = SelectField("Channel", choices=[SelectChoice("", "Any channel"), *CHANNEL_CHOICES], default="")
    source = CoercedIdSelect("Source")
    assignee = SelectField("Assigned to", default="")
    specialist = CoercedIdSelect("Specialist")
    treatment = CoercedIdSelect("Treatment asked about")
    concern = SelectField("Concern", choices=[SelectChoice("", "Any concern"), *CONCERN_CHOICES], default="")

    def set_choices(self, *, sources, treatments, staff) -> None:
        self.source.choices = id_choices("Any source", sources, retired_label)
        self.treatment.choices = id_choices("Any treatment", treatments, retired_label)
        self.specialist.choices = id_choices("Any specialist", specialists(), lambda u: u.full_name)
        self.assignee.choices = [SelectChoice("", "Anyone"), SelectChoice("none", "Nobody"),
                                 *(SelectChoice(str(u.id), u.full_name if u.active else f"{u.full_name} (deactivated)")
                                   for u in staff)]

    def validate(self, extra_validators=None) -> bool:
        """The fields, then the custom range as a whole (Optional() stops a field's own checks when it is empty)."""
        valid = super().validate(extra_validators)
        if self.preset.data != "custom":
            return valid
        for field, message in ((self.start, "Enter the first day, or choose a preset range."),
                               (self.end, "Enter the last day, or choose a preset range.")):
            if not field.data and not field.errors:
                field.errors = [*field.errors, message]
        if self.start.data and self.end.data and not self.end.errors:
            if self.end.data < self.start.data:
                self.end.errors = [*self.end.errors, "The last day is before the first."]
            elif (self.end.data - self.start.data).days > MAX_RANGE_DAYS:
                self.end.errors = [*self.end.errors, "Choose a range of at most three years."]
        return valid and not self.start.errors and not self.end.errors

    def filters(self, today: date) -> ReportFilters:
        """The filters asked for; a field with an error falls back to no filter (or the default range)."""
        def ok(name):
            return self[name].data if not self[name].errors else None

        preset = ok("preset") or DEFAULT_PRESET
        custom = (preset == "custom" and self.start.data and self.end.data and not self.start.errors
                  and not self.end.errors)
        start, end = (self.start.data, self.end.data) if custom else preset_range(
            preset if preset != "custom" else DEFAULT_PRESET, today)
        return ReportFilters(start=start, end=end, channel=Channel(ok("channel")) if ok("channel") else None,
                             source_id=ok("source"), assignee=ok("assignee") or "", specialist_id=ok("specialist"),
                             treatment_id=ok("treatment"), concern=Concern(ok("concern")) if ok("concern") else None)
