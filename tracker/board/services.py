"""Moving a card: the enquiry page's stage rules, and contacted for a new enquiry through the contact log."""

from tracker.audit import services as audit
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import ContactOutcome, Enquiry
from tracker.enquiries.stages import Stage
from tracker.settings.models import Option

REACHED_LABEL = "Contacted (we reached them)"


def moves(enquiry: Enquiry) -> list[tuple[Stage, str]]:
    """The moves a card offers, with their labels: the enquiry page's stage buttons, and contacted for a new one.

    New to contacted is not a stage button: reaching the enquirer makes it, stamping the first contact
    the reports time. Dropping a new card on Contacted says "we reached them", so it logs exactly that.
    """
    offered = [(stage, stage.label) for stage in enquiries.stage_buttons(enquiry)]
    if enquiry.stage is Stage.NEW:
        offered.insert(0, (Stage.CONTACTED, REACHED_LABEL))
    return offered


def move_card(enquiry: Enquiry, to_stage: Stage, *, version: int, by_id: int | None, note: str | None = None,
              lost_reason: Option | None = None) -> None:
    """Move a card as the enquiry page would (StageError if refused, ConflictError if the card was stale)."""
    if enquiry.stage is Stage.NEW and to_stage is Stage.CONTACTED:
        audit.check_version(enquiry, version)
        enquiries.record_contact(enquiry, ContactOutcome.REACHED, by_id=by_id, note=note)
        return
    enquiries.change_stage(enquiry, to_stage, version=version, by_id=by_id, note=note, lost_reason=lost_reason)
