"""Signed, expiring, single-use links (password reset, invitations, e-mail verification)."""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from cyberaware.extensions import db
from cyberaware.models import User

RESET_SALT = "cyberaware-password-reset"
VERIFY_SALT = "cyberaware-verify-email"


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _password_fingerprint(user: User) -> str:
    """Changes whenever the password changes, which makes a used reset link invalid."""
    return hashlib.sha256((user.password_hash or "no-password").encode()).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    """A link token to set a new password; dies with a password change or after the max age."""
    return _serializer(RESET_SALT).dumps({"uid": user.id, "fp": _password_fingerprint(user)})


def user_from_reset_token(token: str) -> User | None:
    """The user a valid, unexpired, unused reset token was made for, else None."""
    try:
        data = _serializer(RESET_SALT).loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    user = db.session.get(User, data["uid"])
    if user is None or not user.active or data.get("fp") != _password_fingerprint(user):
        return None
    return user


def make_verify_token(user: User) -> str:
    """A link token proving the owner of ``user.email`` registered."""
    return _serializer(VERIFY_SALT).dumps({"uid": user.id, "email": user.email})


def user_from_verify_token(token: str) -> User | None:
    """The unverified user a valid verification token was made for, else None."""
    try:
        data = _serializer(VERIFY_SALT).loads(token, max_age=current_app.config["EMAIL_VERIFY_MAX_AGE"])
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    user = db.session.get(User, data["uid"])
    if user is None or user.email != data.get("email") or user.email_verified_at is not None:
        return None
    return user
