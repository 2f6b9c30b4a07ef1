"""Checking and converting front-matter values.

Every reader returns a usable default after reporting a problem, so that
one run shows every mistake of a file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from .problems import Report, did_you_mean, one_of
from .source import Source

ID_PATTERN = re.compile(r"[a-z0-9-]+")
LANG_PATTERN = re.compile(r"[a-z]{2,3}")
_DURATION = re.compile(r"(?:(\d{1,4})\s*h)?\s*(?:(\d{1,5})\s*m(?:in)?)?")
_PERCENT = re.compile(r"(-?\d+(?:[.,]\d+)?)\s*%?")


def is_valid_id(value: object) -> bool:
    """True when ``value`` is a string of lowercase letters, digits and dashes."""
    return isinstance(value, str) and bool(ID_PATTERN.fullmatch(value))


class Fields:
    """Typed access to a file's front matter, reporting problems as it goes."""

    def __init__(self, source: Source, report: Report) -> None:
        self.source = source
        self.data: dict[str, Any] = source.data or {}
        self.report = report

    def line(self, key: str) -> int:
        """Line of ``key`` in the file."""
        return self.source.key_line(key)

    def check_keys(self, allowed: Iterable[str], required: Iterable[str]) -> None:
        """Report unknown keys (with a hint) and missing required keys."""
        allowed = tuple(allowed)
        for key in self.data:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or one_of(allowed)
                self.report.error(self.line(key), "key-unknown", f"unknown key `{key}`", hint)
        for key in required:
            if self.data.get(key) in (None, ""):
                self.report.error(1, "key-missing", f"required key `{key}` is missing")

    def _invalid(self, key: str, message: str, hint: str | None = None) -> None:
        self.report.error(self.line(key), "value-invalid", f"`{key}`: {message}", hint)

    def identifier(self, key: str) -> str:
        """An id (``[a-z0-9-]+``); integers are accepted as text."""
        value = self.data.get(key)
        if value is None:
            return ""
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not is_valid_id(value):
            self.report.error(self.line(key), "id-invalid",
                              f"`{key}` must use only lowercase letters, digits and `-`, got {value!r:.60}",
                              "e.g. `strong-passwords`")
            return value if isinstance(value, str) else ""
        return value

    def text(self, key: str) -> str:
        """A one-line text (numbers are accepted as text)."""
        value = self.data.get(key)
        if value is None:
            return ""
        if isinstance(value, (dict, list)) or isinstance(value, bool):
            self._invalid(key, "must be a text")
            return ""
        return str(value).strip()

    def lang(self, default: str) -> str:
        """A language code such as ``fr`` or ``en``."""
        value = self.data.get("lang", default)
        if not isinstance(value, str) or not LANG_PATTERN.fullmatch(value):
            self.report.error(self.line("lang"), "lang-invalid",
                              f"`lang` must be a lowercase language code, got {value!r:.40}",
                              "e.g. `fr` or `en`")
            return default
        return value

    def integer(self, key: str, default: int | None, minimum: int = 0) -> int | None:
        """An integer not below ``minimum``."""
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self._invalid(key, f"must be a whole number >= {minimum}, got {value!r:.40}")
            return default
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        """One of ``choices``."""
        value = self.data.get(key, default)
        if value not in choices:
            hint = did_you_mean(value, choices) or one_of(choices)
            self._invalid(key, f"unknown value {value!r:.40}", hint)
            return default
        return value

    def minutes(self, key: str) -> int | None:
        """A duration such as ``15m``, ``1h`` or ``1h30m``, in minutes."""
        value = self.data.get(key)
        if value is None:
            return None
        minutes = parse_duration(value)
        if minutes is None:
            self.report.error(self.line(key), "duration-invalid",
                              f"`{key}` must be a duration, got {value!r:.40}",
                              "write e.g. `15m`, `1h` or `1h30m`")
        return minutes

    def string_list(self, key: str) -> list[str]:
        """A list of texts (a single text counts as a list of one)."""
        value = self.data.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(
            isinstance(item, (str, int, float)) and not isinstance(item, bool) for item in value
        ):
            self._invalid(key, "must be a list of texts", f"write `{key}: [a, b]`")
            return []
        return [str(item).strip() for item in value]

    def id_list(self, key: str) -> list[str]:
        """A list of ids."""
        ids = self.string_list(key)
        for item in ids:
            if not is_valid_id(item):
                self.report.error(self.line(key), "id-invalid",
                                  f"`{key}` holds an invalid id {item!r:.60}")
        return [item for item in ids if is_valid_id(item)]

    def pass_ratio(self, default: float) -> float:
        """The pass mark ``"80%"`` (1 to 100), as a ratio."""
        value = self.data.get("pass")
        if value is None:
            return default
        text = str(value).strip() if not isinstance(value, (bool, list, dict)) else ""
        match = _PERCENT.fullmatch(text)
        if not match:
            self._invalid("pass", f"must be a percentage, got {value!r:.40}", 'write e.g. `pass: 80%`')
            return default
        percent = float(match.group(1).replace(",", "."))
        if not 1 <= percent <= 100:
            self.report.error(self.line("pass"), "pass-range",
                              f"`pass` must be between 1% and 100%, got {text}")
            return default
        return percent / 100


def parse_duration(value: object) -> int | None:
    """Minutes in ``15m``/``1h``/``1h30m``; None when malformed or zero."""
    if not isinstance(value, str):
        return None
    match = _DURATION.fullmatch(value.strip().lower())
    if not match or not any(match.groups()):
        return None
    minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    return minutes if minutes > 0 else None


def parse_number(text: str) -> float | None:
    """A finite number written with ``.`` or ``,`` as decimal separator, or None."""
    text = text.strip().replace(",", ".").replace("\u2212", "-")
    if not _NUMBER.fullmatch(text):
        return None
    try:
        number = float(text)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def looks_like_number(text: str) -> bool:
    """True when ``text`` is written like a number (even one too large to use)."""
    return bool(_NUMBER.fullmatch(text.strip().replace(",", ".").replace("\u2212", "-")))
