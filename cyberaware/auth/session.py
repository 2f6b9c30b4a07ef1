"""Loading the logged-in user, and the role guard shared by the blueprints."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort
from flask_login import current_user

from cyberaware.extensions import db, login_manager
from cyberaware.models import User


def load_user_from_session_id(session_id: str) -> User | None:
    """Flask-Login loader: ``"<id>:<session token>"``; a rotated token means logged out."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_token != token or not user.is_active:
        return None
    return user


def require_roles(blueprint: Blueprint, *roles: str) -> None:
    """Guard every view of ``blueprint``: anonymous users go to login, other roles get 403."""

    @blueprint.before_request
    def _guard() -> None:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.has_role(*roles):
            abort(403)
        return None


def is_safe_next(target: str | None) -> bool:
    """True for a local path like ``/learn/``; False for absolute, scheme-relative or odd URLs."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and all(ord(c) >= 32 for c in target)
