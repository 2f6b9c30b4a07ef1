"""CyberAware: cybersecurity awareness training, as a Flask application factory."""

from __future__ import annotations

import logging
import sqlite3
import sys
from typing import Any

from flask import Flask, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from cyberaware.config import BaseConfig, config_from_env
from cyberaware.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config: type[BaseConfig] | dict[str, Any] | None = None) -> Flask:
    """Build the application.

    ``config`` is a config class (see :mod:`cyberaware.config`), or a dict of overrides applied
    on top of the environment's config class; by default the class named by ``CYBERAWARE_ENV``.
    Never migrates or prompts: ``flask db upgrade`` is an explicit step.
    """
    overrides: dict[str, Any] = {}
    if isinstance(config, dict):
        overrides, config = config, None
    config_class = config or config_from_env()
    config_class.validate()

    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(config_class)
    app.config.update(overrides)
    _configure_logging(app)
    _ensure_sqlite_dir(app)
    if app.config["PROXY_FIX_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the extensions of :mod:`cyberaware.extensions` to ``app``."""
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from cyberaware.auth.session import load_user_from_session_id

    login_manager.user_loader(load_user_from_session_id)

    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to see this page.")
    from cyberaware.services.expert import connect_signals; connect_signals()  # noqa: E702


def register_blueprints(app: Flask) -> None:
    """One blueprint per audience, plus the shared pages and error handlers."""
    from cyberaware.admin.routes import bp as admin_bp
    from cyberaware.api.routes import bp as api_bp
    from cyberaware.analytics.routes import bp as analytics_bp
    from cyberaware.auth.routes import bp as auth_bp
    from cyberaware.coordinator.routes import bp as coordinator_bp
    from cyberaware.errors import register_error_handlers
    from cyberaware.instructor.routes import bp as instructor_bp
    from cyberaware.main.routes import bp as main_bp
    from cyberaware.security import register_security_headers
    from cyberaware.student.routes import bp as student_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(student_bp, url_prefix="/learn")
    app.register_blueprint(instructor_bp, url_prefix="/instructor")
    app.register_blueprint(coordinator_bp, url_prefix="/coordinator")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp)  # /api/v1: read-only, bearer tokens, CSRF-exempt
    app.register_blueprint(analytics_bp, url_prefix="/analytics")
    register_error_handlers(app)
    register_security_headers(app)


def register_commands(app: Flask) -> None:
    """CLI commands (`flask users ...`, `flask demo ...`, `flask content ...`)."""
    from cyberaware.cli import register_cli

    register_cli(app)


def select_locale() -> str:
    """The user's saved language, else the session's choice, else Accept-Language, else French."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def register_template_helpers(app: Flask) -> None:
    """Values every template needs (current language, the language switch)."""

    @app.context_processor
    def inject_locale() -> dict[str, Any]:
        lang = str(get_locale() or "fr")
        return {"current_lang": lang, "other_lang": "en" if lang == "fr" else "fr"}


def _configure_logging(app: Flask) -> None:
    """Log to stderr, one line per event; never personal data beyond user ids."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("cyberaware")
    if not root.handlers:
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    app.logger.handlers = [handler]
    app.logger.setLevel(logging.INFO)


def _ensure_sqlite_dir(app: Flask) -> None:
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        from pathlib import Path

        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: WAL journal, a busy timeout and enforced foreign keys on every connection."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


__all__ = ["create_app"]
