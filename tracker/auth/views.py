"""Sign-in, sign-out, first-run setup and changing one's own password."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.auth import bp, services, throttle
from tracker.auth.forms import ChangePasswordForm, LoginForm, SetupForm
from tracker.auth.sessions import end_session, refresh_session, safe_next_url, signed_in_user, start_session
from tracker.extensions import db
from tracker.permissions import public, require


def _paused_message() -> str:
    return (f"Too many failed attempts. Sign-in is paused for {throttle.lockout_minutes()} minutes; "
            "ask an administrator if you are locked out.")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in with e-mail and password."""
    next_url = safe_next_url(request.args.get("next")) or url_for("main.index")
    if current_user.is_authenticated:
        return redirect(next_url)
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    try:
        user = services.authenticate(form.email.data, form.password.data, request.remote_addr)
    except services.LoginThrottled:
        db.session.commit()
        form.form_errors.append(_paused_message())
        return render_template("auth/login.html", form=form), 429
    except services.LoginFailed:
        db.session.commit()
        form.form_errors.append("That e-mail and password do not match an active account.")
        return render_template("auth/login.html", form=form), 200
    start_session(user, remember=form.remember.data)
    db.session.commit()
    return redirect(next_url)


@bp.route("/logout", methods=["POST"])
@require()
def logout():
    """Sign out; every session of this account ends."""
    services.log_out(signed_in_user())
    db.session.commit()
    end_session()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
@public
def setup():
    """Create the first administrator; gone once any account exists."""
    if services.any_user_exists():
        abort(404)
    form = SetupForm()
    if not form.validate_on_submit():
        return render_template("auth/setup.html", form=form)
    user = services.create_first_admin(form.email.data, form.full_name.data, form.password.data)
    start_session(user, remember=False)
    db.session.commit()
    flash("Welcome. Add your colleagues' accounts here.", "success")
    return redirect(url_for("auth.users"))


@bp.route("/account/password", methods=["GET", "POST"])
@require()
def change_password():
    """Change one's own password; other sessions of the account end."""
    form = ChangePasswordForm()
    user = signed_in_user()
    if form.validate_on_submit():
        try:
            services.change_own_password(user, form.current_password.data, form.password.data, request.remote_addr)
        except services.LoginThrottled:
            db.session.commit()  # the audit of the refusal
            form.current_password.errors.append(_paused_message())
            return render_template("auth/change_password.html", form=form), 429
        except services.AccountRuleError as error:
            db.session.commit()  # the audit of the failed check
            form.current_password.errors.append(str(error))
        else:
            refresh_session(user)
            db.session.commit()
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)
