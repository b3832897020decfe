"""What plans give the features below them: the enquiry's plans panel, timeline lines and the plan drill-down,
the rules of a treatment session moved or done, and a plan item's enquiry for the hints."""

from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, exists, select

from tracker.bookings import hooks as booking_hooks
from tracker.consultations import hooks as consultation_hooks
from tracker.enquiries import hooks
from tracker.enquiries.drilldown import clinic_days, days_between
from tracker.enquiries.hooks import Entry, PagePart
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.plans import services, sessions
from tracker.plans.models import PlanItem, PlanStatus, TreatmentPlan

booking_hooks.session_moving.provider(rank=10)(sessions.check_moved_session)
booking_hooks.session_performing.provider(rank=10)(sessions.check_performer)


@consultation_hooks.item_enquiry.provider(rank=10)
def item_enquiry(plan_item_id: int) -> int | None:
    """The enquiry a plan item's plan is for (None for no such item)."""
    return db.session.scalar(select(TreatmentPlan.enquiry_id).join(PlanItem, PlanItem.plan_id == TreatmentPlan.id)
                             .where(PlanItem.id == plan_item_id))


@hooks.page_parts.provider(rank=30)
def plans_panel(enquiry, *, clinical: bool) -> PagePart:
    """The enquiry's plans, and each plan item by id for the sessions panel (already loaded: no query)."""
    plans = services.for_enquiry(enquiry.id)
    session_items = {item.id: item for plan in plans for item in plan.items}
    panels = ((hooks.RECORDS, "plans/_enquiry_plans.html"), (hooks.RECORDS, "plans/_enquiry_sessions.html"))
    return PagePart({"plans": plans, "session_items": session_items}, clinical=clinical and bool(plans), panels=panels)


@hooks.timeline_entries.provider(rank=30)
def plan_entries(enquiry_id: int, *, clinical: bool, loaded: dict) -> list[Entry]:
    """Plan versions and decisions (none asked for when the page loaded none)."""
    plans = loaded.get("plans")
    if plans is not None and not plans:
        return []
    return services.timeline_entries(enquiry_id, clinical=clinical, plans=plans)


def plan_condition(plan, status: str, start: date | None, end: date | None) -> ColumnElement[bool]:
    """A plan (the TreatmentPlan entity or an alias) counted as `status` in start..end.

    Proposed: proposed in the range, and not since replaced by a revision (nor back to draft); accepted or
    declined: decided so in the range.
    """
    if status == "proposed":
        return and_(plan.proposed_at.is_not(None), plan.status.not_in((PlanStatus.SUPERSEDED, PlanStatus.DRAFT)),
                    *clinic_days(plan.proposed_at, start, end))
    wanted = PlanStatus.ACCEPTED if status == "accepted" else PlanStatus.DECLINED
    return and_(plan.status == wanted, plan.decided_on.is_not(None), *days_between(plan.decided_on, start, end))


@hooks.drill_conditions.provider(rank=30)
def plan_drill(drill, now: datetime) -> list[ColumnElement[bool]]:
    """'Plan proposed / accepted / declined' in a range."""
    if not drill.plan:
        return []
    return [exists().where(TreatmentPlan.enquiry_id == Enquiry.id,
                           plan_condition(TreatmentPlan, drill.plan, drill.plan_from, drill.plan_to))]
