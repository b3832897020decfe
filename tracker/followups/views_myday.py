"""My day: the signed-in user's overdue, today's and the next 7 days' follow-ups (a manager's: anyone's)."""

from flask import render_template, request, url_for
from flask_login import current_user

from tracker.clock import clinic_today
from tracker.db import utcnow
from tracker.followups import bp, queries, rules, services
from tracker.followups.forms import CALL_CHOICES
from tracker.permissions import require


@bp.route("/follow-ups")
@require("followup.view")
def my_day():
    """Three sections of open follow-ups, 50 a page each, one line a follow-up with an expanding completion row;
    managers filter by person."""
    staff = queries.people() if queries.sees_everyone(current_user) else None
    scope = queries.scope_for(current_user, request.args.get("person"), staff)
    pages = {key: queries.page_of(request.args.get(f"{key}_page")) for key, _ in queries.SECTIONS}
    sections = queries.my_day(scope, current_user, utcnow(), clinic_today(), pages)
    shown = {f"{key}_page": page for key, page in pages.items() if page > 1}

    def page_url(key: str, page: int) -> str:
        """This page with one section at another page (the others kept where they are)."""
        return url_for("followups.my_day", person=scope.person or None,
                       **{**shown, f"{key}_page": page if page > 1 else None})

    back = url_for("followups.my_day", person=scope.person or None, **shown)  # where completing one returns to
    return render_template("followups/my_day.html", sections=sections, scope=scope, staff=staff, back=back,
                           page_url=page_url, section_rows=queries.SECTION_ROWS,
                           rule_label=rules.label, team_label=services.TEAM_LABEL,
                           can_edit=current_user.can("followup.edit"), call_choices=CALL_CHOICES)
