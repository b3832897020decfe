"""The import's forms: the upload, the mapping of columns to fields, and the confirmed run."""

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, ValidationError

from tracker.forms import SelectField, TrackerForm
from tracker.imports.mapping import FIELDS
from tracker.imports.values import CHOOSE, Column, Lists

NOT_IN_FILE = ""


class UploadForm(TrackerForm):
    """A CSV file to import."""

    file = FileField("CSV or Excel file", validators=[FileRequired(message="Choose a CSV or Excel file to upload.")],
                     description="An Excel workbook (.xlsx: its first sheet), or a CSV file in UTF-8 (Excel: \"CSV "
                                 "UTF-8\"), comma or semicolon separated; a first line naming the columns; up to 50 MB "
                                 "and 200,000 rows.")


class MappingForm(TrackerForm):
    """Which column fills each field: a select per field listing the file's columns (read from the query string)."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    def set_columns(self, headers: list[str]) -> None:
        """Offer the file's columns in every select."""
        choices = [(NOT_IN_FILE, "— not in the file —"), *((h, h) for h in headers)]
        for spec in FIELDS:
            self[spec.key].choices = choices

    def chosen(self) -> dict[str, str]:
        """field key → column, for the fields given a column."""
        return {spec.key: self[spec.key].data for spec in FIELDS if self[spec.key].data}


for _spec in FIELDS:
    setattr(MappingForm, _spec.key, SelectField(_spec.label, description=_spec.help, choices=[], default=NOT_IN_FILE))


class ImportForm(MappingForm):
    """The real run: the mapping previewed (carried in hidden inputs), whether to skip invalid rows, and a confirm."""

    class Meta:
        csrf = True

    skip_invalid = BooleanField("Skip invalid rows and import the others",
                                description="Otherwise one invalid row stops the import and nothing is stored. "
                                            "Skipped rows can be downloaded with the reasons.")
    confirm = BooleanField("I have checked the preview: import these rows",
                           validators=[DataRequired(message="Tick to confirm the import.")])


def _chosen(_form, field) -> None:
    if field.data == CHOOSE:
        raise ValidationError("Choose what this value means.")


class ValuesForm(TrackerForm):
    """The value-mapping step: what each distinct value of a list column means, and the age of history."""

    history_days = IntegerField(
        "Import as history: enquiries older than (days)",
        validators=[InputRequired(message="Enter a number of days (30 unless the clinic wants otherwise)."),
                    NumberRange(min=1, max=36_500, message="Enter a number of days from 1 to 36,500.")],
        description="Older enquiries come in as history, not as work: no first-contact call back and nothing "
                    "overdue (a follow-up date from the file that is still ahead is kept).")


def values_form(columns: list[Column], lists: Lists, data: dict, formdata) -> ValuesForm:
    """The step's form: a select per listed value, named kind-index (the file's own values never round-trip)."""
    selects = {}
    for column in columns:
        choices = [SelectChoice(CHOOSE, "— choose —"),
                   *(SelectChoice(target, label) for target, label in lists.targets(column.kind))]
        for index, value in enumerate(column.values):
            selects[f"{column.kind}-{index}"] = SelectField(value.shown[:80], choices=choices, validators=[_chosen])
    form_class = type("StepForm", (ValuesForm,), selects)
    return form_class(formdata=formdata, data=data)
