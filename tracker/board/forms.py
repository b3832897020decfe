"""The form on each card: where to move the enquiry, why when lost, and the version the board showed."""

from wtforms.fields.choices import SelectChoice

from tracker.enquiries.forms import StageForm
from tracker.enquiries.stages import Stage
from tracker.forms import SelectField

ANY_STAGE = [SelectChoice(s.value, s.label) for s in Stage]


class MoveForm(StageForm):
    """A card's move: the enquiry page's stage form (lost needs a reason) with the stage chosen from a list."""

    # Every stage validates, so a move the card does not offer (a drop on another column) reaches the
    # services and is refused with their own reason; the card itself lists only the moves it may make.
    to_stage = SelectField("Move to", choices=ANY_STAGE, validate_choice=False)

    def offer(self, moves: list[tuple[Stage, str]]) -> None:
        """List only the moves this enquiry may make (for showing the form again)."""
        self.to_stage.choices = [SelectChoice(stage.value, label) for stage, label in moves]
