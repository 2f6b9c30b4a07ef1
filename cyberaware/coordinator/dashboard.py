"""Coordinator views: the completion dashboard, its exports, and the API tokens page.

The numbers come from :mod:`cyberaware.reports`, the rows and files from :mod:`cyberaware.exports`,
the pictures from :mod:`cyberaware.charts`; these views parse the filters, check the scope, write
the audit event and stream the answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, flash, make_response, redirect, render_template, request, \
    stream_with_context, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from cyberaware import charts, exports, reports
from cyberaware.coordinator.dashboard_forms import DashboardFilterForm, RevokeTokenForm, TokenForm
from cyberaware.coordinator.routes import bp
from cyberaware.errors import render_error
from cyberaware.extensions import db
from cyberaware.models import ApiToken, User, utcnow
from cyberaware.services import audit

EXPORT_KINDS = ("students", "aggregate")
EXPORT_FORMATS = ("csv", "xlsx")
SEPARATORS = {"semicolon": ";", "comma": ","}
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _lang() -> str:
    return str(get_locale() or "fr")


def filter_error_message(error: reports.FilterError) -> str:
    """The user-facing sentence for a refused filter."""
    values = ", ".join(error.values)
    if error.code == "out_of_scope":
        return _("You may not see these faculties: %(values)s. Choose among the faculties of your scope.",
                 values=values)
    if error.code == "bad_date":
        return _("This is not a date (expected YYYY-MM-DD): %(values)s.", values=values)
    if error.code == "date_order":
        return _("The start date is after the end date.")
    return _("Too many or too long values in a filter: %(values)s.", values=values)


def filter_error_status(error: reports.FilterError) -> int:
    """403 for a faculty outside the scope, 400 for other bad values."""
    return 403 if error.code == "out_of_scope" else 400


def viewer_filters(viewer: User) -> reports.ReportFilters:
    """The request's filters checked against ``viewer``'s scope, or abort with the reason."""
    try:
        return reports.parse_filters(viewer, request.args)
    except reports.FilterError as error:
        abort(make_response(render_error(filter_error_status(error), filter_error_message(error))))


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100


def _none_label(value: str | None) -> str:
    return value if value else _("(not set)")


#: A breakdown with more rows is not charted (a university has thousands of groups: a bar per group
#: would be a chart taller than any screen and half the page's weight); its table stays complete.
MAX_CHART_ROWS = 60


def dashboard_charts(report: reports.CompletionReport) -> dict[str, Markup]:
    """The dashboard's SVG charts (their numbers are also in the page's tables); breakdowns of more
    than :data:`MAX_CHART_ROWS` rows get a sentence instead of a chart."""
    series = [_("Not started"), _("In progress"), _("Completed")]
    if report.filters.date_from:
        series.append(_("Completed before the period"))
    stacked = [(s.module.title, [s.not_started, s.in_progress, s.completed] +
                ([s.completed_before] if report.filters.date_from else [])) for s in report.module_stats]
    result = {
        "modules": charts.stacked_bar_chart(
            stacked, series, _("Students per module and status"),
            _("For each module, how many of the %(n)d students have not started it, are in progress or "
              "have completed it. The table below gives the numbers.", n=report.students), chart_id="chart-modules"),
        "module_rates": charts.bar_chart(
            [(s.module.title, _pct(s.completion_rate)) for s in report.module_stats],
            _("Completion rate per module"),
            _("Share of the students who completed each module, in percent."), chart_id="chart-module-rates"),
        "over_time": charts.column_chart(
            [(b.start.isoformat(), b.completions) for b in report.over_time],
            _("Module completions over time"),
            _("Number of module completions per period, from %(first)s to %(last)s.",
              first=report.over_time[0].start.isoformat() if report.over_time else "–",
              last=report.over_time[-1].start.isoformat() if report.over_time else "–"),
            chart_id="chart-over-time"),
    }
    for name, title, groups in (
            ("faculty", _("Core curriculum completion rate per faculty"), report.by_faculty),
            ("programme", _("Core curriculum completion rate per programme"), report.by_programme),
            ("year", _("Core curriculum completion rate per year"), report.by_year),
            ("group", _("Core curriculum completion rate per group"), report.by_group)):
        if len(groups) > MAX_CHART_ROWS:
            result[name] = Markup("<p class=\"hint\">{}</p>").format(_(
                "%(n)d rows: too many for a chart. Filter by faculty or programme to chart them; the table "
                "lists them all.", n=len(groups)))
            continue
        result[name] = charts.bar_chart(
            [(" · ".join(_none_label(k) for k in g.key), _pct(g.completion_rate)) for g in groups], title,
            _("Share of the students who completed every core module, in percent."), chart_id=f"chart-{name}")
    return result


@bp.route("/dashboard")
def dashboard() -> str:
    """Completion overall, per module and per faculty, programme, year and group, with filters."""
    viewer = current_user._get_current_object()
    filters = viewer_filters(viewer)
    report = reports.completion_report(db.session, viewer, filters, _lang())
    form = DashboardFilterForm(formdata=request.args)
    form.set_options(reports.filter_options(db.session, viewer))
    query = filters.query_args()
    return render_template("coordinator/dashboard.html", report=report, form=form, charts=dashboard_charts(report),
                           export_args=query, none_label=_none_label)


# --- exports -----------------------------------------------------------------------------------


def export_response(kind: str, fmt: str, viewer: User, filters: reports.ReportFilters, delimiter: str,
                    action: str, **details: Any) -> Response:
    """Audit, then stream ``kind`` (students|aggregate) as ``fmt`` (csv|xlsx) for ``viewer``.

    Shared by the coordinator pages and the API. The audit event is committed before the first byte
    so that an export interrupted mid-way is still on record.
    """
    lang = _lang()
    if kind == "students":
        count = reports.count_students(db.session, viewer, filters)
        rows: Iterable[list[Any]] = exports.student_rows(db.session, viewer, filters, lang, _)
    else:
        rows = list(exports.aggregate_rows(db.session, viewer, filters, lang, _))
        count = len(rows) - 1
    audit.record(viewer, f"{action}.{kind}.{fmt}", rows=count,
                 filters=filters.describe(), **details)
    db.session.commit()
    filename = f"cyberaware-{kind}-{utcnow():%Y%m%d-%H%M}.{fmt}"
    if fmt == "csv":
        response = Response(stream_with_context(exports.iter_csv(rows, delimiter)),
                            mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})
        response.charset = "utf-8"
    else:
        response = Response(stream_with_context(exports.iter_xlsx(rows, sheet_title=kind)), mimetype=XLSX_MIMETYPE,
                            headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    response.headers["Cache-Control"] = "no-store"
    return response


def export_request_args() -> tuple[str, str]:
    """``(format-independent) delimiter`` from ``sep`` (``semicolon`` by default, or ``comma``); 400 otherwise."""
    sep = request.args.get("sep", "semicolon") or "semicolon"
    if sep not in SEPARATORS:
        abort(make_response(render_error(400, _("The separator must be “semicolon” or “comma”."))))
    return sep, SEPARATORS[sep]


@bp.route("/export/<any(students, aggregate):kind>.<any(csv, xlsx):fmt>")
def export(kind: str, fmt: str) -> Response:
    """The per-student or aggregate export, with the dashboard's filters (``sep=comma`` for ``,``)."""
    viewer = current_user._get_current_object()
    filters = viewer_filters(viewer)
    sep, delimiter = export_request_args()
    return export_response(kind, fmt, viewer, filters, delimiter, "export", via="web",
                           **({"sep": sep} if fmt == "csv" else {}))


# --- API tokens --------------------------------------------------------------------------------


def _own_tokens(viewer: User) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.owner_id == viewer.id)
                                   .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())))


@bp.route("/tokens", methods=["GET", "POST"])
def tokens() -> Any:
    """List, create (the token is shown once) and revoke the coordinator's API tokens."""
    viewer = current_user._get_current_object()
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        days = None if form.expires.data == "never" else int(form.expires.data)
        row, new_token = ApiToken.issue(viewer, form.name.data.strip(),
                                        utcnow() + timedelta(days=days) if days else None)
        db.session.add(row)
        db.session.flush()
        audit.record(viewer, "token.create", token_id=row.id, name=row.name, prefix=row.prefix,
                     expires_at=row.expires_at.isoformat() if row.expires_at else None)
        db.session.commit()
        form = TokenForm(formdata=None)
    response = make_response(render_template("coordinator/tokens.html", form=form, revoke_form=RevokeTokenForm(),
                                             tokens=_own_tokens(viewer), new_token=new_token,
                                             api_example=url_for("api.completion_export", kind="aggregate",
                                                                 fmt="csv", _external=True)),
                             400 if form.errors else 200)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_token(token_id: int) -> Any:
    """Revoke one of the coordinator's tokens (admins may revoke anyone's)."""
    viewer = current_user._get_current_object()
    row = db.get_or_404(ApiToken, token_id)
    if row.owner_id != viewer.id and viewer.role != "admin":
        abort(404)
    if RevokeTokenForm().validate_on_submit() and row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(viewer, "token.revoke", token_id=row.id, name=row.name, prefix=row.prefix)
        db.session.commit()
        flash(_("The token “%(name)s” is revoked.", name=row.name), "success")
    return redirect(url_for("coordinator.tokens"))
