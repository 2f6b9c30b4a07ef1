"""Coordinator views: the expert-track list, the review of a flag and its exports.

Every query goes through :mod:`cyberaware.services.scope` (via :mod:`cyberaware.services.expert`):
a coordinator limited to some faculties sees, reviews and exports only their students.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from cyberaware.coordinator.expert_forms import ReviewForm
from cyberaware.coordinator.routes import bp
from cyberaware.errors import render_error
from cyberaware.expert_rules import RulesFileError
from cyberaware.extensions import db
from cyberaware.models import utcnow
from cyberaware.services import expert
from cyberaware.services.scope import OutOfScope, check_faculties

PAGE_SIZE = 50
AUDIENCES = ("internal", "external")


def _filters_in_scope() -> expert.FlagFilters:
    """The filters of the query string; raises OutOfScope for a faculty outside the scope."""
    filters = expert.FlagFilters.from_args(request.args)
    if filters.faculty:
        check_faculties(current_user, [filters.faculty])
    return filters


def _out_of_scope(error: OutOfScope) -> tuple[str, int]:
    return render_error(403, _("The faculty %(name)s is outside your scope: nothing is shown.", name=str(error)))


def _rules() -> Any:
    """The current rules, or None when the file is malformed (the page says so)."""
    try:
        return expert.current_rules()
    except RulesFileError as error:
        flash(_("The expert-track rules file has errors: %(error)s", error=str(error)), "error")
        return None


@bp.route("/expert")
def expert_list() -> str | tuple[str, int]:
    """Flagged students within scope, with filters, the rules met and the review and consent."""
    try:
        filters = _filters_in_scope()
    except OutOfScope as error:
        return _out_of_scope(error)
    page = max(request.args.get("page", 1, type=int), 1)
    flags = db.paginate(expert.flags_query(current_user, filters), page=page, per_page=PAGE_SIZE, error_out=False)
    return render_template("coordinator/expert.html", flags=flags, filters=filters, rules=_rules(),
                           choices=expert.filter_choices(current_user), lang=str(get_locale() or "fr"))


@bp.route("/expert/<int:flag_id>", methods=["GET", "POST"])
def expert_review(flag_id: int) -> str | Response:
    """One flag: the rules met, the student's answer; confirm or dismiss it with a note."""
    flag = expert.visible_flag(current_user, flag_id)
    if flag is None:
        abort(404)
    form = ReviewForm()
    if request.method == "GET":
        form.note.data = flag.review_note
    if form.validate_on_submit():
        decide = expert.dismiss if form.dismiss.data else expert.confirm
        decide(flag, current_user, form.note.data or "")
        db.session.commit()
        flash(_("Flag dismissed.") if form.dismiss.data else _("Flag confirmed."), "success")
        return redirect(url_for("coordinator.expert_list"))
    return render_template("coordinator/expert_flag.html", flag=flag, form=form, rules=_rules(),
                           lang=str(get_locale() or "fr"))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any, yes_no: tuple[str, str] = ("yes", "no")) -> str:
    """A CSV cell: dates as YYYY-MM-DD, booleans as ``yes_no``, lists joined; text that a
    spreadsheet would read as a formula is neutralised with a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no[0] if value else yes_no[1]
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _headers() -> dict[str, str]:
    return {
        "last_name": _("Last name"), "first_name": _("First name"), "email": _("E-mail"),
        "student_number": _("Student number"), "faculty": _("Faculty"), "programme": _("Programme"),
        "year": _("Year"), "group": _("Group"), "qualified": _("Qualifies now"), "rules_met": _("Rules met"),
        "qualified_at": _("Qualified on"), "review_status": _("Review"), "review_note": _("Review note"),
        "consent": _("Consent"), "consent_at": _("Consent date"),
    }


def _csv_lines(header: list[str], rows: Iterator[tuple[Any, ...]], yes_no: tuple[str, str]) -> Iterator[str]:
    """UTF-8 with BOM (Excel), ``;`` separated, CRLF; flushed every 500 rows.

    Runs while the response streams: everything that needs the request (translations, the
    coordinator's scope) is resolved before, by the view.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(label) for label in header])
    yield "\ufeff" + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for number, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(value, yes_no) for value in row])
        if number % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@bp.route("/expert/export.csv")
def expert_export() -> Response | tuple[str, int]:
    """The list as CSV: ``audience=internal`` (flagged students within scope, with the filters) or
    ``external`` (only those who consented and were confirmed, minimum columns). Audited."""
    audience = request.args.get("audience", "internal")
    if audience not in AUDIENCES:
        return render_error(400, _("Choose the internal or the external export."))
    try:
        filters = _filters_in_scope()
    except OutOfScope as error:
        return _out_of_scope(error)
    rows = expert.export_count(current_user, filters, audience)
    labels = _headers()
    header = [labels[name] for name in expert.EXPORT_COLUMNS[audience]]
    rows_iter = expert.export_rows(current_user, filters, audience)  # the query is built now, run while streaming
    body = _csv_lines(header, rows_iter, (_("yes"), _("no")))
    expert.record_export(current_user, audience, rows, filters)
    db.session.commit()
    filename = f"expert-track-{audience}-{utcnow():%Y%m%d}.csv"
    return Response(stream_with_context(body), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"})
