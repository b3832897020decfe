"""The assessment form: findings per scar type, severity, the contraindication screen; acknowledging a hint."""

from decimal import Decimal

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Form,
    FormField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation, ValidationError

from tracker.clock import clinic_today
from tracker.consultations.models import (
    SCREEN_QUESTIONS,
    Answer,
    Area,
    Assessment,
    CountBand,
    HerpesStatus,
    KeloidArea,
    ScarType,
    SizeBasis,
    SkinType,
)
from tracker.consultations.scoring import (
    COUNT_COLUMNS,
    GRADES,
    KELOID_CLASS,
    KELOID_POINTS,
    LESION_CLASSES,
    SUBTYPES,
    LesionClass,
)
from tracker.consultations.services import AssessmentDetails, FindingDetails
from tracker.enquiries.forms import MultiCheckboxField
from tracker.forms import DateWithinYears, SelectField, TrackerForm, version_field

MAX_COUNT = 500  # lesions of one kind; far above any face, and keeps typing slips out
MAX_WIDTH, MAX_DEPTH = Decimal(30), Decimal(10)  # millimetres
_NOT_GIVEN = SelectChoice("", "— not given —")


def _choices(members, label=lambda member: member.label) -> list[SelectChoice]:
    return [SelectChoice(member.value, label(member)) for member in members]


def _count_field(label: str) -> IntegerField:
    return IntegerField(label, render_kw={"min": 0, "max": MAX_COUNT, "inputmode": "numeric"},
                        validators=[Optional(), NumberRange(0, MAX_COUNT, message=f"Enter a number from 0 to "
                                                                                  f"{MAX_COUNT}, or leave it blank.")])


class Millimetres:
    """More than 0 and at most `maximum` mm, two decimals at most."""

    def __init__(self, what: str, maximum: Decimal):
        self.what, self.maximum = what, maximum

    def __call__(self, _form, field) -> None:
        # StopValidation: comparing NaN would raise rather than refuse it.
        value = field.data
        if value is None:
            return
        if not value.is_finite() or value.as_tuple().exponent < -2:
            raise StopValidation(f"Enter the {self.what} in millimetres, such as 1.5 (two decimals at most).")
        if value <= 0:
            raise StopValidation(f"The {self.what} must be more than 0 mm; leave it blank if it was not assessed.")
        if value > self.maximum:
            raise StopValidation(f"Enter a {self.what} of at most {self.maximum} mm.")


def _mm_field(label: str, what: str, maximum: Decimal) -> DecimalField:
    return DecimalField(label, places=2, render_kw={"inputmode": "decimal", "step": "0.01", "min": 0,
                                                    "max": maximum},
                        validators=[Optional(), Millimetres(what, maximum)])


class ScarFields(Form):
    """One scar type's findings: a fieldset in the assessment form."""

    class Meta:
        bind_field = TrackerForm.Meta.bind_field  # the control-character check on every field here too

    present = BooleanField("Present")
    count = _count_field("Exact count")
    count_band = SelectField("Or a count band", default="", choices=[_NOT_GIVEN, *_choices(CountBand)])
    width_mm = _mm_field("Typical width (mm)", "width", MAX_WIDTH)
    depth_mm = _mm_field("Typical depth (mm)", "depth", MAX_DEPTH)
    size_basis = SelectField("Sizes measured or estimated", default="", choices=[_NOT_GIVEN, *_choices(SizeBasis)])
    areas = MultiCheckboxField("Facial areas", choices=_choices(Area))
    other_areas = StringField("Other body areas", validators=[Length(max=200, message="Keep this under %(max)d "
                                                                                      "characters.")])

    def details_given(self) -> bool:
        """Whether anything beyond 'present' was filled in (a count of 0 says none, so it is no detail)."""
        return bool(self.count.data or self.count_band.data or _typed(self.width_mm) or _typed(self.depth_mm)
                    or self.size_basis.data or self.areas.data or (self.other_areas.data or "").strip())

    def validate_present(self, field) -> None:
        if not field.data and self.details_given():
            raise ValidationError("Tick present, or clear the details.")

    def validate_count(self, field) -> None:
        if self.present.data and field.data == 0:
            raise ValidationError("Present, but a count of 0: enter the count, or untick present.")

    def validate_count_band(self, field) -> None:
        if field.data and self.count.data and CountBand.of(self.count.data).value != field.data:
            raise ValidationError("The count and the band disagree: give one or the other.")

    def validate_size_basis(self, field) -> None:
        if not field.data and (self.width_mm.data is not None or self.depth_mm.data is not None):
            raise ValidationError("Say whether the sizes were measured or estimated.")

    def details(self, scar_type: ScarType) -> FindingDetails:
        if not self.present.data:
            return FindingDetails(scar_type, count=self.count.data)
        band = CountBand.of(self.count.data) if self.count.data else CountBand(self.count_band.data) \
            if self.count_band.data else None
        return FindingDetails(scar_type, present=True, count=self.count.data, count_band=band,
                              width_mm=self.width_mm.data, depth_mm=self.depth_mm.data,
                              size_basis=SizeBasis(self.size_basis.data) if self.size_basis.data else None,
                              areas=list(self.areas.data or []), other_areas=_text(self.other_areas.data))


def _typed(field) -> bool:
    return bool(field.raw_data and str(field.raw_data[0]).strip())


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def _answer_field(label: str, not_asked: str = "Not asked") -> RadioField:
    choices = _choices(Answer, lambda a: not_asked if a is Answer.NOT_ASKED else a.label)
    return RadioField(label, choices=choices, default=Answer.NOT_ASKED.value,
                      validators=[InputRequired(message="Answer yes, no or " + not_asked.lower() + ".")])


def _legend(lesion_class: LesionClass) -> str:
    points = f"{lesion_class.points} point{'s' if lesion_class.points > 1 else ''} per lesion"
    if lesion_class.name != KELOID_CLASS:
        return f"{lesion_class.name}: {points}"
    *some, last = (str(p) for p in KELOID_POINTS.values() if p)
    return (f"{lesion_class.name}: papular scars {points}; hypertrophic or keloid scars by area "
            f"({', '.join(some)} or {last} points)")


class AssessmentForm(TrackerForm):
    """What the specialist saw and screened at the consultation."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if unbound_field.field_class is FormField:  # its own form's fields get the checks instead
                return unbound_field.bind(form=form, **options)
            return super().bind_field(form, unbound_field, options)

    skin_type = RadioField("Skin type (Fitzpatrick)", choices=_choices(SkinType),
                           validators=[InputRequired(message="Choose the skin type.")])
    ice_pick = FormField(ScarFields, ScarType.ICE_PICK.label)
    boxcar = FormField(ScarFields, ScarType.BOXCAR.label)
    rolling = FormField(ScarFields, ScarType.ROLLING.label)
    hypertrophic = FormField(ScarFields, ScarType.HYPERTROPHIC.label)
    macular = FormField(ScarFields, ScarType.MACULAR.label)
    distensible = _answer_field("Distensible: the atrophic scarring flattens on stretching", "Not assessed")
    predominant = SelectField("Predominant scar type", default="", choices=[_NOT_GIVEN, *_choices(ScarType)])
    gb_grade = RadioField("Goodman & Baron qualitative grade", coerce=int,
                          choices=[SelectChoice(g, f"Grade {g}") for g in GRADES],
                          validators=[InputRequired(message="Choose the grade.")])
    gb_keloid_area = SelectField("Hypertrophic or keloid scars, by area", default=KeloidArea.NONE.value,
                                 choices=_choices(KeloidArea))
    notes = TextAreaField("Clinical notes", render_kw={"rows": 4, "maxlength": 5000},
                          validators=[Length(max=5000, message="Keep the notes under %(max)d characters.")])
    isotretinoin = _answer_field("Isotretinoin (such as Roaccutane) ever taken")
    isotretinoin_last_taken = DateField(
        "Date isotretinoin was last taken", format=["%Y-%m-%d", "%d/%m/%Y"],
        description="An estimate will do, such as the first of the month.",
        invalid_value_message="Enter a real date, such as 23/11/2025.",
        validators=[Optional(), DateWithinYears(1950, 2200)])
    herpes = SelectField("Herpes simplex (cold sores)", default=HerpesStatus.NOT_ASKED.value,
                         choices=_choices(HerpesStatus))
    wellbeing_note = TextAreaField("Psychological wellbeing and expectations", render_kw={"rows": 3, "maxlength": 2000},
                                   validators=[Length(max=2000, message="Keep this under %(max)d characters.")])

    def scar_fields(self) -> list[tuple[ScarType, FormField]]:
        return [(scar_type, self[scar_type.value]) for scar_type in ScarType]

    def lesion_fieldsets(self) -> list[tuple[str, list]]:
        """The Goodman & Baron counts as fieldsets, one per class of the paper's table: (legend, fields)."""
        return [(_legend(lesion_class), [self[subtype.column] for subtype in lesion_class.subtypes]
                 + ([self.gb_keloid_area] if lesion_class.name == KELOID_CLASS else []))
                for lesion_class in LESION_CLASSES]

    def validate_predominant(self, field) -> None:
        if field.data in {t.value for t in ScarType} and not self[field.data].form.present.data:
            raise ValidationError("Choose a scar type ticked present, or none.")

    def validate_isotretinoin_last_taken(self, field) -> None:
        if field.errors:
            return
        if field.data is not None and field.data > clinic_today():
            raise ValidationError("The date cannot be in the future.")
        if field.data is not None and self.isotretinoin.data != Answer.YES.value:
            raise ValidationError("Give a date only when isotretinoin has been taken: choose Yes, or clear the date.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        taken = self.isotretinoin_last_taken
        if self.isotretinoin.data == Answer.YES.value and taken.data is None and not taken.errors:
            taken.errors.append("Give the date isotretinoin was last taken.")
            valid = False
        return valid

    def details(self) -> AssessmentDetails:
        """The assessment a valid form describes."""
        return AssessmentDetails(
            skin_type=SkinType(self.skin_type.data), gb_grade=self.gb_grade.data,
            findings=[fields.form.details(scar_type) for scar_type, fields in self.scar_fields()],
            distensible=Answer(self.distensible.data),
            predominant=ScarType(self.predominant.data) if self.predominant.data else None,
            gb_counts={column: self[column].data for column in COUNT_COLUMNS},
            gb_keloid_area=KeloidArea(self.gb_keloid_area.data),
            notes=_text(self.notes.data), isotretinoin=Answer(self.isotretinoin.data),
            isotretinoin_last_taken=self.isotretinoin_last_taken.data, herpes=HerpesStatus(self.herpes.data),
            screen={column: Answer(self[column].data) for column, _ in SCREEN_QUESTIONS},
            wellbeing_note=_text(self.wellbeing_note.data))


for _subtype in SUBTYPES:  # a count per subtype of the paper's table
    setattr(AssessmentForm, _subtype.column, _count_field(_subtype.label))
for _column, _label in SCREEN_QUESTIONS:  # the one list of screen questions, each a yes / no / not asked
    setattr(AssessmentForm, _column, _answer_field(_label))


class AmendAssessmentForm(AssessmentForm):
    """The assessment form opened on one version of a recorded assessment."""

    version = version_field()


def _value(value):
    return value.value if hasattr(value, "value") else value


def assessment_data(assessment: Assessment) -> dict:
    """The form's fields as the recorded assessment (findings loaded) fills them."""
    data = {column: _value(getattr(assessment, column)) for column in (
        "skin_type", "distensible", "predominant", "gb_grade", *COUNT_COLUMNS, "gb_keloid_area", "notes",
        "isotretinoin", "isotretinoin_last_taken", "herpes", "wellbeing_note", "version",
        *(column for column, _ in SCREEN_QUESTIONS))}
    data["predominant"] = data["predominant"] or ""
    for finding in assessment.findings:
        data[finding.scar_type.value] = {
            "present": finding.present, "count": finding.count,
            "count_band": "" if finding.count is not None or finding.count_band is None else finding.count_band.value,
            "width_mm": finding.width_mm, "depth_mm": finding.depth_mm, "size_basis": _value(finding.size_basis) or "",
            "areas": list(finding.areas or []), "other_areas": finding.other_areas or ""}
    return data


def _shown(field) -> str:
    """A field's value as the user reads it (choice labels, not codes)."""
    data = field.data
    if getattr(field, "choices", None) is not None:
        labels = {str(choice.value): choice.label for choice in map(SelectChoice.from_input, field.choices)}
        return ", ".join(labels.get(str(v), str(v)) for v in (data if isinstance(data, list) else [data])
                         if v not in (None, ""))
    if isinstance(data, bool):
        return "Yes" if data else "No"
    if isinstance(data, Decimal):
        return f"{data.normalize():f}"
    return "" if data is None else str(data)


def differences(submitted: AssessmentForm, current: AssessmentForm) -> list[tuple[str, str, str]]:
    """(label, saved value, your value) for each field the saved assessment has differently."""
    rows = []
    pairs = [(submitted, current, "")] + [(fields.form, current[fields.name].form, f"{scar_type.label}: ")
                                          for scar_type, fields in submitted.scar_fields()]
    for mine, saved, prefix in pairs:
        for field in mine:
            if field.type in ("FormField", "CSRFTokenField") or field.name == "version":
                continue
            theirs, now = _shown(field), _shown(saved[field.short_name])
            if theirs != now:
                rows.append((prefix + field.label.text, now, theirs))
    return rows


class AcknowledgeForm(TrackerForm):
    """A specialist's note on a decision-support hint they have seen."""

    note = TextAreaField("Note (optional)", validators=[Length(max=1000, message="Keep the note to %(max)d "
                                                                                 "characters or fewer.")])
