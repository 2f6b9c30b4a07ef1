"""Retention (flask privacy purge) and SQLite backup/restore (flask db backup)."""

from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa

from cyberaware.extensions import db
from cyberaware.models import AuditEvent, User, utcnow


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
