"""Settings read from the environment, one class per environment.

Every setting is documented in README.md ("Configuration").
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = REPO_ROOT / "instance"


def _env_list(name: str) -> list[str]:
    """Split a comma-separated environment variable into a list of trimmed, non-empty items."""
    return [item.strip().lower() for item in os.environ.get(name, "").split(",") if item.strip()]


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """Raised when the configuration cannot run the application safely."""


class BaseConfig:
    """Settings shared by every environment."""

    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "CYBERAWARE_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'cyberaware.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    CONTENT_DIR = os.environ.get("CYBERAWARE_CONTENT_DIR", str(REPO_ROOT))
    REGISTRATION_DOMAINS = _env_list("CYBERAWARE_REGISTRATION_DOMAINS")
    # Uploaded rosters waiting for confirmation (deleted after use or after one hour).
    ROSTER_UPLOAD_DIR = os.environ.get("CYBERAWARE_ROSTER_UPLOAD_DIR", str(INSTANCE_DIR / "roster-uploads"))

    MAIL_SERVER = os.environ.get("CYBERAWARE_SMTP_HOST", "")
    MAIL_PORT = int(os.environ.get("CYBERAWARE_SMTP_PORT", "25"))
    MAIL_USERNAME = os.environ.get("CYBERAWARE_SMTP_USER", "")
    MAIL_PASSWORD = os.environ.get("CYBERAWARE_SMTP_PASSWORD", "")
    MAIL_USE_TLS = _env_bool("CYBERAWARE_SMTP_STARTTLS")
    MAIL_USE_SSL = _env_bool("CYBERAWARE_SMTP_SSL")
    MAIL_SENDER = os.environ.get("CYBERAWARE_MAIL_FROM", "CyberAware <no-reply@localhost>")
    # Absolute base URL used in e-mailed links (set it behind a proxy); empty: the request's host.
    PUBLIC_URL = os.environ.get("CYBERAWARE_PUBLIC_URL", "").rstrip("/")

    # Rate limits: memory by default (one worker); Redis shares them between workers and servers.
    REDIS_URL = os.environ.get("CYBERAWARE_REDIS_URL", "")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_ENABLED = _env_bool("CYBERAWARE_RATELIMIT", True)
    RATELIMIT_HEADERS_ENABLED = True
    # Per address and per account; login limits count failed posts only.
    LOGIN_LIMITS = os.environ.get("CYBERAWARE_LOGIN_LIMITS", "10 per minute;50 per hour")
    RESET_LIMITS = os.environ.get("CYBERAWARE_RESET_LIMITS", "5 per minute;20 per hour")
    # Prefix of every rate-limit and login-delay key: separates apps sharing one Redis.
    RATELIMIT_KEY_PREFIX = os.environ.get("CYBERAWARE_RATELIMIT_PREFIX", "")
    # Progressive delay (cyberaware/auth/throttle.py), "free,base,cap,window" in seconds: after
    # `free` failures the wait starts at `base` and doubles up to `cap`; counted over `window`.
    # Per address the free allowance is large, since a whole campus may share one NAT address.
    LOGIN_DELAY_ENABLED = _env_bool("CYBERAWARE_LOGIN_DELAY", True)
    LOGIN_DELAYS = {
        "login-account": "3,1,900,3600",
        "login-address": "30,1,300,3600",
        "reset-account": "2,60,3600,86400",
        "reset-address": "20,60,3600,3600",
    }

    # Number of proxies in front of the app (nginx: 1) whose X-Forwarded-* headers are trusted.
    PROXY_FIX_HOPS = int(os.environ.get("CYBERAWARE_PROXIES", "0"))

    PASSWORD_RESET_MAX_AGE = int(os.environ.get("CYBERAWARE_RESET_MAX_AGE", str(3600)))
    EMAIL_VERIFY_MAX_AGE = 7 * 24 * 3600

    BABEL_DEFAULT_LOCALE = "fr"
    LANGUAGES = ("fr", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("CYBERAWARE_SECURE_COOKIES", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024

    DEMO_ACCOUNTS_ALLOWED = False
    TESTING = False
    DEBUG = False

    @classmethod
    def validate(cls) -> None:
        """Refuse to run without a real secret key."""
        if not cls.SECRET_KEY or len(cls.SECRET_KEY) < 16:
            raise ConfigError(
                "SECRET_KEY is not set (or shorter than 16 characters). Set it in the environment, "
                "for example: export SECRET_KEY=\"$(python3 -c 'import secrets; print(secrets.token_hex(32))')\""
            )


class ProductionConfig(BaseConfig):
    """Production: secure cookies, a real SECRET_KEY is mandatory."""


class DevelopmentConfig(BaseConfig):
    """Local development (`make run`): a throw-away key and demo accounts are allowed."""

    DEBUG = True
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-change-me"
    SESSION_COOKIE_SECURE = _env_bool("CYBERAWARE_SECURE_COOKIES", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    DEMO_ACCOUNTS_ALLOWED = True
    REGISTRATION_DOMAINS = _env_list("CYBERAWARE_REGISTRATION_DOMAINS") or ["etu.univ-amu.fr", "univ-amu.fr"]

    @classmethod
    def validate(cls) -> None:
        """Development accepts the built-in key."""


class TestingConfig(BaseConfig):
    """The test suite: in-memory-like SQLite unless a URL is given, fast password hashing."""

    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("CYBERAWARE_TEST_DATABASE_URL", "sqlite://")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    REGISTRATION_DOMAINS = ["etu.univ-amu.fr", "univ-amu.fr"]
    MAIL_SERVER = ""
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast in tests only
    RATELIMIT_ENABLED = False  # the suite logs in hundreds of times; tests/web/test_rate_limits.py enables it
    LOGIN_DELAY_ENABLED = False  # likewise; tests/web/test_login_delay.py enables it

    @classmethod
    def validate(cls) -> None:
        """Tests use a fixed key."""


CONFIGS: dict[str, type[BaseConfig]] = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def config_from_env() -> type[BaseConfig]:
    """Pick the config class named by CYBERAWARE_ENV (default: production)."""
    name = os.environ.get("CYBERAWARE_ENV", "production").strip().lower()
    if name not in CONFIGS:
        raise ConfigError(f"CYBERAWARE_ENV={name!r} is not one of {', '.join(CONFIGS)}")
    return CONFIGS[name]
