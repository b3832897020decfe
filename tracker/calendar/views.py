"""The week calendar, the feed settings page, and the feed itself."""

import re
from datetime import date, timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.calendar import bp, feeds, queries
from tracker.calendar.forms import ME, TEAM, WeekForm
from tracker.clock import clinic_today
from tracker.db import writes_on_read
from tracker.extensions import db, limiter
from tracker.permissions import public, require

# Per feed (keyed on its token's hash), so one busy or broken calendar cannot use up another's.
# CALENDAR_FEED_RATE_LIMIT overrides it (the benchmark fetches one feed far faster than any calendar).
FEED_LIMIT = "30 per minute; 300 per hour"
_USER_ID = re.compile(r"[0-9]{1,9}")


# --- the week -----------------------------------------------------------------------------

def _week_form() -> WeekForm:
    """The whose/which-week form read from the query string, its list filled and checked."""
    form = WeekForm(request.args)
    asked = request.args.get("who", "")
    staff = queries.people(including=int(asked) if _USER_ID.fullmatch(asked) else None)
    form.who.choices = [(ME, "Me"), (TEAM, "Reception team / everyone")] + [
        (str(u.id), u.full_name if u.active else f"{u.full_name} (deactivated)") for u in staff]
    form.validate()
    return form


def _heading(who: str, form: WeekForm) -> str:
    if who == ME:
        return "Your calendar"
    if who == TEAM:
        return "Everyone's calendar"
    return f"Calendar of {dict(form.who.choices)[who]}"


def _links(who: str, monday: date) -> dict[str, str]:
    weeks = {"previous": monday - timedelta(days=7), "this": queries.week_of(clinic_today()),
             "next": monday + timedelta(days=7)}
    return {name: url_for("calendar.week", who=who, week=day.isoformat()) for name, day in weeks.items()}


@bp.route("/calendar")
@require("followup.view")
def week():
    """A week (Monday to Sunday, clinic time) of follow-ups and appointments: mine, one person's, or everyone's."""
    form = _week_form()
    who = ME if form.who.errors else form.who.data
    owner = current_user.id if who == ME else "all" if who == TEAM else int(who)
    chosen = form.week.data if form.week.data and not form.week.errors else clinic_today()
    monday = queries.week_of(chosen)
    if form.week.data is None and not form.week.errors:
        form.week.data = monday
    shown = queries.week(monday, owner)
    return render_template("calendar/week.html", form=form, week=shown, heading=_heading(who, form),
                           show_owner=who == TEAM, links=_links(who, monday), team_label=queries.TEAM_LABEL,
                           cap=queries.WEEK_CAP)


# --- feed settings ------------------------------------------------------------------------

def _feed_page(new_url: str | None = None):
    return render_template("calendar/feed.html", feed=feeds.live_feed(current_user.id), new_url=new_url)


@bp.route("/calendar/feed")
@require()
def feed():
    """Whether I have a live feed address, and the buttons to make, regenerate or revoke one."""
    return _feed_page()


@bp.route("/calendar/feed", methods=["POST"])
@require()
def feed_create():
    """Make a new feed address (revoking the live one) and show it, this once."""
    token = feeds.create_feed(current_user)
    db.session.commit()
    flash("Your new feed address is below. Copy it now: it is shown only this once.", "success")
    return _feed_page(url_for("calendar.feed_ics", token=token, _external=True))


@bp.route("/calendar/feed/revoke", methods=["POST"])
@require()
def feed_revoke():
    """End my feed address: calendars subscribed to it stop getting updates."""
    if feeds.revoke(current_user) is None:
        flash("You have no feed address to revoke.", "info")
    else:
        db.session.commit()
        flash("Feed address revoked. Calendars subscribed to it will no longer update.", "success")
    return redirect(url_for("calendar.feed"))


# --- the feed -----------------------------------------------------------------------------

def _feed_key() -> str:
    return "calendar-feed:" + feeds.token_hash((request.view_args or {}).get("token", ""))


def _feed_limit() -> str:
    return current_app.config.get("CALENDAR_FEED_RATE_LIMIT") or FEED_LIMIT


@bp.route("/calendar/<token>.ics")
@public
@writes_on_read
@limiter.limit(_feed_limit, key_func=_feed_key)
def feed_ics(token: str):
    """The iCalendar feed a calendar program subscribes to: 404 once revoked or its user is deactivated."""
    found = feeds.feed_for_token(token) or abort(404)
    body, events = feeds.ics(found, clinic_name=current_app.config["CLINIC_NAME"], host=request.host,
                             enquiry_url=lambda enquiry_id: url_for("enquiries.detail", enquiry_id=enquiry_id,
                                                                    _external=True),
                             today=clinic_today())
    feeds.record_fetch(found, events)
    db.session.commit()
    return Response(body, mimetype="text/calendar")
