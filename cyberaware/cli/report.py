"""`flask report completion`: the completion exports from the command line (admin scope)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _

from cyberaware import exports, reports
from cyberaware.extensions import db
from cyberaware.models import Role, User
from cyberaware.services import audit

report_cli = AppGroup("report", help="Completion reports and exports.")


def _date(value: datetime | None):
    return value.date() if value else None


@report_cli.command("completion")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), required=True, help="File format.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@click.option("--kind", type=click.Choice(["students", "aggregate"]), default="students", show_default=True,
              help="One row per student, or rates per group and module.")
@click.option("--faculty", multiple=True, help="Only this faculty (repeatable).")
@click.option("--programme", multiple=True, help="Only this programme (repeatable).")
@click.option("--year", multiple=True, help="Only this year of study (repeatable).")
@click.option("--group", multiple=True, help="Only this group (repeatable).")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="Completions from this day (YYYY-MM-DD).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Completions until this day, included.")
@click.option("--sep", type=click.Choice(["semicolon", "comma"]), default="semicolon", show_default=True,
              help="CSV separator (semicolon: for French-locale spreadsheets).")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="Language of the headers, statuses and module titles.")
def completion_command(fmt: str, output: Path, kind: str, faculty: tuple[str, ...], programme: tuple[str, ...],
                       year: tuple[str, ...], group: tuple[str, ...], date_from: datetime | None,
                       date_to: datetime | None, sep: str, lang: str) -> None:
    """Write the completion export (every faculty: admin scope) to OUTPUT; audited with actor "cli"."""
    viewer = User(role=Role.ADMIN.value)  # transient, never added to the session: the admin scope
    try:
        filters = reports.make_filters(viewer, faculties=faculty, programmes=programme, years=year, groups=group,
                                       date_from=_date(date_from), date_to=_date(date_to))
    except reports.FilterError as error:
        raise click.ClickException(str(error)) from None
    partial = output.with_name(output.name + ".part")
    with force_locale(lang):
        if kind == "students":
            count = reports.count_students(db.session, viewer, filters)
            rows = exports.student_rows(db.session, viewer, filters, lang, _)
        else:
            rows = list(exports.aggregate_rows(db.session, viewer, filters, lang, _))
            count = len(rows) - 1
        try:
            with partial.open("wb") as stream:
                if fmt == "csv":
                    exports.write_csv(rows, stream, ";" if sep == "semicolon" else ",")
                else:
                    exports.write_xlsx(rows, stream, sheet_title=kind)
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
    audit.record(None, f"export.{kind}.{fmt}", rows=count, filters=filters.describe(), via="cli",
                 file=output.name, **({"sep": sep} if fmt == "csv" else {}))
    db.session.commit()
    click.echo(f"wrote {count} {'students' if kind == 'students' else 'groups'} to {output}")
