"""Instructors' tools: the curriculum's validation status, previews with the answer key, a file checker.

Every page reads the Markdown files of ``CONTENT_DIR`` live (``load_content`` takes well under a
second), so instructors see the files as they are now; the database copy is only compared.
These pages show answer keys: they must stay behind the instructor guard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from cyberaware.attempts import preview_layout
from cyberaware.auth.session import require_roles
from cyberaware.content import (
    ContentSet, Module, Pool, Problem, Quiz, load_content, parse_module, parse_quiz, quiz_version_hash,
)
from cyberaware.content.problems import did_you_mean
from cyberaware.extensions import db
from cyberaware.instructor.forms import CheckForm
from cyberaware.models import ModuleRecord, QuizRecord, Role
from cyberaware.quiz_view import QuestionView, present_question
from cyberaware.services.content_sync import last_sync, module_version_hash

bp = Blueprint("instructor", __name__)
require_roles(bp, Role.INSTRUCTOR)

#: Problems about the file name, meaningless for pasted text (its name is unknown).
FILE_NAME_CODES = ("filename-mismatch", "lang-mismatch")


@dataclass
class QuestionGroup:
    """Consecutive questions of a preview: always asked (``pool`` None) or drawn from a pool."""

    pool: Pool | None
    views: list[QuestionView] = field(default_factory=list)


@dataclass
class ItemStatus:
    """One module or quiz of the content folder, as listed on the index."""

    id: str
    translations: dict[str, Module] | dict[str, Quiz]
    problems: list[Problem]
    db_state: str  # "in-sync", "changed" or "missing"

    @property
    def original(self) -> Module | Quiz:
        """The French original, else any translation."""
        return self.translations.get("fr") or next(iter(self.translations.values()))


@bp.route("/")
def index() -> str:
    """The instructor's home: the curriculum and its validation status, the last sync, the archive."""
    content = _content()
    module_records = {m.slug: m for m in db.session.scalars(sa.select(ModuleRecord).order_by(ModuleRecord.slug))}
    quiz_records = {q.slug: q for q in db.session.scalars(
        sa.select(QuizRecord).options(selectinload(QuizRecord.current_version)).order_by(QuizRecord.slug))}
    modules = sorted((_module_status(content, slug, module_records.get(slug)) for slug in content.module_ids()),
                     key=lambda item: (item.original.order, item.id))
    quizzes = [_quiz_status(content, slug, quiz_records.get(slug)) for slug in content.quiz_ids()]
    return render_template(
        "instructor/index.html", content=content, modules=modules, quizzes=quizzes,
        problems=[_shown(p) for p in content.errors + content.warnings], sync=last_sync(),
        archived_modules=[m for m in module_records.values() if m.archived_at is not None],
        archived_quizzes=[q for q in quiz_records.values() if q.archived_at is not None],
        content_dir=current_app.config["CONTENT_DIR"],
    )


@bp.route("/modules/<slug>")
def module_preview(slug: str) -> str:
    """A module as students see it, read from the files, in the language asked for."""
    content = _content()
    translations = content.module_translations(slug)
    if not translations:
        abort(404)
    status = _module_status(content, slug, _record(ModuleRecord, slug))
    lang = _preview_lang(translations)
    return render_template("instructor/module.html", module=translations[lang], status=status,
                           languages=sorted(translations), lang=lang,
                           quizzes=content.quizzes_for_module(slug),
                           problems=[_shown(p) for p in status.problems])


@bp.route("/quizzes/<slug>")
def quiz_preview(slug: str) -> str:
    """A quiz with every question, pool, correct answer, feedback and explanation."""
    content = _content()
    translations = content.quiz_translations(slug)
    if not translations:
        abort(404)
    status = _quiz_status(content, slug, _record(QuizRecord, slug))
    lang = _preview_lang(translations)
    quiz = translations[lang]
    return render_template("instructor/quiz.html", quiz=quiz, status=status, groups=question_groups(quiz),
                           languages=sorted(translations), lang=lang,
                           module_known=quiz.module in content.module_ids(),
                           problems=[_shown(p) for p in status.problems])


@bp.route("/check", methods=["GET", "POST"])
def check() -> str:
    """Validate a pasted or uploaded Markdown file and preview it; nothing is saved."""
    form = CheckForm()
    result = None
    if form.validate_on_submit():
        kind = form.content_kind()
        parse = parse_quiz if kind == "quiz" else parse_module
        item, problems = parse(form.source_text, form.source_name)
        pasted = not form.upload.data
        if pasted:
            problems = [p for p in problems if p.code not in FILE_NAME_CODES]
        problems += _reference_problems(item, form.source_text, form.source_name)
        problems = sorted(problems, key=lambda p: (p.severity != "error", p.line, p.code))
        result = {
            "kind": kind, "name": form.source_name, "pasted": pasted, "item": item, "problems": problems,
            "errors": sum(p.severity == "error" for p in problems),
            "groups": question_groups(item) if isinstance(item, Quiz) else [],
        }
    return render_template("instructor/check.html", form=form, result=result)


def question_groups(quiz: Quiz) -> list[QuestionGroup]:
    """Every question of ``quiz`` in source order, as students see it plus the answer key,
    grouped into runs of always-asked questions and pools."""
    pools = {pool.id: pool for pool in quiz.pools}
    groups: list[QuestionGroup] = []
    for number, (question, entry) in enumerate(zip(quiz.questions, preview_layout(quiz)), start=1):
        if not groups or groups[-1].pool is not pools.get(question.pool or ""):
            groups.append(QuestionGroup(pools.get(question.pool or "")))
        groups[-1].views.append(present_question(question, entry, number, reveal=True, disabled=True,
                                                  blank_label=_("Blank")))
    return groups


def _content() -> ContentSet:
    return load_content(current_app.config["CONTENT_DIR"])


def _shown(problem: Problem) -> Problem:
    """The problem with its path relative to the content folder (shorter, and no server path)."""
    root = Path(current_app.config["CONTENT_DIR"]).resolve()
    try:
        return replace(problem, path=str(Path(problem.path).resolve().relative_to(root)))
    except ValueError:
        return problem


def _preview_lang(translations: dict[str, Module] | dict[str, Quiz]) -> str:
    """``?lang=`` when that translation exists, else the interface language, else French, else any."""
    for lang in (request.args.get("lang"), str(get_locale() or ""), "fr"):
        if lang in translations:
            return lang
    return sorted(translations)[0]


def _problems_of(content: ContentSet, items: list[Module] | list[Quiz]) -> list[Problem]:
    paths = {item.path for item in items}
    return [p for p in content.problems if p.path in paths]


def _record(model: type[ModuleRecord] | type[QuizRecord], slug: str) -> ModuleRecord | QuizRecord | None:
    return db.session.scalar(sa.select(model).where(model.slug == slug))


def _module_status(content: ContentSet, module_id: str, record: ModuleRecord | None) -> ItemStatus:
    """Problems and database state of a module (its hash, as the sync computes it, against the files)."""
    translations = content.module_translations(module_id)
    state = "missing" if record is None or record.archived_at is not None else (
        "in-sync" if record.content_hash == module_version_hash(translations.values()) else "changed")
    return ItemStatus(module_id, translations, _problems_of(content, list(translations.values())), state)


def _quiz_status(content: ContentSet, quiz_id: str, record: QuizRecord | None) -> ItemStatus:
    """Problems and database state of a quiz (its current version's hash against the files)."""
    translations = content.quiz_translations(quiz_id)
    if record is None or record.archived_at is not None or record.current_version is None:
        state = "missing"
    else:
        in_sync = record.current_version.content_hash == quiz_version_hash(translations.values())
        state = "in-sync" if in_sync else "changed"
    return ItemStatus(quiz_id, translations, _problems_of(content, list(translations.values())), state)


def _key_line(text: str, key: str) -> int:
    match = re.search(rf"^{key}\s*:", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _reference_problems(item: Module | Quiz | None, text: str, path: str) -> list[Problem]:
    """The cross-file checks against the content folder: a quiz's module, a module's prerequisites."""
    if item is None:
        return []
    module_ids = _content().module_ids()
    if isinstance(item, Quiz):
        if item.module and item.module not in module_ids:
            return [Problem(path, _key_line(text, "module"), "module-unknown",
                            f"quiz names unknown module `{item.module}`", "error",
                            did_you_mean(item.module, module_ids))]
        return []
    known = set(module_ids) | {item.id}
    return [Problem(path, _key_line(text, "prerequisites"), "prerequisite-unknown",
                    f"unknown prerequisite module `{name}`", "error", did_you_mean(name, module_ids))
            for name in item.prerequisites if name not in known]
