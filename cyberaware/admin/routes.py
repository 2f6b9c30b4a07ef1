"""Administration: accounts and roles."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from cyberaware.admin.forms import ROLE_LABELS, RoleForm
from cyberaware.auth import service
from cyberaware.auth.session import require_roles
from cyberaware.extensions import db
from cyberaware.models import Role, User

bp = Blueprint("admin", __name__)
require_roles(bp, Role.ADMIN)
log = logging.getLogger("cyberaware.admin")
PAGE_SIZE = 50


@bp.route("/")
def index() -> str:
    """Accounts, searchable by e-mail or name, 50 a page."""
    query = request.args.get("q", "").strip()[:100]
    page = request.args.get("page", 1, type=int)
    stmt = sa.select(User).order_by(User.email)
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
        service.set_role(user, form.role.data)
        db.session.commit()
        log.info("role changed user_id=%s role=%s by admin_id=%s", user.id, user.role, current_user.id)
        flash(_("Role changed."), "success")
    return redirect(url_for("admin.index", q=request.args.get("q", "")))
