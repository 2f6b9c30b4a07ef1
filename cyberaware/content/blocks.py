"""Line-level structure of a Markdown body: fences, headings, trailing answer blocks."""

from __future__ import annotations

import re
import textwrap
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

from .problems import Report, did_you_mean, one_of

_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})")
_HEADING = re.compile(r"(#{2,3})(?!#)[ \t]*(.*)")
_COMMENT = re.compile(r"<!--(.*?)-->\s*$")
_CLOSING_HASHES = re.compile(r"\s+#+\s*$")
_QUOTE_PREFIX = re.compile(r"^[ \t]*> ?")
BULLET_ITEM = re.compile(r"[-*+](?:[ \t]|$)")
ORDERED_ITEM = re.compile(r"\d{1,9}[.)](?:[ \t]+(.*))?$")
TABLE_ROW = re.compile(r" {0,3}\|")


class Line(NamedTuple):
    """One body line: 1-based number, text, and whether it is inside fenced code."""

    number: int
    text: str
    fenced: bool

    @property
    def blank(self) -> bool:
        """True for an empty or whitespace-only line."""
        return not self.text.strip()

    @property
    def indented(self) -> bool:
        """True when the line starts with a space or a tab."""
        return self.text[:1] in (" ", "\t")


@dataclass
class Section:
    """A ``##`` or ``###`` heading and the lines up to the next one."""

    level: int
    line: int
    title: str
    attributes: dict[str, str]
    lines: list[Line] = field(default_factory=list)


def mark_fences(texts: list[str], first_number: int) -> list[Line]:
    """Number the lines and flag those inside (or delimiting) fenced code."""
    lines: list[Line] = []
    fence: str | None = None
    for offset, text in enumerate(texts):
        match = _FENCE.match(text)
        if fence is None:
            if match:
                fence = match.group(1)
            lines.append(Line(first_number + offset, text, fence is not None))
            continue
        lines.append(Line(first_number + offset, text, True))
        if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                and not text.strip().strip(fence[0]):
            fence = None
    return lines


def split_sections(lines: list[Line], report: Report,
                   allowed: dict[int, tuple[str, ...]]) -> tuple[list[Line], list[Section]]:
    """Split body lines into the intro (before any heading) and heading sections."""
    intro: list[Line] = []
    sections: list[Section] = []
    for line in lines:
        match = None if line.fenced else _HEADING.match(line.text)
        if match:
            level = len(match.group(1))
            title, attributes = parse_heading(match.group(2), line.number, report, allowed[level])
            sections.append(Section(level, line.number, title, attributes))
        elif sections:
            sections[-1].lines.append(line)
        else:
            intro.append(line)
    return intro, sections


def parse_heading(raw: str, number: int, report: Report,
                  allowed: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """Split ``Title <!-- key=value ... -->`` into the title and its attributes."""
    match = _COMMENT.search(raw)
    if match:
        title, inner = raw[:match.start()], match.group(1)
    elif "<!--" in raw:
        report.error(number, "attr-malformed", "heading comment `<!--` is never closed",
                     "end it with `-->` on the same line")
        title, inner = raw[:raw.index("<!--")], raw[raw.index("<!--") + 4:]
    else:
        title, inner = raw, ""
    title = _CLOSING_HASHES.sub("", title).strip()
    return title, _parse_attributes(inner, number, report, allowed)


def _parse_attributes(inner: str, number: int, report: Report,
                      allowed: tuple[str, ...]) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for token in inner.split():
        key, equals, value = token.partition("=")
        if not equals:
            report.error(number, "attr-malformed", f"`{token[:40]}` in the heading comment is not `key=value`",
                         f"write e.g. `{allowed[0]}=...`")
        elif key not in allowed:
            hint = did_you_mean(key, allowed) or one_of(allowed)
            report.error(number, "attr-unknown", f"unknown heading attribute `{key[:40]}`", hint)
        elif key in attributes:
            report.error(number, "attr-malformed", f"attribute `{key}` is given twice")
        else:
            attributes[key] = value.strip("\"'")
    return attributes


def strip_blank_edges(lines: list[Line]) -> list[Line]:
    """Drop the leading and trailing blank lines."""
    start, end = 0, len(lines)
    while start < end and lines[start].blank:
        start += 1
    while end > start and lines[end - 1].blank:
        end -= 1
    return lines[start:end]


def split_explanation(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """Split off the trailing non-indented blockquote (the explanation)."""
    lines = strip_blank_edges(lines)
    index = len(lines)
    while index > 0 and not lines[index - 1].fenced and (
        lines[index - 1].blank or lines[index - 1].text.startswith(">")
    ):
        index -= 1
    while index < len(lines) and lines[index].blank:
        index += 1
    return lines[:index], lines[index:]


def trailing_list_start(lines: list[Line], item: re.Pattern[str]) -> int | None:
    """Index where the trailing list whose items match ``item`` starts, or None."""
    first = None
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if line.blank or line.indented:
            continue
        if line.fenced:
            break
        if item.match(line.text):
            first = index
        elif not line.text.startswith(">"):
            break
    return first


def trailing_table_start(lines: list[Line]) -> int | None:
    """Index where the trailing Markdown table of ``lines`` (no trailing blanks) starts."""
    index = len(lines)
    while index > 0 and not lines[index - 1].fenced and TABLE_ROW.match(lines[index - 1].text):
        index -= 1
    return index if index < len(lines) else None


def group_items(lines: list[Line], item: re.Pattern[str]) -> list[list[Line]]:
    """Group list lines into items: an item line followed by its continuation lines."""
    groups: list[list[Line]] = []
    for line in lines:
        if not line.indented and not line.blank and not line.fenced and item.match(line.text):
            groups.append([line])
        elif groups:
            groups[-1].append(line)
    return groups


def split_continuation(lines: list[Line]) -> tuple[list[str], list[str], list[Line]]:
    """Split an item's continuation lines into (more text, feedback, unindented quote lines)."""
    dedented = textwrap.dedent("\n".join(line.text for line in lines)).split("\n")
    text: list[str] = []
    feedback: list[str] = []
    unindented = [line for line in lines if line.text.startswith(">")]
    for raw in dedented:
        if raw.lstrip().startswith(">"):
            feedback.append(_QUOTE_PREFIX.sub("", raw))
        elif feedback and raw.strip():
            feedback.append(raw.strip())
        elif feedback:
            feedback.append("")
        else:
            text.append(raw)
    return text, feedback, unindented


def unquote(lines: list[Line]) -> str:
    """Text of blockquote lines without their ``>`` markers."""
    return "\n".join(_QUOTE_PREFIX.sub("", line.text) if line.text.lstrip().startswith(">")
                     else line.text for line in lines).strip()


def join_text(lines: list[Line]) -> str:
    """Text of ``lines`` joined by newlines."""
    return "\n".join(line.text for line in lines)


def slugify(title: str) -> str:
    """A lowercase ``a-z0-9-`` slug of ``title`` (accents dropped)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
