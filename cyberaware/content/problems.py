"""Collecting validation problems for one file, with "did you mean" hints."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from .model import Problem


def did_you_mean(word: object, choices: Iterable[str]) -> str | None:
    """Return a ``did you mean `x`?`` hint for the closest of ``choices``, or None."""
    if not isinstance(word, str):
        return None
    matches = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    return f"did you mean `{matches[0]}`?" if matches else None


def one_of(choices: Iterable[str]) -> str:
    """Return ``expected one of `a`, `b`, `c``` for a hint."""
    return "expected one of " + ", ".join(f"`{choice}`" for choice in choices)


class Report:
    """The problems found in one file (``path``); lines are 1-based."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def error(self, line: int, code: str, message: str, hint: str | None = None) -> None:
        """Record an error (it fails validation)."""
        self.problems.append(Problem(self.path, max(int(line), 1), code, message, "error", hint))

    def warning(self, line: int, code: str, message: str, hint: str | None = None) -> None:
        """Record a warning (it fails validation only in strict mode)."""
        self.problems.append(Problem(self.path, max(int(line), 1), code, message, "warning", hint))

    @property
    def has_errors(self) -> bool:
        """True when at least one error (not warning) was recorded."""
        return any(problem.severity == "error" for problem in self.problems)


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Return ``problems`` sorted by path, then line, then code, without duplicates."""
    unique = dict.fromkeys(problems)
    return sorted(unique, key=lambda p: (p.path, p.line, p.code, p.message))
