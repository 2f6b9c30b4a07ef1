"""The student's pages: dashboard, modules, quiz attempts and results."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from cyberaware import attempts as rules
from cyberaware.attestation import AttestationData, render_attestation_pdf, suggested_filename
from cyberaware.auth.session import require_roles
from cyberaware.extensions import db
from cyberaware.models import Attempt, Role, utcnow
from cyberaware.progress import by_level, completion_ratio, core_complete, next_recommended
from cyberaware.quiz_view import present_question
from cyberaware.services import attempts as attempt_service
from cyberaware.services import attestations as attestation_service
from cyberaware.services.curriculum import module_by_slug, student_standings, titles_in
from cyberaware.student.pages import module_text

bp = Blueprint("student", __name__)
require_roles(bp, Role.STUDENT)

REFUSALS = {
    "no-version": lambda: _("This quiz is not available at the moment."),
    "limit-reached": lambda: _("You have used every attempt allowed for this quiz."),
}


def _lang() -> str:
    return str(get_locale() or "fr")


@bp.route("/")
def dashboard() -> str:
    """Progress bars, the next module to do, every module with its status and score."""
    from cyberaware.services.expert import flag_of

    items, records = student_standings(current_user)
    lang = _lang()
    return render_template(
        "student/dashboard.html", items=items, records=records, lang=lang, expert_flag=flag_of(current_user.id),
        core_ratio=completion_ratio(items, "core"), advanced_ratio=completion_ratio(items, "advanced"),
        next_item=next_recommended(items), core_done=core_complete(items), groups=by_level(items),
        titles=titles_in(records, lang), module_urls={slug: _module_url(slug) for slug in records},
    )


_module_urls: dict[tuple[str, str], str] = {}


def _module_url(slug: str) -> str:
    """``url_for("student.module", slug=slug)``, built once per mount point and module."""
    key = (request.script_root, slug)
    url = _module_urls.get(key)
    if url is None:
        if len(_module_urls) > 1000:  # bounded: a few mount points times the published modules
            _module_urls.clear()
        url = _module_urls[key] = url_for("student.module", slug=slug)
    return url


@bp.route("/modules/<slug>")
def module(slug: str) -> str | tuple[str, int]:
    """A module in the student's language (French when not translated), unless locked."""
    items, records = student_standings(current_user)
    record = records.get(slug)  # published modules only, like module_by_slug()
    if record is None:
        abort(404)
    standing = next(item for item in items if item.module.slug == slug)
    if standing.locked_by:
        titles = [records[s].translation(_lang()).title for s in standing.locked_by if s in records]
        return render_template("student/locked.html", record=record, lang=_lang(), missing=titles,
                               missing_slugs=standing.locked_by), 403
    if standing.status == "not_started":
        attempt_service.mark_started(current_user, record)
    text = module_text(record, _lang())
    quiz = record.quiz
    context = {}
    if quiz is not None:
        has_open, left = attempt_service.attempt_summary(current_user, quiz)
        context = {"open_attempt": has_open, "attempts_left": left, "version": quiz.current_version}
    return render_template("student/module.html", record=record, text=text,
                           standing=standing, quiz=quiz, **context)


@bp.route("/modules/<slug>/read", methods=["POST"])
def mark_read(slug: str) -> Response:
    """Complete a module without a quiz."""
    record = module_by_slug(slug)
    if record is None:
        abort(404)
    if record.quiz is not None:
        flash(_("This module is completed by passing its quiz."), "error")
    else:
        attempt_service.mark_read(current_user, record)
        flash(_("Module completed."), "success")
    return redirect(url_for("student.module", slug=slug))


@bp.route("/modules/<slug>/quiz", methods=["POST"])
def start_quiz(slug: str) -> Response:
    """Start the module's quiz, or go back to the unfinished attempt."""
    record = module_by_slug(slug)
    if record is None or record.quiz is None:
        abort(404)
    items, _records = student_standings(current_user)
    if next(item for item in items if item.module.slug == slug).locked_by:
        abort(403)
    try:
        attempt = attempt_service.start_or_resume(current_user, record.quiz, _lang())
    except attempt_service.AttemptRefused as refusal:
        flash(REFUSALS[refusal.reason](), "error")
        return redirect(url_for("student.module", slug=slug))
    return redirect(url_for("student.attempt", public_id=attempt.public_id))


def _own_attempt(public_id: str) -> Attempt:
    """The current student's attempt; another student's id is simply not found."""
    attempt = attempt_service.load_own_attempt(current_user.id, public_id)
    if attempt is None:
        abort(404)
    return attempt


def _views(attempt: Attempt, reveal: bool, editable: bool) -> list:
    quiz = attempt_service.attempt_quiz(attempt)
    results = {r["id"]: r for r in (attempt.results or [])}
    views = []
    for number, entry in enumerate(attempt.layout, start=1):
        question = quiz.question(entry["id"])
        if question is not None:
            views.append(present_question(question, entry, number, attempt.responses.get(question.id),
                                          results.get(question.id), reveal=reveal, disabled=not editable,
                                          blank_label=_("Answer")))
    return views


@bp.route("/attempts/<public_id>", methods=["GET", "POST"])
def attempt(public_id: str) -> str | Response:
    """The quiz form of an open attempt (GET), saving or submitting it (POST), or its result."""
    attempt = _own_attempt(public_id)
    now = utcnow()
    if attempt.is_open and rules.expired(attempt.deadline_at, now):
        attempt_service.finalize_expired(attempt, now)
        flash(_("The time was up: your attempt was graded on the answers saved in time."), "warning")
        return redirect(url_for("student.attempt", public_id=public_id))
    if request.method == "POST":
        return _post_attempt(attempt)
    if not attempt.is_open:
        return _result(attempt)
    quiz = attempt_service.attempt_quiz(attempt)
    return render_template("student/attempt.html", attempt=attempt, quiz=quiz,
                           questions=_views(attempt, reveal=False, editable=True),
                           module=attempt.quiz.module, now=now)


def _post_attempt(attempt: Attempt) -> Response:
    autosave = request.headers.get("X-Autosave") == "1"
    if not attempt.is_open:
        if autosave:
            return Response(status=409)
        flash(_("This attempt was already submitted; your answers were recorded once."), "info")
        return redirect(url_for("student.attempt", public_id=attempt.public_id))
    quiz = attempt_service.attempt_quiz(attempt)
    reading = rules.read_answers(quiz, attempt.layout, request.form.to_dict(flat=False))
    if autosave:
        return Response(status=204 if attempt_service.save_answers(attempt, reading.responses) else 409)
    if reading.foreign_fields:
        flash(_("Answers to questions that are not part of this attempt were ignored."), "warning")
    if reading.problems:
        flash(_("Some answers could not be read and were left empty: %(n)d question(s).", n=len(reading.problems)),
              "warning")
    if request.form.get("action") == "save":
        if attempt_service.save_answers(attempt, reading.responses):
            flash(_("Your answers are saved. You can come back later."), "success")
        return redirect(url_for("student.attempt", public_id=attempt.public_id))
    outcome = attempt_service.submit(attempt, reading.responses)
    if outcome.late:
        flash(_("Your answers arrived after the time limit: the attempt was graded on the answers saved in time."),
              "warning")
    return redirect(url_for("student.attempt", public_id=attempt.public_id))


def _result(attempt: Attempt) -> str:
    quiz_record = attempt.quiz
    version = attempt.version
    left = attempt_service.attempts_left(current_user, quiz_record)
    progress_passed = any(a.passed for a in db.session.scalars(db.select(Attempt).where(
        Attempt.user_id == current_user.id, Attempt.quiz_id == quiz_record.id, Attempt.submitted_at.is_not(None))))
    reveal = rules.may_review(version.review, attempt_passed=bool(attempt.passed), quiz_passed=progress_passed,
                              attempts_exhausted=left == 0)
    return render_template("student/result.html", attempt=attempt, quiz=attempt_service.attempt_quiz(attempt),
                           questions=_views(attempt, reveal=reveal, editable=False), reveal=reveal,
                           version=version, attempts_left=left, module=quiz_record.module)


@bp.route("/attestation")
def attestation() -> str:
    """The attestation page: eligibility and the download links (French and English)."""
    items, _records = student_standings(current_user)
    return render_template("student/attestation.html", eligible=core_complete(items),
                           missing=[s for s in items if s.module.level == "core" and s.status != "completed"],
                           records=_records, lang=_lang())


@bp.route("/attestation.pdf")
def attestation_pdf() -> Response:
    """Download the attestation as PDF, in ``?lang=`` (default: the interface language)."""
    lang = request.args.get("lang", _lang())
    if lang not in ("fr", "en"):
        abort(404)
    try:
        issued = attestation_service.issue(current_user, lang)
    except attestation_service.NotEligible:
        flash(_("Complete every core module to get your attestation."), "error")
        return redirect(url_for("student.attestation"))
    data = AttestationData.from_dict(issued.snapshot)
    pdf = render_attestation_pdf(data, url_for("main.verify", code=issued.code, _external=True))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{suggested_filename(data)}"',
        "Cache-Control": "private, no-store"})


from cyberaware.student import expert  # noqa: E402,F401
