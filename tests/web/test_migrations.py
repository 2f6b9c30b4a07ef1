"""The Alembic revisions build the whole schema, and agree with the models."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from cyberaware import create_app
from cyberaware.extensions import db
from tests.conftest import POSTGRES_URL, _config


def _fresh_url(backend: str, tmp_path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    return POSTGRES_URL


@pytest.fixture(params=["sqlite"] + (["postgresql"] if POSTGRES_URL else []))
def migrated_app(request, tmp_path):
    url = _fresh_url(request.param, tmp_path)
    app = create_app(_config(url))
    with app.app_context():
        if request.param == "postgresql":
            # The suite's schema lives in this database too: use a separate schema for this test.
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA migration_check"))
            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
                "connect_args": {"options": "-csearch_path=migration_check"}, "pool_pre_ping": True}
            db.engine.dispose()
    app = create_app(_config(url, SQLALCHEMY_ENGINE_OPTIONS=app.config["SQLALCHEMY_ENGINE_OPTIONS"]))
    yield app
    with app.app_context():
        db.engine.dispose()
    if request.param == "postgresql":
        plain = create_app(_config(url))
        with plain.app_context(), db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
            db.engine.dispose()


def test_migrations_build_the_schema_and_match_the_models(migrated_app):
    with migrated_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        upgrade()
