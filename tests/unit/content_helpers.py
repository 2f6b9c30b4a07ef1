"""Builders shared by the content tests (plain functions, no app)."""

from __future__ import annotations

from pathlib import Path

from cyberaware.content import Problem, parse_module, parse_quiz

QUIZ_FRONT = """---
id: {id}
module: {module}
title: Un quiz
lang: {lang}
pass: {pass_mark}
{extra}---
"""

MODULE_FRONT = """---
id: {id}
title: Un module
lang: {lang}
{extra}---
"""

#: Lines taken by QUIZ_FRONT when ``extra`` is empty: the body starts on line 8.
QUIZ_BODY_LINE = 8


def quiz_text(body: str, *, quiz_id: str = "q", module: str = "m", lang: str = "fr",
              extra: str = "", pass_mark: str = "80%") -> str:
    """A quiz file: a standard front matter (plus ``extra`` lines) followed by ``body``."""
    return QUIZ_FRONT.format(id=quiz_id, module=module, lang=lang, extra=extra, pass_mark=pass_mark) + body


def module_text(body: str = "## Intro\n\nTexte.\n", *, module_id: str = "m", lang: str = "fr",
                extra: str = "sources:\n  - ANSSI, *Guide*, 2024 — <https://cyber.gouv.fr>\n") -> str:
    """A module file with sources (so no warning) unless ``extra`` says otherwise."""
    return MODULE_FRONT.format(id=module_id, lang=lang, extra=extra) + body


def quiz_path(quiz_id: str = "q", lang: str = "fr") -> str:
    """The file path matching ``quiz_id``/``lang``."""
    return f"quizzes/{quiz_id}.md" if lang == "fr" else f"quizzes/{quiz_id}.{lang}.md"


def parse_body(body: str, **kwargs):
    """Parse a quiz made of the standard front matter and ``body``."""
    text = quiz_text(body, **kwargs)
    return parse_quiz(text, quiz_path(kwargs.get("quiz_id", "q"), kwargs.get("lang", "fr")))


def parse_mod(text: str, path: str = "modules/m.md"):
    """Parse a module file."""
    return parse_module(text, path)


def codes(problems: list[Problem], severity: str | None = None) -> list[str]:
    """The codes of ``problems`` (optionally of one severity), in order."""
    return [p.code for p in problems if severity is None or p.severity == severity]


def errors(problems: list[Problem]) -> list[tuple[int, str]]:
    """``(line, code)`` of each error."""
    return [(p.line, p.code) for p in problems if p.severity == "error"]


def find(problems: list[Problem], code: str) -> Problem:
    """The first problem with ``code`` (fails the test if there is none)."""
    for problem in problems:
        if problem.code == code:
            return problem
    raise AssertionError(f"no {code!r} in {[str(p) for p in problems]}")


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: text}`` under ``root`` and return ``root``."""
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root
