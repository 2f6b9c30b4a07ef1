"""`flask privacy purge`: erase the accounts of students inactive for years."""

from __future__ import annotations

from datetime import timedelta

import click
import sqlalchemy as sa
from flask.cli import AppGroup

privacy_cli = AppGroup("privacy", help="Personal data retention.")


@privacy_cli.command("purge")
@click.option("--inactive-years", type=click.IntRange(min=1), required=True,
              help="Erase student accounts with no login (or, never logged in, no creation) for this long.")
@click.option("--dry-run", is_flag=True, help="Only count the accounts that would be erased.")
def purge_command(inactive_years: int, dry_run: bool) -> None:
    """Erase old student accounts like a student erasing their own (attempts stay anonymous)."""
    from cyberaware.extensions import db
    from cyberaware.models import Role, User, utcnow
    from cyberaware.services import audit
    from cyberaware.services.privacy import erase_account

    cutoff = utcnow() - timedelta(days=365 * inactive_years)
    last_seen = sa.func.coalesce(User.last_login_at, User.created_at)
    ids = list(db.session.scalars(sa.select(User.id).where(User.role == Role.STUDENT, last_seen < cutoff)))
    if dry_run:
        click.echo(f"{len(ids)} student accounts inactive since before {cutoff:%Y-%m-%d} would be erased")
        return
    for user_id in ids:
        user = db.session.get(User, user_id)
        if user is not None:
            erase_account(user)
    audit.record(None, "privacy.purge", len(ids), inactive_years=inactive_years)
    db.session.commit()
    click.echo(f"{len(ids)} student accounts inactive since before {cutoff:%Y-%m-%d} erased")
