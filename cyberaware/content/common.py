"""Pieces shared by the module and quiz parsers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Literal

from .model import Module, Problem, Quiz
from .problems import Report
from .source import file_name_parts

ORIGINAL_LANG = "fr"


@dataclass
class Parsed:
    """A parsed file with what cross-file validation needs besides the object itself."""

    path: str
    kind: Literal["module", "quiz"]
    item: Module | Quiz | None
    problems: list[Problem]
    key_lines: dict[str, int] = field(default_factory=dict)
    file_id: str | None = None  # the ``<id>`` part of the file name
    file_lang: str | None = None  # the ``.<lang>`` suffix, None for an original

    @property
    def is_translation(self) -> bool:
        """True for ``<id>.<lang>.md`` files."""
        return self.file_lang is not None

    def key_line(self, key: str) -> int:
        """Line of front-matter ``key``, or 1 when absent."""
        return self.key_lines.get(key, 1)


def check_file_name(path: str, item_id: str, lang: str, key_lines: dict[str, int],
                    report: Report) -> tuple[str | None, str | None]:
    """Check the ``<id>[.<lang>].md`` rule; return the file name's (id, lang suffix)."""
    name = PurePath(path).name
    parts = file_name_parts(path)
    if parts is None:
        report.error(1, "filename-mismatch",
                     f"file name `{name}` must be `<id>.md` or `<id>.<lang>.md`",
                     f"rename it `{item_id}.md`" if item_id else None)
        return None, None
    stem, suffix = parts
    if item_id and stem != item_id:
        wanted = f"{item_id}.{suffix}.md" if suffix else f"{item_id}.md"
        report.error(key_lines.get("id", 1), "filename-mismatch",
                     f"file name `{name}` does not match `id: {item_id}`",
                     f"rename the file `{wanted}` or set `id: {stem}`")
    expected_lang = suffix or ORIGINAL_LANG
    if lang and lang != expected_lang:
        hint = (f"set `lang: {expected_lang}`" if suffix
                else f"originals are in `{ORIGINAL_LANG}`; name a translation `{stem}.{lang}.md`")
        report.error(key_lines.get("lang", 1), "lang-mismatch",
                     f"`lang: {lang}` but the file name says `{expected_lang}`", hint)
    return stem, suffix
