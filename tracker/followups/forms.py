"""Forms for adding, completing (and scheduling the next), cancelling and rescheduling a follow-up."""

import re
from datetime import date

from wtforms import BooleanField, DateField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, StopValidation, ValidationError

from tracker.clock import clinic_today
from tracker.enquiries.forms import CoercedIdSelect
from tracker.enquiries.models import ContactOutcome
from tracker.enquiries.stages import Stage
from tracker.followups.models import FollowUpKind, Priority
from tracker.followups.services import TEAM, TEAM_LABEL, Details
from tracker.forms import ClockTimeField, DateWithinYears, SelectField, TrackerForm, version_field

KIND_CHOICES = [SelectChoice(k.value, k.label) for k in FollowUpKind]
PRIORITY_CHOICES = [SelectChoice(p.value, p.label) for p in Priority]
CALL_CHOICES = [SelectChoice(o.value, o.label) for o in ContactOutcome]
NOT_A_CALL = "Not a call / don't log"
YEARS_AHEAD = 2
_BAD_TIME = "Enter a time from 00:00 to 23:59 (HH:MM), or leave it blank for all day."
_ID = re.compile(r"[0-9]{1,10}")


class DueDateField(DateField):
    """A date typed or picked; blank (even spaces) is no date, never a parse error."""

    def process_formdata(self, valuelist) -> None:
        if not "".join(valuelist or ()).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


def date_required(message: str):
    """Refuse a missing date (an unreadable one already says why)."""

    def check(_form, field) -> None:
        if field.data is None and not field.errors:
            raise StopValidation(message)

    check.field_flags = {"required": True}
    return check


def from_the_list(message: str):
    """Refuse a select's value that is not one of its choices, with a message saying what to do."""

    def check(_form, field) -> None:
        if str(field.data) not in {str(SelectChoice.from_input(c).value) for c in field.choices or ()}:
            raise ValidationError(message)

    return check


def not_blank(message: str):
    """Refuse text that is empty once stripped."""

    def check(_form, field) -> None:
        if not (field.data or "").strip():
            raise ValidationError(message)

    return check


def assignee_value(_form, field) -> None:
    """An assignee is the reception team or a user's id; who exactly is the services' to check."""
    if field.data != TEAM and not (isinstance(field.data, str) and _ID.fullmatch(field.data)
                                   and 0 < int(field.data) < 2**31):
        raise ValidationError("Choose someone from the list, or the reception team.")


def latest_due(today: date) -> date:
    """The furthest ahead a follow-up may be due: two years from today (1 March for 29 February)."""
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:
        return date(today.year + YEARS_AHEAD, 3, 1)


def within_reach(_form, field) -> None:
    """Refuse a due date more than two years ahead (a slip of the year, most likely)."""
    if field.data and field.data > latest_due(clinic_today()):
        raise ValidationError(f"Choose a date within the next {YEARS_AHEAD} years.")


def _kind() -> SelectField:
    return SelectField("Kind", choices=KIND_CHOICES, default=FollowUpKind.CALL_BACK.value, validate_choice=False,
                       validators=[from_the_list("Choose a kind from the list.")])


def _priority() -> SelectField:
    return SelectField("Priority", choices=PRIORITY_CHOICES, default=Priority.NORMAL.value, validate_choice=False,
                       validators=[from_the_list("Choose high, normal or low.")])


def _due_on(label: str = "Due date", required: bool = True) -> DateField:
    validators = [DateWithinYears(2000, 2200), within_reach]
    if required:
        validators.insert(0, date_required("Choose the date it is due."))
    return DueDateField(label, format=["%Y-%m-%d", "%d/%m/%Y"], validators=validators,
                     invalid_value_message="Enter a real date, such as 23/11/2026.")


def _due_time(label: str = "Time (optional)") -> ClockTimeField:
    return ClockTimeField(label, description="Blank for any time that day.", message=_BAD_TIME)


def _assignee(label: str = "Assigned to") -> SelectField:
    return SelectField(label, validate_choice=False, validators=[assignee_value])


def _note(label: str, limit: int = 2000) -> TextAreaField:
    return TextAreaField(label, render_kw={"rows": 2, "maxlength": limit},
                         validators=[Length(max=limit, message="Keep this under %(max)d characters.")])


def staff_choices(staff, keep=None) -> list[SelectChoice]:
    """The reception team, then active staff by name (and `keep`, a deactivated current assignee, marked)."""
    people = list(staff)
    if keep is not None and all(u.id != keep.id for u in people):
        people.append(keep)
    return [SelectChoice(TEAM, TEAM_LABEL),
            *(SelectChoice(str(u.id), u.full_name if u.active else f"{u.full_name} (deactivated)") for u in people)]


def assignee_id(value: str) -> int | None:
    """A validated assignee choice as a user id (None: the reception team)."""
    return None if value == TEAM else int(value)


class FollowUpForm(TrackerForm):
    """A new follow-up on an enquiry."""

    kind = _kind()
    due_on = _due_on()
    due_time = _due_time()
    assigned_to = _assignee()
    priority = _priority()
    note = _note("Note (optional)")

    def details(self) -> Details:
        """The follow-up this valid form describes."""
        return Details(FollowUpKind(self.kind.data), self.due_on.data, self.due_time.data,
                       assignee_id(self.assigned_to.data), Priority(self.priority.data), self.note.data)


class CompleteForm(TrackerForm):
    """Done, with what came of it; in the same step maybe the next follow-up and a stage move."""

    outcome = TextAreaField("What came of it", render_kw={"rows": 3, "maxlength": 2000},
                            validators=[not_blank("Say what came of it."),
                                        Length(max=2000, message="Keep this under %(max)d characters.")])
    call_result = SelectField("Call result", default="", validate_choice=False,
                              choices=[SelectChoice("", NOT_A_CALL), *CALL_CHOICES],
                              description="Logged on the enquiry: reaching them counts as contact.",
                              validators=[from_the_list("Choose a call result from the list.")])
    schedule_next = BooleanField("Schedule the next follow-up")
    next_kind = _kind()
    next_due_on = _due_on(required=False)
    next_due_time = _due_time()
    next_assigned_to = _assignee()
    next_priority = _priority()
    next_note = _note("Note (optional)")
    move_to = SelectField("Move the enquiry to", validate_choice=False, default="",
                          validators=[from_the_list("That move is not offered for this enquiry now; choose again.")])
    lost_reason = CoercedIdSelect("Why was it lost?", description="Only when moving it to lost.")
    version = version_field()

    call_required = False  # a call-back's completion must say whether the enquirer answered
    NEXT = ("next_kind", "next_due_on", "next_due_time", "next_assigned_to", "next_priority", "next_note")

    def set_choices(self, *, kind: FollowUpKind, moves: list[tuple[str, str]], stage: Stage, reasons,
                    staff) -> None:
        """The call result (required for a call-back), the stage moves the enquiry page offers (value, label),
        the lost reasons and the staff."""
        self.call_required = kind is FollowUpKind.CALL_BACK
        if self.call_required:
            self.call_result.choices = [SelectChoice("", "— choose —"), *CALL_CHOICES]
            self.call_result.flags.required = True
        self.move_to.choices = [SelectChoice("", f"Leave it at {stage.label.lower()}"),
                                *(SelectChoice(value, label) for value, label in moves)]
        self.lost_reason.choices = [SelectChoice(None, "— choose —"), *(SelectChoice(r.id, r.label) for r in reasons)]
        self.next_assigned_to.choices = staff_choices(staff)

    def validate(self, extra_validators=None) -> bool:
        """A call-back needs its call result; the next follow-up's fields count only when it is asked for (then it
        needs a date); a move to lost needs its reason."""
        super().validate(extra_validators)
        if self.call_required and not self.call_result.data and not self.call_result.errors:
            self.call_result.errors.append("Say whether you reached them.")
        if not self.schedule_next.data:
            for name in self.NEXT:
                self[name].errors = []
        elif self.next_due_on.data is None and not self.next_due_on.errors:
            self.next_due_on.errors.append("Choose the date the next one is due.")
        if self.move_to.data == Stage.LOST.value and not self.lost_reason.errors and self.lost_reason.data is None:
            self.lost_reason.errors.append("Choose why the enquiry was lost.")
        return not self.form_errors and not any(field.errors for field in self)

    def contact(self) -> ContactOutcome | None:
        """The call to log with the completion, if it was one."""
        return ContactOutcome(self.call_result.data) if self.call_result.data else None

    def then(self) -> Details | None:
        """The next follow-up asked for, if any."""
        if not self.schedule_next.data:
            return None
        return Details(FollowUpKind(self.next_kind.data), self.next_due_on.data, self.next_due_time.data,
                       assignee_id(self.next_assigned_to.data), Priority(self.next_priority.data), self.next_note.data)


class CancelForm(TrackerForm):
    """Cancel a follow-up, saying why."""

    reason = TextAreaField("Why is it cancelled?", render_kw={"rows": 2, "maxlength": 2000},
                           validators=[not_blank("Say why it is cancelled."),
                                       Length(max=2000, message="Keep this under %(max)d characters.")])
    version = version_field()


class RescheduleForm(TrackerForm):
    """Move a follow-up to another date, time or person; why, for its history."""

    due_on = _due_on("New date")
    due_time = _due_time()
    assigned_to = _assignee()
    note = _note("Why (optional)")
    version = version_field()
