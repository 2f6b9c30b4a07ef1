"""Account operations used by the views and the CLI (no request handling here)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import after_this_request, current_app, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.security import generate_password_hash

from cyberaware.auth.tokens import make_reset_token, make_verify_token
from cyberaware.extensions import db
from cyberaware.mail import send_mail
from cyberaware.models import Role, User, utcnow

log = logging.getLogger("cyberaware.auth")


def normalize_email(email: str) -> str:
    """Trim and lower-case an address (how every e-mail is stored and looked up)."""
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The account with this address, or None."""
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def domain_allowed(email: str, domains: list[str]) -> bool:
    """True when the address's domain is exactly one of ``domains``."""
    return "@" in email and email.rsplit("@", 1)[1] in domains


def external_url(endpoint: str, **values: object) -> str:
    """An absolute link for e-mails, on CYBERAWARE_PUBLIC_URL when it is set."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def create_user(email: str, role: str = Role.STUDENT, password: str | None = None, *, first_name: str = "",
                last_name: str = "", verified: bool = True) -> User:
    """Add an account to the session (the caller commits). Raises ValueError for a taken e-mail."""
    email = normalize_email(email)
    if find_user_by_email(email) is not None:
        raise ValueError(f"an account already uses {email}")
    user = User(email=email, role=str(role), first_name=first_name, last_name=last_name,
                email_verified_at=utcnow() if verified else None)
    if password:
        user.set_password(password, current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))
    db.session.add(user)
    return user


def after_response(work: Callable[..., Any], *args: Any) -> None:
    """Run ``work(*args)`` once the current response has been sent, in a fresh application and
    request context (same host, scheme and language).

    Used for whatever differs between known and unknown e-mail addresses (looking the account up,
    hashing, creating tokens, talking to the SMTP server): the visible answer is then the same page
    after the same work, so neither its content nor its timing tells whether an account exists.
    Errors are logged, never shown (the page has already been sent).
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    base_url = request.host_url
    locale = str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])

    def run() -> None:
        with app.test_request_context("/", base_url=base_url), force_locale(locale):
            try:
                work(*args)
            except Exception:  # noqa: BLE001 - nobody is left to show it to
                db.session.rollback()
                log.exception("deferred %s failed", getattr(work, "__name__", "work"))

    @after_this_request
    def _schedule(response):  # type: ignore[no-untyped-def]
        response.call_on_close(run)
        return response


def register_student(email: str, first_name: str, last_name: str, password: str) -> None:
    """Create an unverified student and e-mail an activation link; for a taken address, e-mail
    its owner instead. Either way the caller shows the same page."""
    existing = find_user_by_email(email)
    if existing is not None:
        # Same cost as creating the account (one password hash), so timing tells nothing either.
        generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))
        _send(existing, "auth/email/already_registered.txt", _l("Your CyberAware account"),
              reset_url=external_url("auth.reset_request"))
        log.info("registration attempt for existing user_id=%s", existing.id)
        return
    user = create_user(email, Role.STUDENT, password, first_name=first_name, last_name=last_name, verified=False)
    db.session.commit()
    _send(user, "auth/email/verify.txt", _l("Activate your CyberAware account"),
          url=external_url("auth.verify_email", token=make_verify_token(user)))
    log.info("registered user_id=%s", user.id)


def send_reset_link(email: str) -> None:
    """E-mail a reset link when the address has an active account; do nothing visible otherwise."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    _send(user, "auth/email/reset.txt", _l("Reset your CyberAware password"),
          url=external_url("auth.reset_password", token=make_reset_token(user)))
    log.info("password reset link sent to user_id=%s", user.id)


def send_invitation(user: User) -> None:
    """E-mail an imported account a link to choose its password and note when (caller commits)."""
    _send(user, "auth/email/invitation.txt", _l("Your CyberAware account is ready"),
          url=external_url("auth.reset_password", token=make_reset_token(user)))
    user.invited_at = utcnow()


def set_new_password(user: User, password: str, method: str = "scrypt") -> None:
    """Store a new password, close the other sessions, and mark the address verified (the
    link that led here proved the mailbox)."""
    user.set_password(password, method)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.commit()
    log.info("password changed user_id=%s", user.id)


def set_role(user: User, role: str) -> None:
    """Change the role and end the account's sessions (the caller commits)."""
    if role not in {r.value for r in Role}:
        raise ValueError(f"unknown role {role!r}")
    user.role = role
    user.end_all_sessions()


def _send(user: User, template: str, subject: object, **context: object) -> None:
    """Render ``template`` and the lazy ``subject`` in the user's language and send them."""
    with force_locale(user.locale or str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])):
        body = render_template(template, user=user, **context)
        subject_text = str(subject)
    try:
        send_mail(user.email, subject_text, body)
    except OSError:
        log.exception("could not send e-mail to user_id=%s", user.id)
