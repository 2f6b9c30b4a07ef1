"""``/api/v1``: the completion exports for BI tools, with ``Authorization: Bearer <token>``.

Read-only GET endpoints, so exempt from CSRF; no session cookie is read or set. A token sees what
its owner sees (their faculty scope) for as long as the owner is an active coordinator or admin.
Every call is written to the audit log.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, g, jsonify, make_response, request
from werkzeug.wrappers import Response

from cyberaware import reports
from cyberaware.coordinator.dashboard import SEPARATORS, export_response
from cyberaware.extensions import csrf, db
from cyberaware.models import ApiToken, Role, utcnow
from cyberaware.models.api_token import hash_token
from cyberaware.services import audit

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def _error(status: int, message: str) -> Response:
    response = make_response(jsonify(error=message), status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="cyberaware", error="invalid_token"'
    response.headers["Cache-Control"] = "no-store"
    return response


def token_from_header(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    scheme, _, token = (header or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def authenticate(token: str | None) -> ApiToken | None:
    """The usable token row for ``token``: found by its SHA-256 (no secret compared byte by byte),
    not revoked or expired, owned by an active coordinator or admin."""
    if not token or len(token) > 200:
        return None
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or not row.is_usable():
        return None
    owner = row.owner
    if owner is None or not owner.is_active or not owner.has_role(Role.COORDINATOR):
        return None
    return row


@bp.before_request
def require_token() -> Response | None:
    """401 unless the request carries a usable bearer token; the token's owner becomes the viewer."""
    row = authenticate(token_from_header(request.headers.get("Authorization")))
    if row is None:
        return _error(401, "missing, unknown, expired or revoked token")
    row.last_used_at = utcnow()
    g.api_token = row
    return None


@bp.route("/completion/<any(students, aggregate):kind>.<any(csv, xlsx, json):fmt>")
def completion_export(kind: str, fmt: str) -> Any:
    """The per-student or aggregate completion export (CSV, XLSX; JSON for the aggregate), with the
    dashboard's filters as query parameters (``faculty``, ``programme``, ``year``, ``group``, ``from``,
    ``to``, ``sep=comma``)."""
    row: ApiToken = g.api_token
    viewer = row.owner
    try:
        filters = reports.parse_filters(viewer, request.args)
    except reports.FilterError as error:
        return _error(403 if error.code == "out_of_scope" else 400, str(error))
    sep = request.args.get("sep", "semicolon") or "semicolon"
    if sep not in SEPARATORS:
        return _error(400, "sep must be semicolon or comma")
    if fmt == "json":
        if kind != "aggregate":
            abort(404)
        report = reports.completion_report(db.session, viewer, filters, request.args.get("lang", "fr"))
        audit.record(viewer, "api.aggregate.json", rows=len(report.combinations), filters=filters.describe(),
                     via="api", token_id=row.id)
        db.session.commit()
        response = jsonify(report.to_dict())
        response.headers["Cache-Control"] = "no-store"
        return response
    return export_response(kind, fmt, viewer, filters, SEPARATORS[sep], "api", via="api", token_id=row.id,
                           **({"sep": sep} if fmt == "csv" else {}))
