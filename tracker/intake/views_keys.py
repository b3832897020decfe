"""The API keys page: list every key, make one (its secret shown once), revoke one."""

from functools import partial

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.extensions import db
from tracker.intake import bp, keys
from tracker.intake.keys_forms import ApiKeyForm, RevokeForm
from tracker.intake.models import ApiKey
from tracker.outcomes import submit
from tracker.permissions import require


def _page(form: ApiKeyForm, *, new_key: str | None = None, new_name: str | None = None, status: int = 200):
    listed = keys.keys_listing()
    return render_template("intake/api_keys.html", form=form, keys=listed, revoke_form=RevokeForm(),
                           active=sum(1 for k in listed if k.active), new_key=new_key, new_name=new_name), status


@bp.route("/admin/api-keys")
@require("apikeys.manage")
def api_keys():
    """Every key, active ones first, with who made it, when it last sent an enquiry, and who revoked it."""
    return _page(ApiKeyForm())


@bp.route("/admin/api-keys", methods=["POST"])
@require("apikeys.manage")
def api_key_create():
    """Make a key and show it, this once, on the response page (never in a flash, the session or a log)."""
    form = ApiKeyForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    key, secret = keys.create_key(form.name.data, by_id=current_user.id)
    db.session.commit()
    return _page(ApiKeyForm(formdata=None), new_key=secret, new_name=key.name)


@bp.route("/admin/api-keys/<id:key_id>/revoke", methods=["POST"])
@require("apikeys.manage")
def api_key_revoke(key_id: int):
    """Withdraw a key: the site using it gets 403 from now on."""
    key = db.get_or_404(ApiKey, key_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash("The page was out of date; please try again.", "warning")
        return redirect(url_for("intake.api_keys"))
    outcome = submit(form, partial(keys.revoke_key, key, version=form.version.data, by_id=current_user.id),
                     to=url_for("intake.api_keys"),
                     done=lambda _: f"Key \u201c{key.name}\u201d revoked: enquiries sent with it are refused "
                                    "from now on.")
    if outcome.response:
        return outcome.response
    flash(outcome.error.message, "danger")  # the page's form is the new-key form: the conflict is said above it
    return _page(ApiKeyForm(formdata=None), status=409)
