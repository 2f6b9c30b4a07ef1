"""Coordinators' tools: rosters, completion dashboard, exports, expert track.

The blueprint and its role guard live here; the views live in one module per tool
(``dashboard``, ``roster``, ``expert``), imported at the bottom so they register on ``bp``.
"""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from werkzeug.wrappers import Response

from cyberaware.auth.session import require_roles
from cyberaware.models import Role

bp = Blueprint("coordinator", __name__)
require_roles(bp, Role.COORDINATOR)


@bp.route("/")
def index() -> Response:
    """The coordinator's home is the completion dashboard."""
    return redirect(url_for("coordinator.dashboard"))


from cyberaware.coordinator import dashboard, expert, roster  # noqa: E402,F401
