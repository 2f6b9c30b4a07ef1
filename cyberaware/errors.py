"""Error pages (400, 403, 404, 405, 413, 429, 500, 503) in the site's layout."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, g, render_template
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DisconnectionError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from cyberaware.extensions import db

log = logging.getLogger("cyberaware.errors")

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Access denied"), _l("Your account does not give access to this page.")),
    404: (_l("Page not found"), _l("This page does not exist or has moved.")),
    405: (_l("Method not allowed"), _l("This page cannot be used that way.")),
    413: (_l("Too large"), _l("What you sent is too large.")),
    429: (_l("Too many requests"), _l("Too many attempts. Wait a moment and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. Nothing was saved; try again in a moment.")),
    503: (_l("Service unavailable"), _l("CyberAware cannot reach its database right now. Nothing was saved; "
                                        "try again in a minute.")),
}

#: Seconds a client is asked to wait when the database is unreachable.
DATABASE_RETRY_AFTER = 30


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    """Render the error page for ``code`` with an optional extra sentence.

    The layout shows the logged-in account, which needs the database; when the database is down,
    the page is rendered as anonymous instead of failing a second time.
    """
    title, message = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, message=message, detail=detail), code


def _database_safe(handler: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Run an error handler again as anonymous when it fails because the database is unreachable
    (its page shows the account and speaks its language, which both need the database)."""

    @functools.wraps(handler)
    def wrapper(error: Any) -> Any:
        try:
            return handler(error)
        except (OperationalError, DisconnectionError):
            _forget_database_state()
            return handler(error)

    return wrapper


def _forget_database_state() -> None:
    """After a lost connection: drop the session's transaction and render as anonymous."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is already gone
        db.session.close()
    g._login_user = AnonymousUserMixin()


def register_error_handlers(app: Flask) -> None:
    """Every HTTP error gets the layout; unexpected exceptions roll back and become a 500."""

    @app.errorhandler(CSRFError)
    @_database_safe
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(400, str(_l("The form expired or was sent from elsewhere. Reload the page and try again.")))

    @app.errorhandler(HTTPException)
    @_database_safe
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(OperationalError)
    @app.errorhandler(DisconnectionError)
    @_database_safe
    def database_unavailable(error: Exception) -> tuple[str, int, dict[str, str]]:
        # The database is down or restarting: answer 503 at once (the pool's pre-ping reconnects by
        # itself once it is back). The page is rendered as anonymous, since loading the account
        # needs the database too.
        _forget_database_state()
        log.error("database unavailable: %s", type(getattr(error, "orig", None) or error).__name__)
        body, code = render_error(503)
        return body, code, {"Retry-After": str(DATABASE_RETRY_AFTER)}

    @app.errorhandler(InternalServerError)
    @_database_safe
    def internal_error(error: InternalServerError) -> tuple[str, int]:
        db.session.rollback()
        log.error("unhandled error: %s", getattr(error, "original_exception", error))
        return render_error(500)
