"""Dataclasses describing parsed curriculum content.

Pure Python: no Flask, no database. Instances are built by the parser
(:mod:`cyberaware.content.parser`), stored as JSON at sync time
(:meth:`Quiz.to_dict` / :meth:`Quiz.from_dict`) and graded by
:mod:`cyberaware.grading`.

Indices, not ids, identify options, blanks, match items and order items:
they are stable across translations (a translation must keep the same
structure) and the web layer never shows them to students directly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]
Level = Literal["core", "advanced"]
QuestionType = Literal["single", "multi", "short", "numeric", "match", "order"]
GradingMethod = Literal["highest", "first", "last", "average"]
ReviewPolicy = Literal["after_submit", "after_pass", "after_last_attempt", "never"]

QUESTION_TYPES: tuple[str, ...] = ("single", "multi", "short", "numeric", "match", "order")
GRADING_METHODS: tuple[str, ...] = ("highest", "first", "last", "average")
REVIEW_POLICIES: tuple[str, ...] = ("after_submit", "after_pass", "after_last_attempt", "never")
LEVELS: tuple[str, ...] = ("core", "advanced")

#: Placeholder left in rendered HTML where a blank's input goes: ``⟦0⟧``, ``⟦1⟧``...
BLANK_OPEN, BLANK_CLOSE = "\u27e6", "\u27e7"


def blank_placeholder(index: int) -> str:
    """Return the placeholder text that stands for blank ``index`` in rendered HTML."""
    return f"{BLANK_OPEN}{index}{BLANK_CLOSE}"


@dataclass(frozen=True)
class Problem:
    """One validation finding, printed as ``path:line: code: message``."""

    path: str
    line: int
    code: str
    message: str
    severity: Severity = "error"
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}: {self.code}: {self.message}"
        if self.severity == "warning":
            text = f"{self.path}:{self.line}: {self.code} (warning): {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


@dataclass
class Module:
    """A training module in one language."""

    id: str
    title: str
    lang: str
    path: str
    body_html: str
    order: int = 0
    duration_minutes: int | None = None
    level: Level = "core"
    prerequisites: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    sources_html: list[str] = field(default_factory=list)
    content_hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (inverse of :meth:`from_dict`)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Module:
        """Build a module from :meth:`to_dict` output."""
        return cls(**data)


@dataclass
class Option:
    """An option of a single or multi choice question."""

    html: str
    correct: bool
    weight: float | None = None  # fraction of the points (0.5 for ``{50%}``), None when unweighted
    feedback_html: str = ""


@dataclass
class Blank:
    """One input of a short-answer or numeric question.

    ``kind`` is ``text`` (``accepted`` lists the accepted answers), ``regex``
    (``pattern``), or ``numeric`` (``value``/``tolerance`` or ``low``/``high``).
    """

    kind: Literal["text", "regex", "numeric"]
    accepted: list[str] = field(default_factory=list)
    pattern: str | None = None
    value: float | None = None
    tolerance: float = 0.0
    low: float | None = None
    high: float | None = None


@dataclass
class Question:
    """A quiz question. Which answer fields are filled depends on ``type``.

    - single/multi: ``options``
    - short/numeric: ``blanks`` (placeholders ``⟦i⟧`` in ``prompt_html``/``body_html``)
    - match: ``match_left`` (left items, in order) matched to ``match_right[i]``
      for i < len(match_left); extra ``match_right`` items are distractors;
      ``match_headers`` are the two column titles
    - order: ``order_items`` in the correct order
    """

    id: str
    type: QuestionType
    prompt_html: str
    line: int = 0
    points: float = 1.0
    body_html: str = ""
    options: list[Option] = field(default_factory=list)
    blanks: list[Blank] = field(default_factory=list)
    match_headers: list[str] = field(default_factory=list)
    match_left: list[str] = field(default_factory=list)
    match_right: list[str] = field(default_factory=list)
    order_items: list[str] = field(default_factory=list)
    explanation_html: str = ""
    pool: str | None = None  # id of the pool the question belongs to, None when always asked


@dataclass
class Pool:
    """Questions under a ``## Heading <!-- pick=N -->``; each attempt draws ``pick`` of them."""

    id: str  # slug of the heading
    title: str
    pick: int
    question_ids: list[str] = field(default_factory=list)


@dataclass
class Quiz:
    """A quiz in one language."""

    id: str
    module: str
    title: str
    lang: str
    path: str
    pass_ratio: float  # 0.8 for ``pass: 80%``
    questions: list[Question] = field(default_factory=list)
    pools: list[Pool] = field(default_factory=list)
    intro_html: str = ""
    attempts: int = 0  # 0 = unlimited
    grading: GradingMethod = "highest"
    time_limit_seconds: int | None = None
    shuffle_questions: bool = False
    shuffle_options: bool = False
    draw: int | None = None
    review: ReviewPolicy = "after_submit"
    level: Level = "core"
    content_hash: str = ""

    @property
    def max_points(self) -> float:
        """Total points of all questions (an attempt's own maximum depends on the draw)."""
        return sum(q.points for q in self.questions)

    def question(self, question_id: str) -> Question | None:
        """Return the question with ``question_id``, or None."""
        for q in self.questions:
            if q.id == question_id:
                return q
        return None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (inverse of :meth:`from_dict`)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Quiz:
        """Build a quiz from :meth:`to_dict` output."""
        data = dict(data)
        questions = []
        for q in data.pop("questions", []):
            q = dict(q)
            q["options"] = [Option(**o) for o in q.get("options", [])]
            q["blanks"] = [Blank(**b) for b in q.get("blanks", [])]
            questions.append(Question(**q))
        pools = [Pool(**p) for p in data.pop("pools", [])]
        return cls(questions=questions, pools=pools, **data)
