"""Shared fixtures: the app on SQLite (and PostgreSQL when CYBERAWARE_TEST_DATABASE_URL is set),
a test client, account factories and a login helper.

Unit tests under tests/unit/ use none of these and never build an app.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# `make fuzz` runs the property tests much longer: HYPOTHESIS_PROFILE=fuzz.
settings.register_profile("fuzz", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

POSTGRES_URL = os.environ.get("CYBERAWARE_TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
TEST_PASSWORD = "correct horse battery staple"


def database_url(backend: str, tmp_dir: Path) -> str:
    """The database URL the suite uses for ``backend``."""
    if backend == "postgresql":
        return POSTGRES_URL
    return f"sqlite:///{tmp_dir / 'test.sqlite'}"


@pytest.fixture(scope="session", params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database URL with a fresh schema, once per backend for the whole session."""
    from cyberaware import create_app
    from cyberaware.extensions import db

    url = database_url(request.param, tmp_path_factory.mktemp(request.param))
    app = create_app(_config(url))
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield url
    with app.app_context():
        if request.param == "postgresql":
            db.drop_all()
        db.engine.dispose()


def _config(url: str, **extra: Any) -> type:
    from cyberaware.config import TestingConfig

    content_dir = extra.pop("CONTENT_DIR", str(Path(__file__).parent / "data" / "content"))
    attrs = {"SQLALCHEMY_DATABASE_URI": url, "CONTENT_DIR": content_dir, **extra}
    return type("SuiteConfig", (TestingConfig,), attrs)


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Per-test config overrides; a test module can override this fixture."""
    return {}


@pytest.fixture
def app(database: str, app_config: dict[str, Any]) -> Iterator[Any]:
    """The application bound to the session's database; every table is emptied afterwards."""
    from cyberaware import create_app
    from cyberaware.extensions import db

    application = create_app(_config(database, **app_config))
    yield application  # no app context stays pushed: each request gets its own, as in production
    with application.app_context():
        empty_all_tables(db)
        db.engine.dispose()


def empty_all_tables(db: Any) -> None:
    """Delete every row (the quizzes/quiz_versions foreign keys form a cycle)."""
    import sqlalchemy as sa

    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")


@pytest.fixture
def client(app: Any) -> Any:
    """A test client that keeps cookies."""
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    """A CLI runner for `flask ...` commands."""
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Any) -> Any:
    """Factory: ``make_user(role="student", email=None, password=TEST_PASSWORD, **fields)``."""
    from cyberaware.auth import service
    from cyberaware.extensions import db

    counter = {"n": 0}

    def factory(role: str = "student", email: str | None = None, password: str | None = TEST_PASSWORD,
                **fields: Any) -> Any:
        counter["n"] += 1
        email = email or f"{role}{counter['n']}@etu.univ-amu.fr"
        with app.app_context():
            user = service.create_user(email, role, password, first_name=fields.pop("first_name", "Test"),
                                       last_name=fields.pop("last_name", f"User{counter['n']}"))
            for key, value in fields.items():
                setattr(user, key, value)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return factory


class Database:
    """Reads for assertions, each in its own app context (objects come back detached)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def get(self, model: Any, ident: Any) -> Any:
        from cyberaware.extensions import db

        with self.app.app_context():
            obj = db.session.get(model, ident)
            if obj is not None:
                db.session.expunge(obj)
            return obj

    def scalar(self, stmt: Any) -> Any:
        from cyberaware.extensions import db

        with self.app.app_context():
            result = db.session.scalar(stmt)
            if hasattr(result, "_sa_instance_state"):
                db.session.expunge(result)
            return result

    def scalars(self, stmt: Any) -> list[Any]:
        from cyberaware.extensions import db

        with self.app.app_context():
            rows = list(db.session.scalars(stmt))
            for row in rows:
                if hasattr(row, "_sa_instance_state"):
                    db.session.expunge(row)
            return rows

    def count(self, model: Any, *where: Any) -> int:
        import sqlalchemy as sa

        return self.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def dbq(app: Any) -> Database:
    """``dbq.get(Model, id)``, ``dbq.count(Model, *where)``, ``dbq.scalar(stmt)`` for assertions."""
    return Database(app)


def csrf_token(client: Any, path: str = "/login") -> str:
    """Fetch ``path`` and return the CSRF token of its first form."""
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    if match is None:
        match = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class AuthActions:
    """Log in and out through the real forms."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def login(self, email: str, password: str = TEST_PASSWORD, headers: dict[str, str] | None = None,
              **extra: Any) -> Any:
        token = csrf_token(self.client, "/login")
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": token, **extra},
                                headers=headers or {})

    def logout(self) -> Any:
        token = csrf_token(self.client, "/settings")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client: Any) -> AuthActions:
    """``auth.login(email)`` / ``auth.logout()`` with the client."""
    return AuthActions(client)
