"""Reading a content file: text clean-up, front matter split and YAML parsing."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import yaml

from .problems import Report

try:  # the C loader is much faster when available
    _SafeLoader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _SafeLoader = yaml.SafeLoader

FENCE_DELIMITER = "---"
_KEY_LINE = re.compile(r"([^\s:#'\"\-?][^:]*?)\s*:(?:\s|$)")
_BAD_CHARS = re.compile(r"[\x00\ud800-\udfff]")
_FILE_NAME = re.compile(r"(?P<stem>[^.]+)(?:\.(?P<lang>[^.]+))?\.md")


@dataclass
class Source:
    """A content file split into front matter and body.

    ``data`` is None when the front matter could not be read (the body is
    still parsed so that every problem shows up in one run).
    """

    path: str
    text: str
    data: dict[str, Any] | None
    key_lines: dict[str, int] = field(default_factory=dict)
    body: list[str] = field(default_factory=list)
    body_start: int = 1  # 1-based line number of body[0]

    def key_line(self, key: str) -> int:
        """Line of ``key`` in the front matter, or 1 (the opening ``---``) when absent."""
        return self.key_lines.get(key, 1)


def content_hash(text: str) -> str:
    """Return the sha256 hex digest of a file's text."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def file_name_parts(path: str) -> tuple[str, str | None] | None:
    """Split ``x/<id>[.<lang>].md`` into (id, lang or None); None if the name does not fit."""
    match = _FILE_NAME.fullmatch(PurePath(path).name)
    if not match:
        return None
    return match.group("stem"), match.group("lang")


def clean_text(text: str, report: Report) -> list[str]:
    """Return the lines of ``text``; report and replace NUL and undecodable characters."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        if _BAD_CHARS.search(line):
            report.error(
                number, "encoding-invalid",
                "line holds a NUL or a byte that is not valid UTF-8",
                "save the file as UTF-8",
            )
            lines[number - 1] = _BAD_CHARS.sub("\ufffd", line)
    return lines


def read_source(text: str, path: str, report: Report) -> Source | None:
    """Split ``text`` into front matter and body; None when there is no front matter."""
    if not isinstance(text, str):
        report.error(1, "encoding-invalid", "content is not text")
        return None
    lines = clean_text(text, report)
    if not lines or lines[0].rstrip() != FENCE_DELIMITER:
        report.error(
            1, "frontmatter-missing", "file must start with a `---` line opening the front matter",
            "write `---`, the `key: value` lines, then `---`",
        )
        return None
    closing = next(
        (i for i in range(1, len(lines)) if lines[i].rstrip() in (FENCE_DELIMITER, "...")), None
    )
    if closing is None:
        report.error(1, "frontmatter-unclosed", "front matter opened on line 1 is never closed",
                     "add a `---` line after the last key")
        return None
    source = Source(path, text, None, body=lines[closing + 1:], body_start=closing + 2)
    source.key_lines = _key_lines(lines[1:closing], report)
    source.data = _load_yaml("\n".join(lines[1:closing]), report)
    return source


def _key_lines(front_lines: list[str], report: Report) -> dict[str, int]:
    """Map each top-level key of the front matter to its 1-based line; report repeated keys."""
    key_lines: dict[str, int] = {}
    for offset, line in enumerate(front_lines):
        match = _KEY_LINE.match(line)
        if not match:
            continue
        key = match.group(1).strip()
        if key in key_lines:
            report.error(offset + 2, "key-duplicate",
                         f"key `{key}` is already set on line {key_lines[key]}",
                         "YAML would silently keep only the last value")
        else:
            key_lines[key] = offset + 2
    return key_lines


def _load_yaml(front: str, report: Report) -> dict[str, Any] | None:
    """Parse the front matter; report ``yaml-invalid`` and return None on failure."""
    try:
        data = yaml.load(front, Loader=_SafeLoader)  # noqa: S506 - safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark is not None else 2
        reason = exc.problem or exc.context or "invalid YAML"
        report.error(line, "yaml-invalid", f"front matter is not valid YAML: {reason}",
                     "quote values holding `:`, `#`, `%` or starting with `*`, `&`, `!`")
        return None
    except Exception as exc:  # noqa: BLE001 - any input must become a problem, not a crash
        report.error(2, "yaml-invalid", f"front matter is not valid YAML: {type(exc).__name__}")
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        report.error(2, "frontmatter-invalid", "front matter must be `key: value` lines")
        return None
    return {str(key): value for key, value in data.items()}
