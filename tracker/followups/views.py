"""Adding a follow-up to an enquiry; completing (with the next step or a stage move), cancelling, rescheduling."""

from functools import partial

from flask import abort, jsonify, render_template, request, url_for
from flask_login import current_user

from tracker.auth.sessions import safe_next_url
from tracker.clock import clinic_today, format_date, format_since
from tracker.db import utcnow
from tracker.enquiries import services as enquiries
from tracker.enquiries.choices import active_staff
from tracker.enquiries.stages import Stage
from tracker.errors import ConflictError
from tracker.followups import bp, rules, services
from tracker.followups.forms import (
    CancelForm,
    CompleteForm,
    FollowUpForm,
    RescheduleForm,
    assignee_id,
    staff_choices,
)
from tracker.followups.models import FollowUp
from tracker.forms import take_current_version
from tracker.outcomes import submit
from tracker.permissions import require
from tracker.settings import services as settings
from tracker.settings.hours import Week
from tracker.settings.models import OptionKind

# --- shown wherever a follow-up is listed -------------------------------------------------


def due_text(follow_up: FollowUp) -> str:
    """When it is due, as the clinic says it: "23/11/2026 14:00" or "23/11/2026, all day"."""
    when = f"{follow_up.due_time:%H:%M}" if follow_up.due_time else "all day"
    return f"{format_date(follow_up.due_on)}{' ' if follow_up.due_time else ', '}{when}"


def due_badge(follow_up: FollowUp) -> tuple[str, str] | None:
    """An open follow-up against the clock: ("overdue by 2 days", css class), ("due today", ...) or None."""
    if not follow_up.is_open:
        return None
    today, now = clinic_today(), utcnow()
    if follow_up.due_on < today:
        days = (today - follow_up.due_on).days
        return f"overdue by {days} day{'s' if days != 1 else ''}", "text-bg-danger"
    if follow_up.overdue_at <= now:
        return f"overdue by {format_since(follow_up.overdue_at, now)}", "text-bg-danger"
    return ("due today", "text-bg-warning") if follow_up.due_on == today else None


def owner_name(follow_up: FollowUp) -> str:
    """Whose it is: the assignee's name, or the reception team's."""
    return follow_up.assigned_to.full_name if follow_up.assigned_to else services.TEAM_LABEL


bp.add_app_template_global(due_text, "follow_up_due")
bp.add_app_template_global(owner_name, "follow_up_owner")
bp.add_app_template_global(due_badge, "follow_up_badge")
bp.add_app_template_global(rules.label, "follow_up_rule")


# --- helpers ------------------------------------------------------------------------------

def _follow_up_or_404(follow_up_id: int) -> FollowUp:
    """The follow-up with its enquiry, patient and people; 404 if missing or its enquiry is archived."""
    follow_up = services.get(follow_up_id)
    if follow_up is None or follow_up.enquiry.archived_at is not None:
        abort(404)
    return follow_up


def _next_url() -> str | None:
    """Where the page was opened from (a same-site path only), to go back to."""
    return safe_next_url(request.values.get("next"))


def _back(enquiry_id: int) -> str:
    """Where to go once done: the page it was opened from, else the enquiry."""
    return _next_url() or url_for("enquiries.detail", enquiry_id=enquiry_id)


def _wants_json() -> bool:
    """A POST from My day's in-place completion, which reads JSON."""
    return request.method == "POST" and request.accept_mimetypes.best == "application/json"


def _json_done(follow_up_id: int, result):
    """My day's in-place completion, saved: the follow-up done and the next one, if any."""
    return jsonify(ok=True, id=follow_up_id, next_id=result.id if isinstance(result, FollowUp) else None)


def _json_refusal(form, error: Exception | None = None):
    """My day's in-place completion, refused: 409 naming who changed it, or 400 with each field's messages."""
    if isinstance(error, ConflictError):
        return jsonify(ok=False, conflict=str(error)), 409
    errors = {name or "form": list(messages) for name, messages in form.errors.items()}
    return jsonify(ok=False, errors=errors), 400


def _already_closed(follow_up: FollowUp):
    """A done or cancelled follow-up's step pages say so (409 to a POST: someone got there first)."""
    status = 409 if request.method == "POST" else 200
    who = follow_up.closed_by.full_name if follow_up.closed_by else "automatically"
    if _wants_json():
        return jsonify(ok=False, conflict=f"already {follow_up.status.label.lower()} ({who})"), status
    return render_template("followups/closed.html", follow_up=follow_up, enquiry=follow_up.enquiry, who=who,
                           back=_back(follow_up.enquiry_id)), status


def _step(follow_up_id: int, make_form, act, done, template: str):
    """A follow-up's step page: the form, then act on a valid one, commit, say `done`, go back (or answer JSON)."""
    follow_up = _follow_up_or_404(follow_up_id)
    if not follow_up.is_open:
        return _already_closed(follow_up)
    form, status = make_form(follow_up), 200
    if form.validate_on_submit():
        outcome = submit(form, partial(act, follow_up, form), done=None if _wants_json() else lambda _: done(follow_up),
                         to=lambda _: _back(follow_up.enquiry_id))
        if _wants_json():
            return _json_done(follow_up_id, outcome.result) if outcome.response else _json_refusal(form, outcome.error)
        if outcome.response:
            return outcome.response
        status, follow_up = outcome.status, _follow_up_or_404(follow_up_id)
        if not follow_up.is_open:
            return _already_closed(follow_up)
        if status == 409:
            take_current_version(form, follow_up)
    elif _wants_json():
        return _json_refusal(form)
    return render_template(template, form=form, follow_up=follow_up, enquiry=follow_up.enquiry,
                           next_url=_next_url(), back=_back(follow_up.enquiry_id)), status


def _next_working_day():
    """The default due date: tomorrow, or the next day the clinic opens."""
    return Week.load().next_working_day(clinic_today())


def _for(follow_up: FollowUp) -> str:
    """The follow-up as the flashed messages name it: "Call back for Ada Lovelace"."""
    return f"{follow_up.kind.label} for {follow_up.enquiry.patient.full_name}"


# --- adding -------------------------------------------------------------------------------

def _new_form(enquiry) -> FollowUpForm:
    """The add form: on a GET, due the next working day, with the enquiry's assignee (if active) or me."""
    if request.method == "GET":
        owner = enquiry.assigned_to if enquiry.assigned_to and enquiry.assigned_to.active else current_user
        form = FollowUpForm(data={"due_on": _next_working_day(), "assigned_to": str(owner.id)})
    else:
        form = FollowUpForm()
    form.assigned_to.choices = staff_choices(active_staff())
    return form


def _closed_enquiry(enquiry) -> str | None:
    """Why no follow-up can be added to this enquiry (lost, completed), or None."""
    try:
        services.check_enquiry(enquiry)
    except services.FollowUpError as error:
        return str(error)
    return None


@bp.route("/enquiries/<id:enquiry_id>/follow-ups/new", methods=["GET", "POST"])
@require("followup.edit")
def new(enquiry_id: int):
    """Add a follow-up to an open enquiry: kind, due date and maybe a time, who, priority, note."""
    enquiry = enquiries.get_enquiry(enquiry_id) or abort(404)
    form, status = _new_form(enquiry), 200
    if form.validate_on_submit():
        outcome = submit(form, partial(services.add, enquiry, form.details(), by_id=current_user.id),
                         done=lambda added: f"Follow-up added: {added.kind.label}, due {due_text(added)}.",
                         to=_back(enquiry.id))
        if outcome.response:
            return outcome.response
        status, enquiry = outcome.status, enquiries.get_enquiry(enquiry_id) or abort(404)
    return render_template("followups/new.html", form=form, enquiry=enquiry, refusal=_closed_enquiry(enquiry),
                           next_url=_next_url(), back=_back(enquiry.id)), status


# --- completing ---------------------------------------------------------------------------

def _moves(enquiry) -> list[tuple[str, str]]:
    """The stage moves the enquiry page offers, as (value, label)."""
    reopen = enquiry.stage is Stage.LOST
    return [(s.value, f"Reopen (back to {s.label.lower()})" if reopen else s.label)
            for s in enquiries.stage_buttons(enquiry)]


def _complete_form(follow_up: FollowUp) -> CompleteForm:
    """The complete form; on a GET the next one defaults to the same kind and owner, the next working day."""
    if request.method == "GET":
        form = CompleteForm(data={"version": follow_up.version, "next_kind": follow_up.kind.value,
                                  "next_due_on": _next_working_day(),
                                  "next_assigned_to": str(follow_up.assigned_to_id or services.TEAM)})
    else:
        form = CompleteForm()
    form.set_choices(kind=follow_up.kind, moves=_moves(follow_up.enquiry), stage=follow_up.enquiry.stage,
                     reasons=settings.options(OptionKind.LOST_REASON), staff=active_staff())
    return form


def _complete(follow_up: FollowUp, form: CompleteForm) -> FollowUp | None:
    """Done, and in the same transaction the call it was, the next one and the stage move the form asks for;
    the next one."""
    move_to = Stage(form.move_to.data) if form.move_to.data else None
    reason = settings.active_option(OptionKind.LOST_REASON, form.lost_reason.data) if move_to is Stage.LOST else None
    return services.complete(follow_up, outcome=form.outcome.data, version=form.version.data, by_id=current_user.id,
                             then=form.then(), move_to=move_to, lost_reason=reason, contact=form.contact())


@bp.route("/follow-ups/<id:follow_up_id>/complete", methods=["GET", "POST"])
@require("followup.edit")
def complete(follow_up_id: int):
    """Mark a follow-up done with what came of it; in the same step, schedule the next or move the stage."""
    return _step(follow_up_id, _complete_form, _complete, lambda f: f"Done: {_for(f)}", "followups/complete.html")


# --- cancelling and rescheduling ----------------------------------------------------------

@bp.route("/follow-ups/<id:follow_up_id>/cancel", methods=["GET", "POST"])
@require("followup.edit")
def cancel(follow_up_id: int):
    """Cancel a follow-up, saying why."""
    return _step(follow_up_id,
                 lambda f: CancelForm(data={"version": f.version} if request.method == "GET" else None),
                 lambda f, form: services.cancel(f, reason=form.reason.data, version=form.version.data,
                                                 by_id=current_user.id),
                 lambda f: f"Cancelled: {_for(f)}", "followups/cancel.html")


def _reschedule_form(follow_up: FollowUp) -> RescheduleForm:
    """The reschedule form, on a GET as the follow-up stands; its owner stays choosable even if deactivated."""
    current = {"version": follow_up.version, "due_on": follow_up.due_on, "due_time": follow_up.due_time,
               "assigned_to": str(follow_up.assigned_to_id or services.TEAM)}
    form = RescheduleForm(data=current if request.method == "GET" else None)
    form.assigned_to.choices = staff_choices(active_staff(), keep=follow_up.assigned_to)
    return form


def _reschedule(follow_up: FollowUp, form: RescheduleForm):
    """Move it as the form says; the services keep the history."""
    return services.reschedule(follow_up, due_on=form.due_on.data, due_time=form.due_time.data,
                               assigned_to_id=assignee_id(form.assigned_to.data), note=form.note.data,
                               version=form.version.data, by_id=current_user.id)


@bp.route("/follow-ups/<id:follow_up_id>/reschedule", methods=["GET", "POST"])
@require("followup.edit")
def reschedule(follow_up_id: int):
    """Move a follow-up to another date, time or person; the move is kept in its history."""
    return _step(follow_up_id, _reschedule_form, _reschedule,
                 lambda f: f"Moved: {_for(f)}, now due {due_text(f)}", "followups/reschedule.html")
