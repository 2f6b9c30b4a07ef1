"""Parsing quiz files (``quizzes/<id>[.<lang>].md``) into :class:`Quiz` objects."""

from __future__ import annotations

from .blocks import (
    Line, Section, join_text, mark_fences, slugify, split_sections,
    strip_blank_edges,
)
from .common import ORIGINAL_LANG, Parsed, check_file_name
from .fields import Fields
from .model import GRADING_METHODS, LEVELS, REVIEW_POLICIES, Pool, Question, Quiz
from .problems import Report, did_you_mean, one_of, sort_problems
from .question import parse_question
from .render import render_markdown
from .source import content_hash, read_source

QUIZ_KEYS = ("id", "module", "title", "lang", "pass", "attempts", "grading", "time_limit",
             "shuffle", "draw", "review", "level")
REQUIRED_QUIZ_KEYS = ("id", "module", "title")
SHUFFLE_TARGETS = ("questions", "options")
DEFAULT_PASS_RATIO = 0.8
HEADING_ATTRIBUTES = {2: ("pick",), 3: ("id", "points", "type")}


def parse_quiz(text: str, path: str) -> tuple[Quiz | None, list]:
    """Parse one quiz file; return the quiz (None when unusable) and its problems."""
    parsed = parse_quiz_file(text, path)
    return parsed.item, parsed.problems  # type: ignore[return-value]


def parse_quiz_file(text: str, path: str) -> Parsed:
    """Parse one quiz file, keeping what cross-file checks need. Never raises."""
    report = Report(path)
    try:
        return _parse(text, path, report)
    except Exception as exc:  # noqa: BLE001 - last-resort guard: a bug must not hide the file
        report.error(1, "internal-error", f"the parser failed on this file ({type(exc).__name__}: {exc})",
                     "please report this with the file")
        return Parsed(path, "quiz", None, sort_problems(report.problems))


def _parse(text: str, path: str, report: Report) -> Parsed:
    source = read_source(text, path, report)
    if source is None:
        return Parsed(path, "quiz", None, sort_problems(report.problems))
    fields = Fields(source, report)
    quiz = _quiz_from_front_matter(fields, path) if source.data is not None else None
    file_id, file_lang = (None, None)
    if quiz is not None:
        quiz.content_hash = content_hash(text)
        file_id, file_lang = check_file_name(path, quiz.id, quiz.lang, source.key_lines, report)
    body = mark_fences(source.body, source.body_start)
    intro, questions, pools = _parse_body(body, report)
    if quiz is not None:
        quiz.intro_html = render_markdown(join_text(intro), heading_ids=False)
        quiz.questions, quiz.pools = questions, pools
        _check_draw(quiz, fields)
        if not quiz.id:
            quiz = None
    return Parsed(path, "quiz", quiz, sort_problems(report.problems), source.key_lines, file_id, file_lang)


def _quiz_from_front_matter(fields: Fields, path: str) -> Quiz:
    fields.check_keys(QUIZ_KEYS, REQUIRED_QUIZ_KEYS)
    time_limit = fields.minutes("time_limit")
    shuffle = _shuffle(fields)
    return Quiz(
        id=fields.identifier("id"),
        module=fields.identifier("module"),
        title=fields.text("title"),
        lang=fields.lang(ORIGINAL_LANG),
        path=path,
        pass_ratio=fields.pass_ratio(DEFAULT_PASS_RATIO),
        attempts=fields.integer("attempts", 0) or 0,
        grading=fields.choice("grading", GRADING_METHODS, "highest"),  # type: ignore[arg-type]
        time_limit_seconds=time_limit * 60 if time_limit else None,
        shuffle_questions="questions" in shuffle,
        shuffle_options="options" in shuffle,
        draw=fields.integer("draw", None, minimum=1),
        review=fields.choice("review", REVIEW_POLICIES, "after_submit"),  # type: ignore[arg-type]
        level=fields.choice("level", LEVELS, "core"),  # type: ignore[arg-type]
    )


def _shuffle(fields: Fields) -> list[str]:
    targets = fields.string_list("shuffle")
    for target in targets:
        if target not in SHUFFLE_TARGETS:
            hint = did_you_mean(target, SHUFFLE_TARGETS) or one_of(SHUFFLE_TARGETS)
            fields.report.error(fields.line("shuffle"), "value-invalid",
                                f"`shuffle`: unknown value {target!r:.40}", hint)
    return targets


def _parse_body(body: list[Line], report: Report) -> tuple[list[Line], list[Question], list[Pool]]:
    intro, sections = split_sections(body, report, HEADING_ATTRIBUTES)
    questions: list[Question] = []
    pools: list[Pool] = []
    pool_lines: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    pool: Pool | None = None
    for section in sections:
        if section.level == 2:
            pool = _start_pool(section, pools, report)
            if pool is not None:
                pools.append(pool)
                pool_lines[pool.id] = section.line
            continue
        question = parse_question(section, report, seen_ids)
        if question is None:
            continue
        questions.append(question)
        if pool is not None:
            question.pool = pool.id
            pool.question_ids.append(question.id)
    _check_pools(pools, pool_lines, report)
    if not questions:
        report.error(body[0].number if body else 1, "no-questions", "quiz has no questions",
                     "write each question as `### Question text <!-- id=some-id -->`")
    return intro, questions, pools


def _start_pool(section: Section, pools: list[Pool], report: Report) -> Pool | None:
    """Handle a ``##`` heading: open a pool when it has ``pick``, otherwise close any pool."""
    ignored = strip_blank_edges(section.lines)
    if ignored:
        report.error(ignored[0].number, "text-ignored",
                     "text between a `##` heading and its first `###` question is not shown",
                     "move it into the quiz intro or into a question")
    if "pick" not in section.attributes:
        return None
    raw = section.attributes["pick"]
    if not raw.isdigit() or int(raw) < 1:
        report.error(section.line, "pick-invalid", f"`pick={raw[:20]}` must be a whole number >= 1")
        return None
    taken = {pool.id for pool in pools}
    base = slugify(section.title) or "pool"
    pool_id, suffix = base, 2
    while pool_id in taken:
        pool_id, suffix = f"{base}-{suffix}", suffix + 1
    return Pool(id=pool_id, title=section.title, pick=int(raw))


def _check_pools(pools: list[Pool], pool_lines: dict[str, int], report: Report) -> None:
    for pool in pools:
        available = len(pool.question_ids)
        if pool.pick > available:
            report.error(pool_lines[pool.id], "pick-too-large",
                         f"`pick={pool.pick}` but the pool holds {available} question(s)",
                         f"use `pick={available}` or add questions" if available else "add questions under it")


def selectable_count(quiz: Quiz) -> int:
    """How many questions one attempt can hold before ``draw`` (pools contribute ``pick``)."""
    outside = sum(1 for question in quiz.questions if question.pool is None)
    picked = sum(min(pool.pick, len(pool.question_ids)) for pool in quiz.pools)
    return outside + picked


def _check_draw(quiz: Quiz, fields: Fields) -> None:
    if quiz.draw is None or not quiz.questions:
        return
    available = selectable_count(quiz)
    if quiz.draw > available:
        fields.report.error(fields.line("draw"), "draw-too-large",
                            f"`draw: {quiz.draw}` but an attempt can hold at most {available} question(s)",
                            f"use `draw: {available}` or fewer")

