"""The plan page, drafting a plan's items, proposing and revising it, and the patient's decision."""

from functools import partial

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.audit import services as audit
from tracker.auth.models import User
from tracker.bookings import services as bookings
from tracker.catalogue import services as catalogue
from tracker.clock import clinic_today
from tracker.consultations import hints
from tracker.consultations import services as consultations
from tracker.consultations.models import Area
from tracker.enquiries.forms import id_choices
from tracker.enquiries.loaders import enquiry_or_404
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.outcomes import submit
from tracker.permissions import require
from tracker.plans import bp, decisions, services
from tracker.plans import sessions as plan_sessions
from tracker.plans.forms import (
    AcceptForm,
    AcknowledgeForm,
    ItemEditForm,
    ItemForm,
    PlanForm,
    ProposeForm,
    StepForm,
    decline_form,
    item_data,
)
from tracker.plans.models import PlanItem, PlanStatus, TreatmentPlan
from tracker.plans.reflection import reflection
from tracker.settings import services as settings
from tracker.settings.models import OptionKind


def _areas_text(item: PlanItem) -> str:
    """An item's target areas as words: 'Left cheek, Nose, back'."""
    return ", ".join([Area(a).label for a in item.areas or []] + ([item.other_areas] if item.other_areas else []))


# Template helpers for every page that shows a plan (the enquiry page's card, the sessions pages).
bp.add_app_template_filter(services.describe, "plan_item")
bp.add_app_template_filter(_areas_text, "plan_areas")
bp.add_app_template_global(reflection, "plan_reflection")


# --- helpers ------------------------------------------------------------------------------


def _plan_or_404(plan_id: int) -> tuple[TreatmentPlan, Enquiry]:
    """The plan with its items and people loaded, and its enquiry (404 if archived)."""
    plan = services.get_plan(plan_id) or abort(404)
    return plan, enquiry_or_404(plan.enquiry_id)


def _item_or_404(item_id: int) -> tuple[PlanItem, TreatmentPlan, Enquiry]:
    item = services.get_item(item_id) or abort(404)
    return item, item.plan, enquiry_or_404(item.plan.enquiry_id)


def _plan_url(plan_id: int, anchor: str | None = None) -> str:
    return url_for("plans.detail", plan_id=plan_id, _anchor=anchor)


def _to_plan(plan_id: int, anchor: str | None = None):
    return redirect(_plan_url(plan_id, anchor))


def _staff_choices(form_field, *, keep: int | None = None) -> dict:
    """Active specialists as a select's choices (and one who has left, if a plan names them); by id."""
    staff = {u.id: u for u in bookings.specialists()}
    if keep is not None and keep not in staff:
        staff[keep] = db.session.get(User, keep)
    form_field.choices = id_choices("— choose a specialist —", staff.values(), label=lambda u: u.full_name)
    return staff


def _item_form(*, blank: bool = False) -> ItemForm:
    """The add-item form with the catalogue's active treatments; `blank`: not filled from this request."""
    form = ItemForm(formdata=None) if blank else ItemForm()
    form.set_treatments(catalogue.active_treatments())
    return form


def _details(form) -> services.ItemDetails:
    return services.ItemDetails(sessions=form.sessions.data, interval_weeks=form.interval_weeks.data,
                                price_pence=form.price_pence(), phase=form.phase.data, areas=form.areas.data or [],
                                other_areas=form.other_areas.data, notes=form.notes.data)


def _item_hints(plan: TreatmentPlan) -> tuple[dict, dict]:
    """Each item's decision-support hints (by item id) and their acknowledgements."""
    assessment, today = consultations.latest_assessment(plan.enquiry_id), clinic_today()
    found = {item.id: hints.for_item(assessment, item.treatment, on=today,
                                     plan_treatments=[other.treatment for other in plan.items if other is not item])
             for item in plan.items}
    return found, hints.acknowledgements(plan_item_ids=[item.id for item in plan.items])


def _audited(page: str, plan: TreatmentPlan):
    """A rendered plan page, its view recorded (no clinical content) if it showed notes or hints.

    A refused change was rolled back before the page was drawn, so the view event is all that is written;
    reception's summary writes nothing, so the page takes no write lock for it.
    """
    if current_user.can("plan.view"):
        audit.record_view_after_reading(plan, "treatment plan")
    return page


def _page(plan: TreatmentPlan, enquiry: Enquiry, *, item_form=None, propose_form=None, status: int = 200):
    """The plan page: the summary for everyone allowed; notes and hints with plan.view; the forms with plan.edit."""
    clinical = current_user.can("plan.view")
    if current_user.can("plan.edit") and plan.status is PlanStatus.DRAFT:
        item_form = item_form or _item_form(blank=True)
        propose_form = propose_form or ProposeForm(formdata=None, version=plan.version)
    item_hints, acknowledged = _item_hints(plan) if clinical else ({}, {})
    sessions = plan_sessions.sessions_for_plan(plan.id) if plan.status is PlanStatus.ACCEPTED else []
    page = render_template("plans/detail.html", plan=plan, enquiry=enquiry, reflection=reflection(plan),
                           clinical=clinical, item_form=item_form, propose_form=propose_form,
                           item_hints=item_hints, acknowledged=acknowledged, revision=services.revision_of(plan),
                           ack_url=_ack_url, sessions=sessions)
    return _audited(page, plan), status


def _ack_url(item_id: int):
    """The acknowledgement URL of an item's hints, as a function of the rule (what hint_list calls)."""
    return lambda rule: url_for("plans.acknowledge_hint", item_id=item_id, rule=rule)


# --- the plan page and a new plan ---------------------------------------------------------

@bp.route("/plans/<id:plan_id>")
@require("plan.summary.view")
def detail(plan_id: int):
    """The plan: its items, price, status, earliest first session and decision; notes and hints for clinicians."""
    plan, enquiry = _plan_or_404(plan_id)
    return _page(plan, enquiry)


@bp.route("/enquiries/<id:enquiry_id>/plans/new", methods=["GET", "POST"])
@require("plan.edit")
def new(enquiry_id: int):
    """Start a draft plan for a consulted enquiry."""
    enquiry = enquiry_or_404(enquiry_id)
    form = PlanForm(practitioner=current_user.id)
    staff = _staff_choices(form.practitioner)
    if form.validate_on_submit():
        outcome = submit(form, partial(services.new_plan, enquiry, practitioner=staff.get(form.practitioner.data),
                                       notes=form.notes.data, by_id=current_user.id),
                         done=lambda plan: f"{plan.title} drafted: add its treatments, then propose it.",
                         to=lambda plan: _plan_url(plan.id))
        if outcome.response:
            return outcome.response
        enquiry = enquiry_or_404(enquiry_id)
    return render_template("plans/new.html", form=form, enquiry=enquiry)


# --- a draft's items ----------------------------------------------------------------------

@bp.route("/plans/<id:plan_id>/items", methods=["POST"])
@require("plan.edit")
def add_item(plan_id: int):
    """Add a catalogue treatment to a draft; blank numbers take the catalogue's."""
    plan, enquiry = _plan_or_404(plan_id)
    form, status = _item_form(), 200
    if form.validate_on_submit():
        outcome = submit(form, lambda: services.add_item(plan, services.treatment_for(form.treatment.data),
                                                         _details(form)),
                         done=lambda item: f"{services.describe(item)} added.",
                         to=lambda item: _plan_url(plan_id, f"item-{item.id}"))
        if outcome.response:
            return outcome.response
        status = outcome.status
        plan, enquiry = _plan_or_404(plan_id)
    return _page(plan, enquiry, item_form=form, status=status)


@bp.route("/plan-items/<id:item_id>/edit", methods=["GET", "POST"])
@require("plan.edit")
def edit_item(item_id: int):
    """Change a draft's item; the page shows its notes, so showing it is audited as the plan page is."""
    item, plan, enquiry = _item_or_404(item_id)
    if plan.status is not PlanStatus.DRAFT:
        flash(f"This plan is {plan.status.label.lower()}: revise it to change its items.", "warning")
        return _to_plan(plan.id)
    form, status = ItemEditForm(data=item_data(item)), 200
    if form.validate_on_submit():
        outcome = submit(form, partial(services.update_item, item, _details(form), version=form.version.data),
                         done=lambda _: f"{services.describe(item)} saved.", to=_plan_url(plan.id, f"item-{item_id}"))
        if outcome.response:
            return outcome.response
        status = outcome.status
        item, plan, enquiry = _item_or_404(item_id)
    page = render_template("plans/edit_item.html", form=form, item=item, plan=plan, enquiry=enquiry)
    return _audited(page, plan), status


def _step(plan_id: int, act, done: str, *, item: PlanItem | None = None):
    """A plan's POST button (remove an item, revise, expire): act, commit, say so, back to a plan page."""
    form = StepForm()
    if not form.validate_on_submit():
        flash("The page was out of date; please try again.", "warning")
        return _to_plan(plan_id)
    return submit(form, lambda: act(form.version.data), done=done, back=_plan_url(plan_id),  # ConflictError: 409
                  to=lambda result: _plan_url(result.id if isinstance(result, TreatmentPlan) else plan_id)).response


@bp.route("/plan-items/<id:item_id>/remove", methods=["POST"])
@require("plan.edit")
def remove_item(item_id: int):
    """Take an item out of a draft (kept, archived)."""
    item, plan, _enquiry = _item_or_404(item_id)
    return _step(plan.id, lambda version: services.remove_item(item, version=version),
                 f"{services.describe(item)} removed.")


# --- proposing, revising, deciding --------------------------------------------------------

@bp.route("/plans/<id:plan_id>/propose", methods=["POST"])
@require("plan.edit")
def propose(plan_id: int):
    """Give the plan to the patient; the reflection period runs from the information date."""
    plan, enquiry = _plan_or_404(plan_id)
    form, status = ProposeForm(), 200
    if form.validate_on_submit():
        outcome = submit(form, partial(services.propose, plan, info_given_on=form.info_given_on.data,
                                       version=form.version.data, by_id=current_user.id),
                         done=lambda _: f"{plan.title} proposed.", to=_plan_url(plan_id))
        if outcome.response:
            return outcome.response
        status = outcome.status
        plan, enquiry = _plan_or_404(plan_id)
    return _page(plan, enquiry, propose_form=form, status=status)


@bp.route("/plans/<id:plan_id>/revise", methods=["POST"])
@require("plan.edit")
def revise(plan_id: int):
    """Start a new version of a proposed plan, with copies of its items."""
    plan, _enquiry = _plan_or_404(plan_id)
    return _step(plan_id, lambda version: services.revise(plan, by_id=current_user.id, version=version),
                 f"New version of plan {plan.number} drafted; the proposed one stands until this one is proposed.")


@bp.route("/plans/<id:plan_id>/expire", methods=["POST"])
@require("plan.edit")
def expire(plan_id: int):
    """The patient never decided: the plan lapses."""
    plan, _enquiry = _plan_or_404(plan_id)
    return _step(plan_id, lambda version: decisions.expire(plan, version=version, by_id=current_user.id),
                 f"{plan.title} marked expired.")


@bp.route("/plans/<id:plan_id>/accept", methods=["GET", "POST"])
@require("plan.edit")
def accept(plan_id: int):
    """Record the patient's acceptance and the consent the performing specialist took."""
    plan, enquiry = _plan_or_404(plan_id)
    if plan.status is not PlanStatus.PROPOSED:
        return _not_proposed(plan)
    form, status = AcceptForm(consent_by=plan.practitioner_id, version=plan.version), 200
    staff = _staff_choices(form.consent_by, keep=plan.practitioner_id)
    if form.validate_on_submit():
        accept_plan = partial(decisions.accept, plan, decided_on=form.decided_on.data,
                              consent_by=staff.get(form.consent_by.data), consent_on=form.consent_on.data,
                              version=form.version.data, by_id=current_user.id)
        outcome = submit(form, accept_plan, to=_plan_url(plan_id),
                         done=lambda _: f"{plan.title} accepted; consent recorded. Sessions can now be booked.")
        if outcome.response:
            return outcome.response
        status = outcome.status
        plan, enquiry = _plan_or_404(plan_id)
    return render_template("plans/accept.html", form=form, plan=plan, enquiry=enquiry,
                           reflection=reflection(plan)), status


@bp.route("/plans/<id:plan_id>/decline", methods=["GET", "POST"])
@require("plan.edit")
def decline(plan_id: int):
    """Record that the patient declined, why, and whether the enquiry is lost."""
    plan, enquiry = _plan_or_404(plan_id)
    if plan.status is not PlanStatus.PROPOSED:
        return _not_proposed(plan)
    form, status = decline_form(decisions.stays_open(plan), version=plan.version), 200
    form.reason.choices = id_choices("— choose —", settings.options(OptionKind.LOST_REASON))
    if form.validate_on_submit():
        decline_plan = partial(decisions.decline, plan, decided_on=form.decided_on.data, note=form.note.data,
                               mark_lost=form.mark_lost.data, version=form.version.data, by_id=current_user.id,
                               reason=settings.active_option(OptionKind.LOST_REASON, form.reason.data))
        outcome = submit(form, decline_plan, to=_plan_url(plan_id), done=lambda _: f"{plan.title} declined" + (
            " and the enquiry marked lost." if form.mark_lost.data else "."))
        if outcome.response:
            return outcome.response
        status = outcome.status
        plan, enquiry = _plan_or_404(plan_id)
    return render_template("plans/decline.html", form=form, plan=plan, enquiry=enquiry), status


def _not_proposed(plan: TreatmentPlan):
    flash(f"{plan.title} is {plan.status.label.lower()}, so there is no decision to record.", "warning")
    return _to_plan(plan.id)


@bp.route("/plan-items/<id:item_id>/hints/<rule>", methods=["POST"])
@require("plan.edit")
def acknowledge_hint(item_id: int, rule: str):
    """Record that the specialist saw a decision-support hint beside an item, with a note."""
    item, plan, _enquiry = _item_or_404(item_id)
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        for error in form.note.errors or ["The page was out of date; please try again."]:
            flash(error, "danger")
        return _to_plan(plan.id, f"item-{item_id}")
    back = _plan_url(plan.id, f"item-{item_id}")
    return submit(form, partial(hints.acknowledge, enquiry_id=plan.enquiry_id, rule=rule, note=form.note.data,
                                by_id=current_user.id, plan_item_id=item.id),
                  done="Hint acknowledged.", to=back, back=back).response
