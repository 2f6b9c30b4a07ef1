"""Pages for everyone: the role-aware home page, the language switch, content images."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_from_directory, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from cyberaware.auth.session import is_safe_next
from cyberaware.extensions import db
from cyberaware.models import Role

bp = Blueprint("main", __name__)

HOME_BY_ROLE = {
    Role.STUDENT: "student.dashboard",
    Role.INSTRUCTOR: "instructor.index",
    Role.COORDINATOR: "coordinator.index",
    Role.ADMIN: "admin.index",
}


@bp.route("/")
def home() -> Response:
    """Students go to their modules, staff to their tools, visitors to the login page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOME_BY_ROLE[Role(current_user.role)]))


@bp.route("/language/<lang>", methods=["POST"])
def set_language(lang: str) -> Response:
    """The language switch on every page: remembered in the session, and on the account."""
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = lang
    if current_user.is_authenticated:
        current_user.locale = lang
        db.session.commit()
    target = request.form.get("next", "")
    return redirect(target if is_safe_next(target) else url_for("main.home"))


@bp.route("/content/assets/<path:filename>")
def content_asset(filename: str) -> Response:
    """Images referenced by modules and quizzes (``modules/assets/``)."""
    assets = Path(current_app.config["CONTENT_DIR"]) / "modules" / "assets"
    return send_from_directory(assets, filename, max_age=3600)


@bp.route("/verify", methods=["GET"])
@bp.route("/verify/<code>")
def verify(code: str | None = None) -> str | tuple[str, int]:
    """Public check of an attestation: shows only what is printed on it."""
    from cyberaware.attestation import AttestationData, format_date, format_score
    from cyberaware.services.attestations import find_by_code

    code = code or request.args.get("code", "").strip()[:100]
    if not code:
        return render_template("main/verify.html", data=None, code="")
    attestation = find_by_code(code)
    if attestation is None:
        return render_template("main/verify.html", data=None, code=code, not_found=True), 404
    return render_template("main/verify.html", data=AttestationData.from_dict(attestation.snapshot), code=code,
                           format_date=format_date, format_score=format_score)


@bp.route("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """Liveness and database check for load balancers."""
    try:
        db.session.execute(db.text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        db.session.rollback()
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}, 200
