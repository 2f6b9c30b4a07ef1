"""`flask users import FILE`: create and update students from a roster (CSV)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from cyberaware.cli.users import users_cli
from cyberaware.models import User
from cyberaware.roster import MAX_BYTES, RosterError, parse_roster
from cyberaware.services.roster import ImportFailed, ImportPlan, ImportRefused, apply_import, plan_import


@users_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only show the plan; change nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid lines of a file that has invalid ones.")
@click.option("--no-invitations", is_flag=True, help="Do not e-mail the created students an invitation.")
@click.option("--verbose", "-v", is_flag=True, help="Also list each line to create or update.")
def import_roster_command(file: Path, dry_run: bool, skip_invalid: bool, no_invitations: bool, verbose: bool) -> None:
    """Create and update students from the roster FILE (CSV, UTF-8 or Windows-1252, `;` or `,`).

    Students are matched on their student number, then their e-mail. The file is applied in one
    transaction; a file with invalid lines is refused unless --skip-invalid is given.
    """
    send_invitations = not no_invitations
    if send_invitations and not dry_run and not current_app.config.get("PUBLIC_URL") and not _local_links_ok():
        raise click.ClickException("CYBERAWARE_PUBLIC_URL is not set, so invitation links would not reach the "
                                   "site; set it, or pass --no-invitations. Nothing was changed.")
    if file.stat().st_size > MAX_BYTES:
        raise click.ClickException(f"{file.name}: the file is larger than {MAX_BYTES // (1024 * 1024)} MB. "
                                   "Nothing was changed.")
    try:
        roster = parse_roster(file.read_bytes())
    except RosterError as error:
        raise click.ClickException(f"{file.name}: {error} Nothing was changed.") from None
    plan = plan_import(roster, actor=None, file_name=file.name)
    echo_plan(plan, verbose)
    refused = bool(plan.rejected) and not skip_invalid
    if dry_run:
        if refused:
            raise click.ClickException("dry run: this file would be refused (invalid lines; fix them or pass "
                                       "--skip-invalid). Nothing was changed.")
        click.echo("dry run: nothing was changed")
        return
    try:
        result = apply_import(plan, None, skip_invalid=skip_invalid, send_invitations=send_invitations)
    except ImportRefused as error:
        raise click.ClickException(f"refused: {error.rejected} invalid line(s); fix them or pass --skip-invalid. "
                                   "Nothing was changed.") from None
    except ImportFailed as error:
        raise click.ClickException(f"refused: {error}. Nothing was changed.") from None
    click.echo(f"imported: {result.created} created, {result.updated} updated, {result.unchanged} unchanged, "
               f"{result.skipped} invalid line(s) skipped; {result.invited} invitation(s) sent")


def _local_links_ok() -> bool:
    """Links on http://localhost are fine in tests and development, never in production."""
    return bool(current_app.testing or current_app.debug)


def echo_plan(plan: ImportPlan, verbose: bool = False) -> None:
    """Print the plan: the file, the counts, (verbose: each creation and update,) each rejected line."""
    roster = plan.roster
    click.echo(f"file: {plan.file_name} ({roster.encoding}, '{roster.delimiter}', {roster.line_count} lines)")
    click.echo("columns: " + ", ".join(f"{name}={header!r}" for name, header in roster.columns.items()))
    if roster.unknown_columns:
        click.echo("ignored columns: " + ", ".join(repr(name) for name in roster.unknown_columns))
    counts = plan.counts
    click.echo(f"to create: {counts['created']}")
    click.echo(f"to update: {counts['updated']}")
    click.echo(f"unchanged: {counts['unchanged']}")
    click.echo(f"rejected: {counts['rejected']}")
    if verbose:
        for row in plan.created:
            click.echo(f"line {row.line}: create {row.student_number} {row.email}")
        for row in plan.updated:
            changes = ", ".join(f"{name} {old or ''!r} -> {new or ''!r}" for name, (old, new) in row.changes.items())
            click.echo(f"line {row.line}: update {row.student_number}: {changes}")
    for line in plan.rejected:
        click.echo(f"line {line.line}: {line.message} [{', '.join(r.code for r in line.reasons)}]")


@users_cli.command("invite")
@click.option("--pending", is_flag=True, required=True, help="Invite imported students never invited yet.")
@click.option("--limit", type=int, default=None, help="At most this many e-mails in this run.")
def invite_command(pending: bool, limit: int | None) -> None:
    """Send the invitations left by large roster imports (run it from a scheduler)."""
    from cyberaware.extensions import db
    from cyberaware.services.roster import invite, pending_invitations

    stmt = pending_invitations().order_by(User.id)
    if limit:
        stmt = stmt.limit(limit)
    numbers = list(db.session.scalars(stmt))
    click.echo(f"invitations sent: {invite(numbers)}")
