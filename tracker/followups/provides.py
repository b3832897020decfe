"""What follow-ups give the features below them: the enquiry's follow-ups panel and timeline lines, the overdue
drill-down, the export's next-follow-up column, and the open work of a deactivated account."""

from datetime import datetime

from sqlalchemy import ColumnElement, exists, false, select

from tracker.auth import hooks as account_hooks
from tracker.enquiries import export, hooks
from tracker.enquiries.hooks import Entry, PagePart
from tracker.enquiries.models import Enquiry
from tracker.followups import services, timeline
from tracker.followups.models import FollowUp, FollowUpStatus

account_hooks.deactivated.provider(rank=10)(services.hand_to_team)


@hooks.page_parts.provider(rank=40)
def follow_ups_panel(enquiry, *, clinical: bool) -> PagePart:
    """The enquiry's follow-ups: open ones soonest first, then closed ones."""
    return PagePart({"follow_ups": services.for_enquiry(enquiry.id)},
                    panels=((hooks.WORK, "followups/_enquiry_followups.html"),))


@hooks.timeline_entries.provider(rank=50)
def follow_up_entries(enquiry_id: int, *, clinical: bool, loaded: dict) -> list[Entry]:
    """Follow-ups done, cancelled, rescheduled or made by a rule."""
    follow_ups = loaded.get("follow_ups")
    return timeline.timeline_entries(enquiry_id, services.for_enquiry(enquiry_id) if follow_ups is None else follow_ups)


@hooks.drill_conditions.provider(rank=20)
def overdue_with(drill, now: datetime) -> list[ColumnElement[bool]]:
    """'Overdue follow-up with' a user (id as text) or the "team"."""
    if not drill.overdue:
        return []
    if drill.overdue == "team":
        who = FollowUp.assigned_to_id.is_(None)
    elif drill.overdue.isascii() and drill.overdue.isdigit():
        who = FollowUp.assigned_to_id == int(drill.overdue)
    else:  # not a filter the form lets through: matches nothing rather than everything
        return [false()]
    return [exists().where(FollowUp.enquiry_id == Enquiry.id, FollowUp.status == FollowUpStatus.OPEN,
                           FollowUp.overdue_at < now, who)]


_next_follow_up_due = (select(FollowUp.due_on)
                       .where(FollowUp.enquiry_id == Enquiry.id, FollowUp.status == FollowUpStatus.OPEN)
                       .order_by(FollowUp.overdue_at, FollowUp.id).limit(1).scalar_subquery())


@export.columns.provider(rank=10)
def next_follow_up_column() -> list[export.Column]:
    """'Next follow-up due', after 'First contacted' (rank 140) and before 'Lost from stage' (150)."""
    return [export.Column("Next follow-up due", _next_follow_up_due, rank=145)]
