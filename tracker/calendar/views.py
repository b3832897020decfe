"""The week calendar, the feed settings page, and the feed itself."""

from datetime import date, timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from tracker.calendar import bp, feeds, queries
from tracker.calendar.forms import ME, TEAM, WeekForm
from tracker.clock import clinic_today
from tracker.extensions import db, limiter
from tracker.followups.queries import people
from tracker.followups.services import TEAM_LABEL
from tracker.permissions import public, require

# Per feed (keyed on its token's hash), so one busy or broken calendar cannot use up another's.
# CALENDAR_FEED_RATE_LIMIT overrides it (the benchmark fetches one feed far faster than any calendar).
FEED_LIMIT = "30 per minute; 300 per hour"
# Per client address, counting only fetches that open no feed: guessing tokens (each a fresh per-feed
# allowance) is held off, while a calendar service fetching many real feeds from one address never is.
# CALENDAR_FEED_ADDRESS_LIMIT overrides it.
ADDRESS_LIMIT = "120 per minute"


# --- the week -----------------------------------------------------------------------------

def _week_form() -> WeekForm:
    """The whose/which-week form read from the query string, its list filled and checked."""
    form = WeekForm(request.args)
    form.who.choices = [(ME, "Me"), (TEAM, f"{TEAM_LABEL} / everyone")] + [
        (str(u.id), u.full_name if u.active else f"{u.full_name} (deactivated)") for u in people()]
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
                           show_owner=who == TEAM, links=_links(who, monday), team_label=TEAM_LABEL,
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


def _address_limit() -> str:
    return current_app.config.get("CALENDAR_FEED_ADDRESS_LIMIT") or ADDRESS_LIMIT


def _opened_nothing(response: Response) -> bool:
    return response.status_code == 404


@bp.route("/calendar/<token>.ics")
@public
@limiter.limit(_address_limit, key_func=get_remote_address, deduct_when=_opened_nothing)
@limiter.limit(_feed_limit, key_func=_feed_key)
def feed_ics(token: str):
    """The iCalendar feed a calendar program subscribes to: 404 once revoked or its user is deactivated."""
    # Not @writes_on_read: the lookup is a plain read, so a token that opens nothing writes nothing and takes no
    # write lock; record_fetch then writes in a transaction of its own.
    found = feeds.feed_for_token(token) or abort(404)
    config = current_app.config
    body, events = feeds.ics(found, clinic_name=config["CLINIC_NAME"], domain=feeds.uid_domain(config["BASE_URL"]),
                             enquiry_url=lambda enquiry_id: url_for("enquiries.detail", enquiry_id=enquiry_id,
                                                                    _external=True),
                             today=clinic_today())
    feeds.record_fetch(found, events)
    db.session.commit()
    return Response(body, mimetype="text/calendar")
