"""`flask content check|sync`: the Markdown curriculum."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

content_cli = AppGroup("content", help="Check and load the Markdown curriculum.")


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
