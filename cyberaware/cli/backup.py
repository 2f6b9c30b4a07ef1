"""`flask db backup FILE`: a consistent copy of the SQLite database while the app runs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click
from flask import current_app
from flask_migrate.cli import db as db_cli


@db_cli.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path) -> None:
    """Copy the SQLite database to TARGET with SQLite's online backup API (writers may keep
    writing). PostgreSQL: use pg_dump -Fc and pg_restore, see docs/deployment.md."""
    uri: str = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite:///"):
        raise click.ClickException("flask db backup copies SQLite databases; for PostgreSQL use pg_dump -Fc")
    source_path = uri.removeprefix("sqlite:///")
    if target.exists():
        raise click.ClickException(f"{target} exists; choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        with copy:
            source.backup(copy, pages=1024)
        check = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
        source.close()
    if check != "ok":
        raise click.ClickException(f"the copy failed its integrity check: {check}")
    click.echo(f"backed up {source_path} to {target} ({target.stat().st_size} bytes, integrity ok)")
