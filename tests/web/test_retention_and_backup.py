"""Retention (flask privacy purge) and SQLite backup/restore (flask db backup)."""

from __future__ import annotations

import shutil
import subprocess
import threading
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from cyberaware.extensions import db
from cyberaware.models import AuditEvent, User, utcnow
from tests.conftest import POSTGRES_URL


def test_purge_erases_only_long_inactive_students(app, runner, make_user, dbq):
    old = make_user("student")
    never = make_user("student")
    recent = make_user("student")
    staff = make_user("instructor")
    with app.app_context():
        three_years = utcnow() - timedelta(days=3 * 365 + 5)
        db.session.get(User, old.id).last_login_at = three_years
        db.session.get(User, never.id).created_at = three_years
        db.session.get(User, recent.id).last_login_at = utcnow() - timedelta(days=30)
        db.session.get(User, staff.id).last_login_at = three_years
        db.session.commit()
    dry = runner.invoke(args=["privacy", "purge", "--inactive-years", "2", "--dry-run"])
    assert dry.exit_code == 0 and "2 student accounts" in dry.output and dbq.count(User) == 4
    result = runner.invoke(args=["privacy", "purge", "--inactive-years", "2"])
    assert result.exit_code == 0, result.output
    remaining = {u.id for u in dbq.scalars(sa.select(User))}
    assert remaining == {recent.id, staff.id}
    event = dbq.scalar(sa.select(AuditEvent).where(AuditEvent.action == "privacy.purge"))
    assert event.rows == 2 and event.details == {"inactive_years": 2}
    assert runner.invoke(args=["privacy", "purge", "--inactive-years", "0"]).exit_code == 2


def test_backup_while_writing_then_restore(app, runner, make_user, tmp_path, dbq):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            refused = runner.invoke(args=["db", "backup", str(tmp_path / "x.sqlite")])
            assert refused.exit_code == 1 and "pg_dump" in refused.output
            return
    for _ in range(20):
        make_user("student")
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            make_user("student")

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        target = tmp_path / "backup" / "copy.sqlite"
        result = runner.invoke(args=["db", "backup", str(target)])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output
    assert runner.invoke(args=["db", "backup", str(target)]).exit_code == 1  # never overwrites

    # Restore: an app on the copy sees the accounts that existed when the copy was taken.
    from cyberaware import create_app
    from tests.conftest import _config

    restored = create_app(_config(f"sqlite:///{target}"))
    with restored.app_context():
        copied = db.session.scalar(sa.select(sa.func.count()).select_from(User))
        emails = set(db.session.scalars(sa.select(User.email)))
    assert 20 <= copied <= dbq.count(User)
    assert emails <= {u.email for u in dbq.scalars(sa.select(User))}


@pytest.mark.skipif(not POSTGRES_URL or shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
                    reason="needs CYBERAWARE_TEST_DATABASE_URL and the PostgreSQL client tools")
def test_postgresql_procedure_of_the_readme_dumps_and_restores(tmp_path):
    """The README's PostgreSQL procedure, end to end: pg_dump -Fc, pg_restore --clean into a
    database that has drifted, and the app reads the restored data and logs in."""
    from cyberaware import create_app
    from cyberaware.auth import service
    from tests.conftest import TEST_PASSWORD, _config, csrf_token

    name = f"cyberaware_backup_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(POSTGRES_URL).set(database=name)
    libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    app = create_app(_config(url.render_as_string(hide_password=False)))
    try:
        with app.app_context():
            db.create_all()
            for n in range(3):
                service.create_user(f"saved{n}@etu.univ-amu.fr", "student", TEST_PASSWORD)
            db.session.commit()
        dump = tmp_path / "cyberaware.dump"
        subprocess.run(["pg_dump", "-Fc", "-f", str(dump), libpq_url], check=True, capture_output=True)
        with app.app_context():  # the database drifts after the backup: a lost row, a stray one
            db.session.execute(sa.delete(User).where(User.email == "saved0@etu.univ-amu.fr"))
            service.create_user("after-backup@etu.univ-amu.fr", "student", TEST_PASSWORD)
            db.session.commit()
            db.engine.dispose()
        subprocess.run(["pg_restore", "--clean", "-d", libpq_url, str(dump)], check=True, capture_output=True)
        with app.app_context():
            emails = set(db.session.scalars(sa.select(User.email)))
            assert emails == {f"saved{n}@etu.univ-amu.fr" for n in range(3)}
        client = app.test_client()
        token = csrf_token(client, "/login")
        assert client.post("/login", data={"email": "saved0@etu.univ-amu.fr", "password": TEST_PASSWORD,
                                           "csrf_token": token}).status_code == 302
    finally:
        with app.app_context():
            db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
