"""`flask expert ...`: the expert-track rules and flags from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from cyberaware.expert_rules import RuleSet, RulesFileError
from cyberaware.extensions import db
from cyberaware.services import expert

expert_cli = AppGroup("expert", help="Expert track: check the rules, re-evaluate every student.")


def _rules_or_fail() -> RuleSet:
    try:
        return expert.current_rules()
    except RulesFileError as error:
        lines = [f"{error.source}: {problem}" for problem in error.problems]
        raise click.ClickException("the rules file cannot be used:\n  " + "\n  ".join(lines)) from None


@expert_cli.command("rules")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
def rules_command(lang: str) -> None:
    """Check the rules file and print the rules in plain words."""
    rules = _rules_or_fail()
    click.echo(f"rules from {rules.source}:")
    for rule in rules:
        click.echo(f"  {rule.id} ({rule.kind}, {rule.level}): {rule.describe(lang)}")


@expert_cli.command("recompute")
def recompute_command() -> None:
    """Re-evaluate every student against the rules and update their flags (one transaction)."""
    _rules_or_fail()
    counts = expert.recompute(actor=None)
    db.session.commit()
    click.echo("students evaluated: {students}; qualified: {qualified}; new flags: {new}; "
               "flags updated: {updated}; no longer qualified: {lost}".format(**counts))
