"""The patient's decision on a proposed plan: accepted with consent, declined, or lapsed; the stages that follow."""

from datetime import date

from sqlalchemy import select

from tracker.audit import services as audit
from tracker.auth.models import User
from tracker.bookings import services as bookings
from tracker.clock import clinic_today, format_date
from tracker.db import utcnow
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import Enquiry
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.plans import services, sessions
from tracker.plans.models import PlanStatus, TreatmentPlan
from tracker.plans.services import PlanError
from tracker.settings.models import Option, OptionKind

_DECIDED = (PlanStatus.PROPOSED, PlanStatus.ACCEPTED)  # plans that keep an enquiry at plan proposed


def _check_decision(plan: TreatmentPlan, decided_on: date, name: str = "decided_on") -> None:
    if decided_on > clinic_today():
        raise PlanError("This date is in the future.", name)
    if plan.info_given_on is not None and decided_on < plan.info_given_on:
        raise PlanError(f"This cannot be before the information was given ({format_date(plan.info_given_on)}).",
                        name)


def _check_proposed(plan: TreatmentPlan, version: int) -> Enquiry:
    audit.check_version(plan, version)
    if plan.status is not PlanStatus.PROPOSED:
        raise PlanError(f"This plan is {plan.status.label.lower()}, so it cannot be decided on now.")
    return services.check_open(db.session.get(Enquiry, plan.enquiry_id))


def accept(plan: TreatmentPlan, *, decided_on: date, consent_by: User | None, consent_on: date, version: int,
           by_id: int | None) -> None:
    """The patient accepts; consent is taken by its practitioner. Booking the first session moves the enquiry."""
    _check_proposed(plan, version)
    _check_decision(plan, decided_on)
    if consent_by is None or consent_by.id != plan.practitioner_id:
        practitioner = db.session.get(User, plan.practitioner_id)
        raise PlanError(f"Consent must be taken by {practitioner.full_name}, who will perform the treatment.",
                        "consent_by")
    _check_decision(plan, consent_on, "consent_on")
    plan.status, plan.decided_on = PlanStatus.ACCEPTED, decided_on
    plan.consent_by_id, plan.consent_on, plan.consent_recorded_at = consent_by.id, consent_on, utcnow()
    db.session.flush()


def _other_open(plan: TreatmentPlan) -> TreatmentPlan | None:
    """Another plan of the enquiry still proposed or accepted, if any (the first by number)."""
    return db.session.scalar(select(TreatmentPlan).where(
        TreatmentPlan.enquiry_id == plan.enquiry_id, TreatmentPlan.id != plan.id, TreatmentPlan.status.in_(_DECIDED))
        .order_by(TreatmentPlan.number, TreatmentPlan.revision).limit(1))


def stays_open(plan: TreatmentPlan) -> str | None:
    """Why the enquiry must stay open when this plan is declined (another plan, or sessions), or None."""
    other = _other_open(plan)
    if other is not None:
        return f"{other.title} is still {other.status.label.lower()}: the enquiry stays open"
    if bookings.holds_a_session(db.session.get(Enquiry, plan.enquiry_id)):
        return "Treatment sessions are booked or done: the enquiry stays open"
    return None


def _step_back(enquiry: Enquiry, plan: TreatmentPlan, *, by_id: int | None, note: str) -> None:
    """With no other plan proposed or accepted, an enquiry at plan proposed goes back to consulted; one in
    treatment whose sessions are all done is completed now that this plan no longer awaits a decision."""
    if enquiry.stage is Stage.PLAN_PROPOSED and _other_open(plan) is None:
        enquiries.move(enquiry, Stage.CONSULTED, by_id=by_id, note=note)
    sessions.complete_if_finished(enquiry, by_id=by_id)


def decline(plan: TreatmentPlan, *, decided_on: date, reason: Option | None, note: str | None, mark_lost: bool,
            version: int, by_id: int | None) -> None:
    """The patient declines, with a reason; the enquiry is marked lost with it (unless stays_open says why not),
    or steps back (_step_back)."""
    enquiry = _check_proposed(plan, version)
    _check_decision(plan, decided_on)
    if reason is None or reason.kind is not OptionKind.LOST_REASON or not reason.active:
        raise PlanError("Choose why the plan was declined.", "reason")
    keeps_open = stays_open(plan) if mark_lost else None
    if keeps_open:
        raise PlanError(f"{keeps_open}; untick this to record the decline.", "mark_lost")
    note = (note or "").strip() or None
    plan.status, plan.decided_on = PlanStatus.DECLINED, decided_on
    plan.decline_reason_id, plan.decline_note = reason.id, note
    db.session.flush()
    if mark_lost:
        try:
            enquiries.mark_lost(enquiry, reason, by_id=by_id, note=note or f"{plan.title} declined")
        except enquiries.StageError as error:
            raise PlanError(str(error)) from error
    else:
        _step_back(enquiry, plan, by_id=by_id, note=f"{plan.title} declined: {reason.label}")


def expire(plan: TreatmentPlan, *, version: int, by_id: int | None) -> None:
    """The patient never decided: the plan lapses and the enquiry steps back as for a decline."""
    enquiry = _check_proposed(plan, version)
    plan.status = PlanStatus.EXPIRED
    db.session.flush()
    _step_back(enquiry, plan, by_id=by_id, note=f"{plan.title} expired")
