"""The student's pages: dashboard, modules, quizzes, attestation."""

from __future__ import annotations

from flask import Blueprint, render_template

from cyberaware.auth.session import require_roles
from cyberaware.models import Role

bp = Blueprint("student", __name__)
require_roles(bp, Role.STUDENT)


@bp.route("/")
def dashboard() -> str:
    """The student's modules and progress."""
    return render_template("student/dashboard.html", modules=[])
