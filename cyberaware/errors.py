"""Error pages (400, 403, 404, 405, 413, 429, 500) in the site's layout."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
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
}


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    """Render the error page for ``code`` with an optional extra sentence."""
    title, message = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, message=message, detail=detail), code


def register_error_handlers(app: Flask) -> None:
    """Every HTTP error gets the layout; unexpected exceptions roll back and become a 500."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(400, str(_l("The form expired or was sent from elsewhere. Reload the page and try again.")))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError) -> tuple[str, int]:
        db.session.rollback()
        log.error("unhandled error: %s", getattr(error, "original_exception", error))
        return render_error(500)
