"""The public "make an enquiry" page, its thank-you page, logo and colours: no sign-in, no staff layout."""

import hashlib
import re

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address

from tracker.db import utcnow
from tracker.enquiries.models import Channel
from tracker.extensions import db, limiter
from tracker.intake import bp, notify, services, spam
from tracker.intake.public_form import allowed_origins, focus_colour, form_settings, text_on
from tracker.permissions import public

# A blueprint of its own inside intake, so its error pages (too many, too large) are the plain public ones
# while the intake API keeps its JSON errors; endpoints are intake.public.*.
public_bp = Blueprint("public", __name__)
LOGO_MAX_AGE = 300  # seconds; a changed logo shows within five minutes
ACCENT = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_ACCENT = "#1d5fa8"


@public_bp.url_value_preprocessor
def _cap_request(_endpoint, _values) -> None:
    # URL preprocessors run before every before_request hook, and the CSRF check in one of them reads the
    # form: the cap must be in place by then, so an oversized body is refused unread.
    request.max_content_length = current_app.config["PUBLIC_FORM_MAX_BYTES"]


def _settings_or_404():
    """The settings of an enabled form; 404 while it is off. Allowed origins may frame the page."""
    settings = form_settings()
    if settings is None or not settings.enabled:
        abort(404)
    g.frame_ancestors = allowed_origins(settings)
    return settings


def _refused_page(template: str, status: int):
    settings = form_settings()
    return render_template(template, settings=settings), status


@public_bp.errorhandler(413)
def too_large(_error):
    """A plain page, in the form's own look, for a request over PUBLIC_FORM_MAX_BYTES."""
    return _refused_page("intake/too_large.html", 413)


@public_bp.errorhandler(429)
def too_many(_error):
    """A plain page, in the form's own look, once an address has sent too many submissions."""
    return _refused_page("intake/too_many.html", 429)


def _rate_limit() -> str:
    return current_app.config["PUBLIC_FORM_RATE_LIMIT"]


def _accent(settings) -> str:
    return settings.accent_colour if ACCENT.fullmatch(settings.accent_colour or "") else DEFAULT_ACCENT


@public_bp.route("/enquire", methods=["GET", "POST"])
@public
@limiter.limit(_rate_limit, key_func=get_remote_address, methods=["POST"])
def enquire():
    """The enquiry form; a valid submission becomes a web-form enquiry on reception's list."""
    settings = _settings_or_404()
    sources, treatments = services.offered_sources(), services.offered_treatments()
    form = spam.GuardedIntakeForm()
    form.set_choices(sources=sources, treatments=treatments)
    if request.method == "GET":
        form.started.data = spam.start_token()
    elif form.validate():
        # The traps are checked on complete forms only: a person who pressed Send too soon sees what is missing.
        if reason := spam.refusal(form):
            spam.log_refusal(reason)
            if reason not in spam.SEND_AGAIN:
                return render_template("intake/refused.html", settings=settings), 400
            form.started.data = spam.start_token()
            return render_template("intake/enquire.html", form=form, settings=settings, send_again=True)
        details = services.details_from(form, sources=sources, treatments=treatments)
        enquiry_id = services.submit(details, channel=Channel.WEB_FORM, received_at=utcnow()).id
        db.session.commit()
        notify.announce(enquiry_id)
        return redirect(url_for(".thanks"))
    return render_template("intake/enquire.html", form=form, settings=settings)


@public_bp.route("/enquire/thanks")
@public
def thanks():
    """Thanks, and the clinic's number; nothing the person typed is shown back."""
    return render_template("intake/thanks.html", settings=_settings_or_404())


@public_bp.route("/enquire/logo")
@public
def logo():
    """The clinic's logo as uploaded (PNG or JPEG); 404 when there is none."""
    settings = _settings_or_404()
    if not settings.logo or settings.logo_type not in ("image/png", "image/jpeg"):
        abort(404)
    response = Response(settings.logo, mimetype=settings.logo_type)
    response.set_etag(hashlib.sha256(settings.logo).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = LOGO_MAX_AGE
    return response.make_conditional(request)


@public_bp.route("/enquire/theme.css")
@public
def theme():
    """The accent colour as CSS variables (the policy allows no inline styles, so they come from here)."""
    settings = _settings_or_404()
    accent = _accent(settings)
    body = render_template("intake/theme.css", accent=accent, on_accent=text_on(accent), focus=focus_colour(accent))
    return Response(body, mimetype="text/css")


bp.register_blueprint(public_bp)
