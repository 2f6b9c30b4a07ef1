"""Command-line interface: `flask users ...`, `flask demo ...` (and the content commands)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from cyberaware.auth import service
from cyberaware.extensions import db
from cyberaware.models import ROLES, Role
from cyberaware.passwords import password_problems

users_cli = AppGroup("users", help="Manage accounts.")
content_cli = AppGroup("content", help="Check and load the Markdown curriculum.")
demo_cli = AppGroup("demo", help="Development-only demo data.")

DEMO_ACCOUNTS = [
    ("student@demo.cyberaware.test", Role.STUDENT, "Demo-Student-Passphrase-1", "Camille", "Étudiante"),
    ("instructor@demo.cyberaware.test", Role.INSTRUCTOR, "Demo-Instructor-Passphrase-1", "Dominique", "Formateur"),
    ("coordinator@demo.cyberaware.test", Role.COORDINATOR, "Demo-Coordinator-Passphrase-1", "Claude", "Coordinatrice"),
    ("admin@demo.cyberaware.test", Role.ADMIN, "Demo-Admin-Passphrase-1", "Alex", "Admin"),
]


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


@content_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def content_check_command(paths: tuple[str, ...], strict: bool) -> None:
    """Validate content files or folders (default: the configured content folder).

    Prints every problem as `path:line: code: message`; exits 1 on any error (or warning with
    --strict), 0 otherwise.
    """
    from cyberaware.content import check_paths

    content = check_paths(list(paths) or [current_app.config["CONTENT_DIR"]])
    for problem in content.problems:
        click.echo(str(problem))
    modules, quizzes = len(content.module_ids()), len(content.quiz_ids())
    click.echo(f"{modules} modules, {quizzes} quizzes: {len(content.errors)} errors, {len(content.warnings)} warnings")
    if not content.ok(strict=strict):
        raise SystemExit(1)


@content_cli.command("sync")
def content_sync_command() -> None:
    """Load the configured content folder into the database, all or nothing."""
    from cyberaware.services.content_sync import sync_content

    report = sync_content(current_app.config["CONTENT_DIR"])
    for problem in report.content.problems:
        click.echo(str(problem))
    if not report.succeeded:
        click.echo(f"sync refused: {len(report.content.errors)} errors; nothing was changed", err=True)
        raise SystemExit(1)
    click.echo(f"synced: {len(report.created)} created, {len(report.updated)} updated, "
               f"{len(report.unchanged)} unchanged, {len(report.archived)} archived, "
               f"{len(report.new_quiz_versions)} new quiz versions")


def register_cli(app: Flask) -> None:
    """Attach every command group to ``app``."""
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(content_cli)
