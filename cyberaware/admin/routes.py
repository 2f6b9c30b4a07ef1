"""Administration: accounts and roles."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from cyberaware.admin.forms import ROLE_LABELS, RoleForm, ScopeForm
from cyberaware.auth import service
from cyberaware.auth.session import require_roles
from cyberaware.extensions import db
from cyberaware.models import AuditEvent, CoordinatorFaculty, Role, User
from cyberaware.services import audit

bp = Blueprint("admin", __name__)
require_roles(bp, Role.ADMIN)
log = logging.getLogger("cyberaware.admin")
PAGE_SIZE = 50


@bp.route("/")
def index() -> str:
    """Accounts, searchable by e-mail or name, 50 a page."""
    query = request.args.get("q", "").strip()[:100]
    page = request.args.get("page", 1, type=int)
    stmt = sa.select(User).options(selectinload(User.scope_faculties)).order_by(User.email)
    if query:
        pattern = f"%{query.lower()}%"
        stmt = stmt.where(sa.or_(User.email.like(pattern), sa.func.lower(User.last_name).like(pattern)))
    users = db.paginate(stmt, page=max(page, 1), per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/index.html", users=users, query=query, role_labels=ROLE_LABELS, form=RoleForm())


@bp.route("/users/<int:user_id>/role", methods=["POST"])
def change_role(user_id: int) -> Response:
    """Give an account another role; the account's sessions end."""
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Choose a valid role."), "error")
    elif user.id == current_user.id:
        flash(_("You cannot change your own role."), "error")
    else:
        previous = user.role
        service.set_role(user, form.role.data)
        audit.record(current_user, "account.role", 1, user_id=user.id, before=previous, after=user.role)
        db.session.commit()
        log.info("role changed user_id=%s role=%s by admin_id=%s", user.id, user.role, current_user.id)
        flash(_("Role changed."), "success")
    return redirect(url_for("admin.index", q=request.args.get("q", "")))


def parse_faculties(text: str) -> list[str]:
    """One faculty per line, trimmed, without duplicates or empty lines."""
    seen: dict[str, None] = {}
    for line in text.splitlines():
        name = line.strip()[:120]
        if name:
            seen.setdefault(name, None)
    return list(seen)


@bp.route("/users/<int:user_id>/scope", methods=["GET", "POST"])
def scope(user_id: int) -> str | Response:
    """Limit a coordinator to some faculties (no faculty: the coordinator sees every student)."""
    user = db.get_or_404(User, user_id)
    if user.role != Role.COORDINATOR:
        flash(_("Only coordinators have a scope."), "error")
        return redirect(url_for("admin.index"))
    form = ScopeForm()
    if request.method == "GET":
        form.faculties.data = "\n".join(row.faculty for row in user.scope_faculties)
    if form.validate_on_submit():
        faculties = parse_faculties(form.faculties.data or "")
        user.scope_faculties = [CoordinatorFaculty(faculty=name) for name in faculties]
        user.end_all_sessions()
        audit.record(current_user, "account.scope", 1, user_id=user.id, faculties=faculties)
        db.session.commit()
        flash(_("Scope saved."), "success")
        return redirect(url_for("admin.scope", user_id=user.id))
    known = db.session.scalars(sa.select(User.faculty).where(User.faculty.is_not(None)).distinct()
                               .order_by(User.faculty)).all()
    return render_template("admin/scope.html", user=user, form=form, known=known)


@bp.route("/audit")
def audit_log() -> str:
    """The audit log, newest first, 100 a page, filterable by action prefix."""
    action = request.args.get("action", "").strip()[:60]
    page = request.args.get("page", 1, type=int)
    stmt = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    events = db.paginate(stmt, page=max(page, 1), per_page=100, error_out=False)
    return render_template("admin/audit.html", events=events, action=action)
