"""Curriculum content: Markdown modules and quizzes parsed, rendered and validated.

Pure Python (no Flask, no database). The public API:

- :func:`render_markdown` — Markdown to sanitised HTML;
- :func:`parse_module`, :func:`parse_quiz` — one file to a dataclass plus problems;
- :func:`load_content` — a whole ``modules/`` + ``quizzes/`` tree, cross-checked;
- :func:`check_paths` — the same checks for a mix of files and folders;
- :class:`ContentSet`, :func:`quiz_version_hash`.
"""

from __future__ import annotations

from .loader import ContentSet, check_paths, load_content, quiz_version_hash
from .model import Blank, Module, Option, Pool, Problem, Question, Quiz, blank_placeholder
from .module import parse_module
from .quiz import parse_quiz
from .render import render_inline, render_markdown, sanitize_html

__all__ = [
    "Blank", "ContentSet", "Module", "Option", "Pool", "Problem", "Question", "Quiz",
    "blank_placeholder", "check_paths", "load_content", "parse_module", "parse_quiz",
    "quiz_version_hash", "render_inline", "render_markdown", "sanitize_html",
]
