"""Command-line interface, one module per command group, registered in one place."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    """Attach every command group to ``app``."""
    import cyberaware.cli.roster  # noqa: F401  (registers users import)
    import cyberaware.cli.backup  # noqa: F401  (adds `flask db backup`)
    from cyberaware.cli.analytics import analytics_cli
    from cyberaware.cli.privacy import privacy_cli
    from cyberaware.cli.content import content_cli
    from cyberaware.cli.demo import demo_cli
    from cyberaware.cli.users import users_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(content_cli)
    app.cli.add_command(analytics_cli)
    app.cli.add_command(privacy_cli)
    from cyberaware.cli.expert import expert_cli; app.cli.add_command(expert_cli)  # noqa: E702
    from cyberaware.cli.report import report_cli; app.cli.add_command(report_cli)  # noqa: E702
