"""`flask demo accounts`: development-only demo accounts."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from cyberaware.auth import service
from cyberaware.extensions import db
from cyberaware.models import Role

demo_cli = AppGroup("demo", help="Development-only demo data.")

DEMO_ACCOUNTS = [
    ("student@demo.cyberaware.test", Role.STUDENT, "Demo-Student-Passphrase-1", "Camille", "Étudiante"),
    ("instructor@demo.cyberaware.test", Role.INSTRUCTOR, "Demo-Instructor-Passphrase-1", "Dominique", "Formateur"),
    ("coordinator@demo.cyberaware.test", Role.COORDINATOR, "Demo-Coordinator-Passphrase-1", "Claude", "Coordinatrice"),
    ("admin@demo.cyberaware.test", Role.ADMIN, "Demo-Admin-Passphrase-1", "Alex", "Admin"),
]


@demo_cli.command("accounts")
def demo_accounts_command() -> None:
    """Create one demo account per role if missing, and print the credentials (development only)."""
    if not current_app.config.get("DEMO_ACCOUNTS_ALLOWED"):
        raise click.ClickException("demo accounts exist only in development (CYBERAWARE_ENV=development)")
    click.echo("Demo accounts (development only):")
    for email, role, password, first_name, last_name in DEMO_ACCOUNTS:
        if service.find_user_by_email(email) is None:
            service.create_user(email, role, password, first_name=first_name, last_name=last_name)
        click.echo(f"  {role:<12} {email:<36} {password}")
    db.session.commit()
