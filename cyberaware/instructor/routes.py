"""Instructors' tools: content status, preview, analytics."""

from __future__ import annotations

from flask import Blueprint, render_template

from cyberaware.auth.session import require_roles
from cyberaware.models import Role

bp = Blueprint("instructor", __name__)
require_roles(bp, Role.INSTRUCTOR)


@bp.route("/")
def index() -> str:
    """The instructor's home: the curriculum and its validation status."""
    return render_template("instructor/index.html")
