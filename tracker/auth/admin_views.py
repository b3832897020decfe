"""User administration: list, add, edit, deactivate and reactivate, set a password."""

from functools import partial

from flask import flash, redirect, render_template, url_for

from tracker.auth import bp, queries, services
from tracker.auth.forms import SetPasswordForm, UserCreateForm, UserEditForm, VersionForm
from tracker.auth.models import User
from tracker.auth.sessions import signed_in_user
from tracker.extensions import db
from tracker.forms import take_current_version
from tracker.outcomes import submit
from tracker.permissions import Role, require


@bp.route("/admin/users")
@require("users.manage")
def users():
    """Every account, active ones first."""
    accounts = queries.accounts()
    counts = {role: sum(1 for u in accounts if u.active and u.role == role) for role in Role}
    return render_template("auth/users.html", users=accounts, counts=counts, action_form=VersionForm())


@bp.route("/admin/users/new", methods=["GET", "POST"])
@require("users.manage")
def user_new():
    """Add a member of staff."""
    form = UserCreateForm()
    if form.validate_on_submit():
        outcome = submit(form, partial(services.create_user, form.email.data, form.full_name.data,
                                       Role(form.role.data), form.password.data), to=url_for("auth.users"),
                         done=lambda user: f"{user.full_name} can now sign in as {user.role.label.lower()}.")
        if outcome.response:
            return outcome.response
    return render_template("auth/user_form.html", form=form, user=None)


@bp.route("/admin/users/<id:user_id>/edit", methods=["GET", "POST"])
@require("users.manage")
def user_edit(user_id: int):
    """Change a member of staff's name, e-mail or role."""
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    if form.validate_on_submit():
        outcome = submit(form, partial(services.update_user, user, version=form.version.data, email=form.email.data,
                                       full_name=form.full_name.data, role=Role(form.role.data)),
                         done=lambda _: f"Saved {user.full_name}.", to=url_for("auth.users"))
        if outcome.response:
            return outcome.response
        if outcome.status == 409:
            take_current_version(form, user)
            return render_template("auth/user_form.html", form=form, user=user), 409
    return render_template("auth/user_form.html", form=form, user=user)


def _account_step(user_id: int, step, done: str):
    user = db.get_or_404(User, user_id)
    form = VersionForm()
    if not form.validate_on_submit():
        flash("The page was out of date; please try again.", "warning")
        return redirect(url_for("auth.users"))
    back = url_for("auth.users")
    return submit(form, partial(step, user, form.version.data), done=lambda _: done.format(name=user.full_name),
                  to=back, back=back).response


@bp.route("/admin/users/<id:user_id>/deactivate", methods=["POST"])
@require("users.manage")
def user_deactivate(user_id: int):
    """Stop an account signing in; its sessions end at once and its open follow-ups go to the reception team."""
    def deactivate(user: User, version: int) -> None:
        services.deactivate(user, version=version, by=signed_in_user())

    return _account_step(user_id, deactivate,
                         "{name} is deactivated and signed out everywhere; their open follow-ups are the team's.")


@bp.route("/admin/users/<id:user_id>/reactivate", methods=["POST"])
@require("users.manage")
def user_reactivate(user_id: int):
    """Let a deactivated account sign in again."""
    return _account_step(user_id, lambda u, v: services.reactivate(u, version=v), "{name} can sign in again.")


@bp.route("/admin/users/<id:user_id>/password", methods=["GET", "POST"])
@require("users.manage")
def user_password(user_id: int):
    """Set a new password for someone; their sessions end."""
    user = db.get_or_404(User, user_id)
    form = SetPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        db.session.commit()
        flash(f"New password set for {user.full_name}; tell them in person or by phone.", "success")
        return redirect(url_for("auth.users"))
    return render_template("auth/user_password.html", form=form, user=user)
