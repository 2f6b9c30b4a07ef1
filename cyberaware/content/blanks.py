"""Blanks ``[[...]]`` of short-answer and numeric questions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .fields import looks_like_number, parse_number
from .model import Blank, blank_placeholder

MAX_REGEX_LENGTH = 500
BLANK_PATTERN = re.compile(r"\[\[(/(?:\\.|[^\\\n])*?/|[^\n]*?)\]\](?!\])")
#: A group ending in a quantifier and itself quantified, e.g. ``(a+)+``: exponential backtracking.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}]\)[+*{]")
_RANGE = re.compile(r"(.+?)\s*\.\.\s*(.+)")
_TOLERANCE = re.compile(r"(.+?)\s*(?:±|\+/-|\+-)\s*(.+)")


@dataclass
class BlankError:
    """Why a blank's text could not be read."""

    code: str
    message: str
    hint: str | None = None


def parse_blank(spec: str) -> Blank | BlankError:
    """Read the text between ``[[`` and ``]]`` into a :class:`Blank`."""
    spec = spec.strip()
    if not spec:
        return BlankError("blank-malformed", "empty blank `[[]]`", "write the expected answer inside")
    if len(spec) > 1 and spec.startswith("/") and spec.endswith("/"):
        return _regex_blank(spec[1:-1])
    if "|" in spec:
        return _text_blank(spec)
    if ".." in spec:
        return _range_blank(spec)
    if "±" in spec or "+-" in spec or "+/-" in spec:
        return _tolerance_blank(spec)
    value = parse_number(spec)
    if value is not None:
        return Blank(kind="numeric", value=value)
    if looks_like_number(spec):
        return BlankError("number-malformed", f"`[[{spec}]]` is too large to be a number")
    return _text_blank(spec)


def _regex_blank(pattern: str) -> Blank | BlankError:
    if not pattern.strip():
        return BlankError("regex-invalid", "empty regular expression `[[//]]`")
    if len(pattern) > MAX_REGEX_LENGTH:
        return BlankError("regex-invalid", f"regular expression longer than {MAX_REGEX_LENGTH} characters")
    if _NESTED_QUANTIFIER.search(pattern):
        return BlankError("regex-invalid", "regular expression nests quantifiers like `(a+)+` "
                          "(it can take exponential time)", "drop the inner or the outer `+`/`*`")
    try:
        re.compile(pattern, re.IGNORECASE)
    except (re.error, RecursionError, OverflowError, ValueError) as exc:
        return BlankError("regex-invalid", f"regular expression does not compile: {exc}",
                          "blanks use Python `re` syntax, e.g. `[[/colou?r/]]`")
    return Blank(kind="regex", pattern=pattern)


def _text_blank(spec: str) -> Blank | BlankError:
    accepted = [part.strip() for part in spec.split("|")]
    if any(not part for part in accepted):
        return BlankError("blank-malformed", f"empty alternative in `[[{spec}]]`",
                          "separate accepted answers with single `|`")
    if any(len(part) > 1 and part.startswith("/") and part.endswith("/") for part in accepted):
        return BlankError("blank-malformed", f"`[[{spec}]]` mixes a regular expression and alternatives",
                          "put the alternatives inside the regex: `[[/a|b/]]`")
    return Blank(kind="text", accepted=accepted)


def _range_blank(spec: str) -> Blank | BlankError:
    match = _RANGE.fullmatch(spec)
    low = parse_number(match.group(1)) if match else None
    high = parse_number(match.group(2)) if match else None
    if low is None or high is None:
        return BlankError("range-malformed", f"`[[{spec}]]` is not a range of two numbers",
                          "write e.g. `[[1..5]]`")
    if low > high:
        return BlankError("range-malformed", f"range `[[{spec}]]` starts above its end",
                          f"write `[[{match.group(2).strip()}..{match.group(1).strip()}]]`")
    return Blank(kind="numeric", low=low, high=high)


def _tolerance_blank(spec: str) -> Blank | BlankError:
    match = _TOLERANCE.fullmatch(spec)
    value = parse_number(match.group(1)) if match else None
    tolerance = parse_number(match.group(2)) if match else None
    if value is None or tolerance is None or tolerance < 0:
        return BlankError("number-malformed", f"`[[{spec}]]` is not `number ± tolerance`",
                          "write e.g. `[[3.14 ± 0.01]]` or `[[3.14 +- 0.01]]`")
    return Blank(kind="numeric", value=value, tolerance=tolerance)


def replace_blanks(text: str, first_index: int) -> tuple[str, list[tuple[str, Blank | BlankError]]]:
    """Replace each ``[[...]]`` of ``text`` by its placeholder.

    Returns the new text and, per blank, its source spec and parse result.
    Indices start at ``first_index``.
    """
    found: list[tuple[str, Blank | BlankError]] = []

    def substitute(match: re.Match[str]) -> str:
        found.append((match.group(1), parse_blank(match.group(1))))
        return blank_placeholder(first_index + len(found) - 1)

    return BLANK_PATTERN.sub(substitute, text), found


def has_unclosed_blank(text: str) -> bool:
    """True when a ``[[`` is left after the blanks were replaced."""
    return "[[" in text
