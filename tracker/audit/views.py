"""Browsing the audit trail (read-only: nothing here changes or deletes a row)."""

from flask import render_template, request
from wtforms.fields.choices import SelectChoice

from tracker.audit import bp, display, hooks, services
from tracker.audit.forms import AuditFilterForm
from tracker.audit.models import AuditAction
from tracker.clock import local_day_end, local_day_start
from tracker.pagination import none_of, paginate
from tracker.permissions import require

PER_PAGE = 50


@bp.route("")
@require("audit.view")
def index():
    """The trail, newest first, filtered by user, record, action and dates."""
    form = AuditFilterForm(request.args)
    staff = [person for answer in hooks.staff.ask() for person in answer]
    form.user.choices = [SelectChoice("", "Anyone")] + [SelectChoice(uid, name) for uid, name in staff]
    form.record_type.choices = [SelectChoice("", "Any record")] + [SelectChoice(t) for t in services.entity_types()]
    valid = form.validate() if request.args else True
    if valid:
        stmt = services.events_query(
            actor_id=form.user.data,
            entity_type=form.record_type.data or None,
            entity_id=form.record_id.data,
            action=AuditAction(form.action.data) if form.action.data else None,
            since=local_day_start(form.date_from.data) if form.date_from.data else None,
            until=local_day_end(form.date_to.data) if form.date_to.data else None,
        )
    else:
        stmt = none_of(services.events_query())
    page = paginate(stmt, PER_PAGE)
    filters = {k: v for k, v in request.args.items() if k != "page"}
    html = render_template("audit/index.html", form=form, page=page, filters=filters,
                           details=display.details)
    if records := services.clinical_records(page.items):  # clinical values shown: whose, is audited
        services.record_view_after_reading(None, "audit trail with clinical detail", records=records)
    return html
