"""The board page, and moving a card through the same stage rules as the enquiry page."""

from datetime import datetime, time, timedelta
from functools import partial

from flask import render_template, request, url_for
from flask_login import current_user

from tracker.auth.sessions import safe_next_url
from tracker.board import bp, queries, services
from tracker.board.forms import MoveForm
from tracker.clock import clinic_today, format_date, to_clinic
from tracker.db import utcnow
from tracker.enquiries import choices, drilldown
from tracker.enquiries.drilldown import DrillDown
from tracker.enquiries.forms import REPORT_FILTERS
from tracker.enquiries.loaders import enquiry_or_404
from tracker.enquiries.stages import Stage
from tracker.outcomes import submit
from tracker.permissions import require
from tracker.settings import services as settings
from tracker.settings.models import OptionKind


def next_step_when(at: datetime) -> str:
    """When an enquiry's next follow-up is due, as the clinic says it: "today", "tomorrow" or a UK date, with
    the time only for a timed one. An all-day follow-up falls due at the end of its day (the next midnight in
    clinic time), so a midnight instant names the day before it and no time."""
    local = to_clinic(at)
    all_day = local.time() == time.min
    day = local.date() - timedelta(days=1) if all_day else local.date()
    today = clinic_today()
    named = {today: "today", today + timedelta(days=1): "tomorrow"}.get(day, format_date(day))
    return named if all_day else f"{named} {local:%H:%M}"


bp.add_app_template_global(next_step_when, "next_step_when")

# The list's own parameters that mean nothing on the board: every open stage is a column, in one order.
NOT_FILTERS = frozenset({"stage", "sort"})


@bp.route("/pipeline/board")
@require("enquiry.view")
def index():
    """A column per open stage with its count and first cards, filtered as the enquiry list is."""
    form, filters = choices.read_filters(request.args, current_user.id)
    board_args = {name: request.args[name] for name in form._fields
                  if request.args.get(name) and name not in NOT_FILTERS}
    movable = current_user.can("enquiry.edit")
    return render_template("board/index.html", form=form, columns=queries.columns(filters), board_args=board_args,
                           report_fields=REPORT_FILTERS, movable=movable, moves=services.moves, now=utcnow(),
                           drill_summary=drilldown.describe(filters.drill) if filters.drill != DrillDown() else [],
                           reasons=settings.options(OptionKind.LOST_REASON) if movable else [],
                           per_column=queries.CARDS_PER_COLUMN)


@bp.route("/pipeline/board/<id:enquiry_id>/move", methods=["POST"])
@require("enquiry.edit")
def move(enquiry_id: int):
    """Move a card; lost needs a reason (asked again beside the field), a refused move says why."""
    enquiry = enquiry_or_404(enquiry_id)
    name = enquiry.patient.full_name
    form = MoveForm()
    form.set_reasons(settings.options(OptionKind.LOST_REASON))
    # Where the card was: the board with its filters (never validated as a field: only ever a same-site path).
    back = safe_next_url(request.form.get("next")) or url_for("board.index")
    if not form.validate_on_submit():
        form.offer(services.moves(enquiry))
        return render_template("board/move.html", form=form, enquiry=enquiry, back=back)
    reason = settings.active_option(OptionKind.LOST_REASON, form.lost_reason_id.data)
    to_stage = Stage(form.to_stage.data)
    move_card = partial(services.move_card, enquiry, to_stage, version=form.version.data, by_id=current_user.id,
                        note=(form.note.data or "").strip() or None, lost_reason=reason)
    return submit(form, move_card, done=f"{name}: now {to_stage.label.lower()}.", to=back, back=back,
                  said=lambda error: f"{name} was not moved: {error}").response
