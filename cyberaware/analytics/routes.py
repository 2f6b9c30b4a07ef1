"""Quiz statistics pages: every quiz, then one quiz per version with its item analysis."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from cyberaware.auth.session import require_roles
from cyberaware.extensions import db
from cyberaware.models import QuizRecord, QuizVersion, Role
from cyberaware.services import analytics, audit

bp = Blueprint("analytics", __name__)
FLAG_LABELS = {
    "too-easy": _l("almost everyone gets it right"),
    "too-hard": _l("almost nobody gets it right"),
    "low-discrimination": _l("does not separate strong from weak students"),
    "negative-discrimination": _l("the best students miss it: check the key"),
    "option-never-chosen": _l("an option nobody picks"),
}
require_roles(bp, Role.INSTRUCTOR, Role.COORDINATOR)


def _quiz(slug: str) -> QuizRecord:
    quiz = db.session.scalar(db.select(QuizRecord).where(QuizRecord.slug == slug))
    if quiz is None:
        abort(404)
    return quiz


def _report(slug: str) -> analytics.QuizReport:
    quiz = _quiz(slug)
    version = None
    version_id = request.args.get("version", type=int)
    if version_id is not None:
        version = db.session.get(QuizVersion, version_id)
        if version is None or version.quiz_id != quiz.id:
            abort(404)
    first_only = request.args.get("attempts", "first") != "all"
    return analytics.quiz_report(quiz, version, first_only, lang=str(get_locale() or "fr"))


@bp.route("/")
def index() -> str:
    """Every quiz with its number of attempts and pass rate."""
    return render_template("analytics/index.html", rows=analytics.quiz_overview())


@bp.route("/quizzes/<slug>")
def quiz(slug: str) -> str:
    """One quiz: summary, score distribution, item statistics and flags."""
    report = _report(slug)
    return render_template("analytics/quiz.html", report=report, versions=analytics.versions_of(report.quiz),
                           chart=histogram_chart(report), flag_labels=FLAG_LABELS)


def histogram_chart(report: analytics.QuizReport) -> Markup | None:
    """The score distribution as server-rendered SVG (None when there is nothing to draw)."""
    from cyberaware.charts import column_chart

    if not report.attempts:
        return None
    return column_chart([(label, float(count)) for label, count in report.distribution],
                        title=str(_l("Score distribution")),
                        desc=str(_l("Number of attempts per 10-point score band; the table below gives the same numbers.")),
                        chart_id="score-distribution")


@bp.route("/quizzes/<slug>.csv")
def quiz_csv(slug: str) -> Response:
    """The item statistics as CSV (UTF-8 with BOM, semicolons)."""
    from cyberaware.exports import neutralise

    report = _report(slug)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["question", "type", "points", "attempts", "facility_percent", "sd_percent",
                     "discrimination", "flags"])
    for item in report.questions:
        stats = item.stats
        writer.writerow([neutralise(stats.question_id), item.question.type if item.question else "",
                         stats.max_mark, stats.n, _pct(stats.facility), _pct(stats.sd),
                         "" if stats.discrimination is None else round(stats.discrimination, 3),
                         neutralise(" ".join(stats.flags))])
    audit.record(current_user, "export.analytics.csv", len(report.questions), quiz=slug)
    db.session.commit()
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="analytics-{slug}.csv"'})


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}".replace(".", ",")
