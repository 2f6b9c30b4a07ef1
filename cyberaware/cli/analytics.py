"""`flask analytics rebuild`: recompute the running totals of quiz analytics."""

from __future__ import annotations

import click
from flask.cli import AppGroup

analytics_cli = AppGroup("analytics", help="Quiz analytics maintenance.")


@analytics_cli.command("rebuild")
def rebuild_command() -> None:
    """Recompute every analytics total from the stored answers (after a restore or a bulk load)."""
    from cyberaware.services.analytics import rebuild_tallies

    click.echo(f"analytics rebuilt from {rebuild_tallies()} submitted attempts")
