"""CyberAware: cybersecurity awareness training, as a Flask application factory."""

from __future__ import annotations

import logging
import sqlite3
import sys
from typing import Any
from weakref import WeakKeyDictionary

from flask import Flask, g, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup
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
    _keep_wtforms_translations()
    from cyberaware.services.expert import connect_signals; connect_signals()  # noqa: E702


def _keep_wtforms_translations() -> None:
    """Flask-WTF loads WTForms' message catalogue from disk for every request that builds a form
    (its ``flask_wtf.i18n._get_translations``, about a fifth of the login page's time); keep one
    catalogue per language for the process instead. Same catalogue, same language selection."""
    from babel import support
    from flask import current_app
    from flask_wtf import i18n
    from wtforms.i18n import messages_path

    current = getattr(i18n, "_get_translations", None)
    if current is None or getattr(current, "cyberaware_cached", False):  # another Flask-WTF, or done
        return
    catalogues: dict[str, support.Translations] = {}

    def get_translations() -> support.Translations | None:
        if not request or "babel" not in current_app.extensions:
            return None
        locale = get_locale()
        catalogue = catalogues.get(str(locale))
        if catalogue is None:
            catalogue = catalogues[str(locale)] = support.Translations.load(messages_path(), [locale],
                                                                            domain="wtforms")
        return catalogue

    get_translations.cyberaware_cached = True  # type: ignore[attr-defined]
    i18n._get_translations = get_translations


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
    """Values every template needs (current language, the language switch), and cheaper
    ``_``/``gettext``/``ngettext`` than Flask-Babel's (same results; see :func:`current_translations`)."""
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)

    @app.context_processor
    def inject_locale() -> dict[str, Any]:
        lang = str(get_locale() or "fr")
        return {"current_lang": lang, "other_lang": "en" if lang == "fr" else "fr"}


#: Per catalogue, the strings templates translated without variables, ready to insert (escaped as
#: Jinja's new-style gettext would). Catalogues live as long as the process (Flask-Babel keeps them).
_plain_markup: WeakKeyDictionary[Any, dict[str, Markup]] = WeakKeyDictionary()


def _catalogue() -> tuple[Any, dict[str, Markup]]:
    """The current translations and their cache of plain strings (see :func:`current_translations`)."""
    try:
        state = g._flask_babel.__dict__
    except (AttributeError, RuntimeError):  # nothing resolved yet in this request, or no app context
        return get_translations(), {}
    memo = state.get("cyberaware_translations")
    if memo is not None and memo[0] is state.get("babel_locale") and memo[1] is state.get("babel_domain") \
            and memo[0] is not None:
        return memo[2], memo[3]
    translations = get_translations()
    markups = _plain_markup.setdefault(translations, {})
    state["cyberaware_translations"] = (state.get("babel_locale"), state.get("babel_domain"), translations, markups)
    return translations, markups


def current_translations() -> Any:
    """Flask-Babel's translations for the current locale, looked up once per locale and request.

    ``flask_babel.get_translations()`` walks several context-local proxies on every call, and a
    page translates dozens of strings. The result is kept on Flask-Babel's per-request state with
    the locale (and domain) it was looked up for, so :func:`flask_babel.force_locale` and
    :func:`flask_babel.refresh` (which replace the locale object) are followed.
    """
    return _catalogue()[0]


@pass_eval_context
def template_gettext(eval_ctx: EvalContext, string: str, **variables: Any) -> str:
    """Jinja's new-style ``gettext``/``_``: translated, and always %-formatted with ``variables``
    (escaped when the template autoescapes), like ``jinja2.ext.i18n`` with Flask-Babel."""
    translations, markups = _catalogue()
    if not variables and eval_ctx.autoescape:
        rv = markups.get(string)
        if rv is None:
            if len(markups) > 5000:  # templates translate literals; bounded all the same
                markups.clear()
            rv = markups[string] = Markup(translations.ugettext(string)) % variables
        return rv
    rv = translations.ugettext(string)
    if eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables  # type: ignore[no-any-return]


@pass_eval_context
def template_ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, **variables: Any) -> str:
    """Jinja's new-style ``ngettext`` (``num`` is available as ``%(num)d``)."""
    variables.setdefault("num", num)
    rv = current_translations().ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables  # type: ignore[no-any-return]


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
