"""`flask users ...`: accounts from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from cyberaware.auth import service
from cyberaware.extensions import db
from cyberaware.models import ROLES, CoordinatorFaculty, Role
from cyberaware.services import audit
from cyberaware.passwords import password_problems

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="student", show_default=True)
@click.option("--password", help="Prompted (hidden) when not given.")
@click.option("--first-name", default="")
@click.option("--last-name", default="")
def create_user_command(email: str, role: str, password: str | None, first_name: str, last_name: str) -> None:
    """Create an account with ROLE (its e-mail counts as verified)."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problems = password_problems(password, email)
    if problems:
        raise click.ClickException(f"password refused: {', '.join(problems)} (at least 12 characters, not a common one)")
    try:
        user = service.create_user(email, role, password, first_name=first_name, last_name=last_name)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"created {user.email} ({user.role})")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
def set_role_command(email: str, role: str) -> None:
    """Give the account EMAIL the role ROLE (its sessions end)."""
    user = service.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no account uses {email}")
    service.set_role(user, role)
    db.session.commit()
    click.echo(f"{user.email} is now {role}")


@users_cli.command("set-scope")
@click.argument("email")
@click.argument("faculties", nargs=-1)
def set_scope_command(email: str, faculties: tuple[str, ...]) -> None:
    """Limit the coordinator EMAIL to FACULTIES (none: every faculty)."""
    user = service.find_user_by_email(email)
    if user is None or user.role != Role.COORDINATOR:
        raise click.ClickException(f"no coordinator account uses {email}")
    names = list(dict.fromkeys(name.strip() for name in faculties if name.strip()))
    user.scope_faculties = [CoordinatorFaculty(faculty=name) for name in names]
    user.end_all_sessions()
    audit.record(None, "account.scope", 1, user_id=user.id, faculties=names)
    db.session.commit()
    click.echo(f"{user.email} sees {', '.join(names) if names else 'every faculty'}")
