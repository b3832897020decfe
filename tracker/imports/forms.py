"""The import's forms: the upload, the mapping of columns to fields, and the confirmed run."""

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField
from wtforms.validators import DataRequired

from tracker.forms import SelectField, TrackerForm
from tracker.imports.mapping import FIELDS

NOT_IN_FILE = ""


class UploadForm(TrackerForm):
    """A CSV file to import."""

    file = FileField("CSV file", validators=[FileRequired(message="Choose a CSV file to upload.")],
                     description="UTF-8 (Excel: \"CSV UTF-8\"), comma or semicolon separated, with a first line "
                                 "naming the columns; up to 50 MB and 200,000 rows.")


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
