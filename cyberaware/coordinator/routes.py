"""Coordinators' tools: rosters, completion dashboard, exports, expert track."""

from __future__ import annotations

from flask import Blueprint, render_template

from cyberaware.auth.session import require_roles
from cyberaware.models import Role

bp = Blueprint("coordinator", __name__)
require_roles(bp, Role.COORDINATOR)


@bp.route("/")
def index() -> str:
    """The coordinator's home."""
    return render_template("coordinator/index.html")
