"""`flask analytics rebuild`: recompute the running totals of quiz analytics."""

from __future__ import annotations

import click
from flask.cli import AppGroup

analytics_cli = AppGroup("analytics", help="Quiz analytics maintenance.")


@analytics_cli.command("rebuild")
def rebuild_command() -> None:
    """Recompute the quiz statistics' totals and the dashboard's per-student totals (after a
    restore or a bulk load)."""
    from cyberaware.extensions import db
    from cyberaware.services.analytics import rebuild_tallies
    from cyberaware.services.summaries import rebuild_student_summaries

    click.echo(f"analytics rebuilt from {rebuild_tallies()} submitted attempts")
    rebuild_student_summaries()
    db.session.commit()
    click.echo("dashboard totals rebuilt")
