"""Login, logout, self-registration, e-mail verification, password reset and settings."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import lru_cache

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from cyberaware.auth import service
from cyberaware.auth.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    LanguageForm,
    LoginForm,
    NewPasswordForm,
    RegistrationForm,
    ResetRequestForm,
)
from cyberaware.auth.session import is_safe_next
from cyberaware.auth.throttle import Throttles
from cyberaware.auth.tokens import user_from_reset_token, user_from_verify_token
from cyberaware.extensions import db, limiter
from cyberaware.models import utcnow

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    """Rate-limit key of the account a login or reset form names (normalised e-mail)."""
    return "account:" + service.normalize_email(request.form.get("email", ""))[:254]


def _limits(setting: str):  # noqa: ANN202 - returns a callable for Flask-Limiter
    return lambda: current_app.config[setting]


def _post_only() -> bool:
    return request.method != "POST"


def _failed_login(response: Response) -> bool:
    # A successful login redirects; only failures use up the login limits, so a lecture hall
    # behind one NAT address can log in at the start of a class.
    return response.status_code != 302


login_limit_by_address = limiter.shared_limit(_limits("LOGIN_LIMITS"), scope="login-address", exempt_when=_post_only,
                                              deduct_when=_failed_login)
login_limit_by_account = limiter.shared_limit(_limits("LOGIN_LIMITS"), scope="login-account",
                                              key_func=_account_key, exempt_when=_post_only, deduct_when=_failed_login)
reset_limit_by_address = limiter.shared_limit(_limits("RESET_LIMITS"), scope="reset-address", exempt_when=_post_only)
reset_limit_by_account = limiter.shared_limit(_limits("RESET_LIMITS"), scope="reset-account",
                                              key_func=_account_key, exempt_when=_post_only)
log = logging.getLogger("cyberaware.auth")


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """A hash made like real ones, checked when the e-mail is unknown, so that both paths cost one
    password check of the same kind."""
    return generate_password_hash("no account has this password", method=method)


def _throttles() -> Throttles | None:
    """The progressive-delay counters (None when LOGIN_DELAY_ENABLED is off)."""
    if not current_app.config["LOGIN_DELAY_ENABLED"]:
        return None
    throttles = current_app.extensions.get("cyberaware.throttles")
    if throttles is None:
        throttles = Throttles(current_app.config["RATELIMIT_STORAGE_URI"], current_app.config["LOGIN_DELAYS"],
                              current_app.config.get("RATELIMIT_KEY_PREFIX", ""))
        current_app.extensions["cyberaware.throttles"] = throttles
    return throttles


def _delay_subjects(kind: str, email: str) -> dict[str, str]:
    return {f"{kind}-account": service.normalize_email(email)[:254], f"{kind}-address": request.remote_addr or ""}


def _wait_page(template: str, form: object, seconds: int, message: str) -> Response:
    """The form again, with the wait explained, as a 429 with Retry-After."""
    flash(message % {"delay": format_timedelta(timedelta(seconds=seconds), granularity="second", threshold=1.5)},
          "error")
    response = current_app.make_response((render_template(template, form=form), 429))
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/login", methods=["GET", "POST"])
@login_limit_by_address
@login_limit_by_account
def login() -> str | Response:
    """Log in with e-mail and password; the same message for every failure."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        throttles, subjects = _throttles(), _delay_subjects("login", form.email.data)
        wait = throttles.retry_after(subjects) if throttles else 0
        if wait:  # refused without checking the password: guessing cannot go faster than the delay
            return _wait_page("auth/login.html", form, wait, _(
                "Too many unsuccessful attempts for this account or from this network. For your security, "
                "wait %(delay)s before trying again."))
        user = service.find_user_by_email(form.email.data)
        if user is None:
            check_password_hash(_dummy_hash(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")),
                                form.password.data)
        if user is not None and user.check_password(form.password.data) and user.is_active:
            if throttles:
                throttles.forget({"login-account": subjects["login-account"]})
            session.clear()  # a fresh session at login (no fixation)
            login_user(user, remember=form.remember.data)
            user.last_login_at = utcnow()
            db.session.commit()
            log.info("login user_id=%s", user.id)
            target = form.next.data
            return redirect(target if is_safe_next(target) else url_for("main.home"))
        if throttles:
            throttles.record_failure(subjects)
        flash(_("Wrong e-mail address or password, or the account is not activated yet."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """End the session everywhere (the session token is rotated)."""
    current_user.end_all_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
@reset_limit_by_address
def register() -> str | Response:
    """Self-registration for the allowed e-mail domains; answers the same whether or not the
    address already has an account (the mailbox owner learns which by e-mail)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    domains = current_app.config["REGISTRATION_DOMAINS"]
    form = RegistrationForm()
    if form.validate_on_submit():
        email = service.normalize_email(form.email.data)
        if not service.domain_allowed(email, domains):
            form.email.errors.append(
                _("Registration is open to these addresses only: %(domains)s", domains=", ".join(f"@{d}" for d in domains))
            )
        else:
            # After the response: the page and its timing are the same whether or not the address
            # already has an account.
            service.after_response(service.register_student, email, form.first_name.data.strip(),
                                   form.last_name.data.strip(), form.password.data)
            return render_template("auth/check_mailbox.html", email=email)
    return render_template("auth/register.html", form=form, domains=domains)


@bp.route("/activate/<token>")
def verify_email(token: str) -> Response:
    """Activate a self-registered account from the e-mailed link."""
    user = user_from_verify_token(token)
    if user is None:
        flash(_("This activation link is invalid, already used or expired."), "error")
        return redirect(url_for("auth.login"))
    user.email_verified_at = utcnow()
    db.session.commit()
    flash(_("Your account is activated. You can log in."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/reset-password", methods=["GET", "POST"])
@reset_limit_by_address
@reset_limit_by_account
def reset_request() -> str | Response:
    """Ask for a reset link; the answer is the same for known and unknown addresses."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        throttles, subjects = _throttles(), _delay_subjects("reset", form.email.data)
        wait = throttles.retry_after(subjects) if throttles else 0
        if wait:  # counted for every address typed, known or not: the wait reveals nothing
            return _wait_page("auth/reset_request.html", form, wait, _(
                "You asked for several links recently. Wait %(delay)s before asking again; meanwhile, "
                "look in your spam folder."))
        if throttles:
            throttles.record_failure(subjects)
        # Looking the account up, making the token and talking to the SMTP server all happen after
        # the response, so known and unknown addresses get the same page in the same time.
        service.after_response(service.send_reset_link, form.email.data)
        return render_template("auth/check_mailbox.html", email=service.normalize_email(form.email.data), reset=True)
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response:
    """Set a new password from a valid link (also used by invitations)."""
    user = user_from_reset_token(token)
    if user is None:
        flash(_("This link is invalid, already used or expired. Ask for a new one."), "error")
        return redirect(url_for("auth.reset_request"))
    form = NewPasswordForm()
    form.account_email = user.email
    if form.validate_on_submit():
        service.set_new_password(user, form.password.data, current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))
        flash(_("Your password is saved. You can log in."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> str | Response:
    """Language preference and password change."""
    language_form = LanguageForm(prefix="lang", locale=current_user.locale or session.get("lang", "fr"))
    password_form = ChangePasswordForm(prefix="pw")
    password_form.account_email = current_user.email
    if language_form.submit.data and language_form.validate_on_submit():
        current_user.locale = language_form.locale.data
        session["lang"] = language_form.locale.data
        db.session.commit()
        flash(_("Your language is saved."), "success")
        return redirect(url_for("auth.settings"))
    if password_form.submit.data and password_form.validate_on_submit():
        user = current_user._get_current_object()
        if not user.check_password(password_form.current.data):
            password_form.current.errors.append(_("The current password is wrong."))
        else:
            service.set_new_password(user, password_form.password.data,
                                     current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))
            login_user(user)  # stay logged in here with the new session token
            flash(_("Your password is changed; your other sessions are closed."), "success")
            return redirect(url_for("auth.settings"))
    return render_template("auth/settings.html", language_form=language_form, password_form=password_form)


@bp.route("/settings/my-data.json")
@login_required
def my_data() -> Response:
    """Download everything stored about oneself (GDPR right of access), as JSON."""
    from cyberaware.services.privacy import export_user_data

    response = jsonify(export_user_data(current_user))
    response.headers["Content-Disposition"] = 'attachment; filename="cyberaware-my-data.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/settings/delete-account", methods=["GET", "POST"])
@login_required
def delete_account() -> str | Response:
    """Erase one's own student account (staff accounts are removed by an admin)."""
    from cyberaware.services.privacy import erase_account

    if current_user.role != "student":
        abort(403)
    form = DeleteAccountForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not user.check_password(form.password.data):
            form.password.errors.append(_("The password is wrong."))
        else:
            logout_user()
            erase_account(user)
            session.clear()
            flash(_("Your account and your data are deleted."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/delete_account.html", form=form)
