"""Application factory, configuration, layout, languages, errors and headers."""

from __future__ import annotations

import pytest

from cyberaware import create_app
from cyberaware.config import ConfigError, ProductionConfig
from tests.conftest import csrf_token


def test_production_refuses_to_start_without_secret_key():
    config = type("NoKey", (ProductionConfig,), {"SECRET_KEY": None})
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app(config)


def test_production_starts_with_a_real_secret_key():
    config = type("WithKey", (ProductionConfig,), {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app = create_app(config)
    assert app.config["SESSION_COOKIE_SECURE"] is True and not app.debug


def test_french_is_the_default_language(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr">' in html and "Se connecter" in html


def test_accept_language_english(client):
    html = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "Log in" in html


def test_language_switch_is_remembered(client):
    token = csrf_token(client, "/login")
    response = client.post("/language/en", data={"csrf_token": token, "next": "/login"})
    assert response.headers["Location"] == "/login"
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
    assert client.post("/language/de", data={"csrf_token": token}).status_code == 404


def test_language_switch_ignores_off_site_next(client):
    token = csrf_token(client, "/login")
    assert client.post("/language/en", data={"csrf_token": token, "next": "//evil.example"}).headers["Location"] == "/"


def test_not_found_page_uses_the_layout(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html and 'class="skip-link"' in html


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_no_external_assets(client):
    html = client.get("/login").get_data(as_text=True)
    assert "http://" not in html.replace("http://localhost", "") and "https://" not in html


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    from cyberaware.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
