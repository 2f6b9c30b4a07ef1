"""Grading of quiz questions and attempts.

Pure Python: no Flask, no database. The web layer converts submitted form
data into a *response* (one per question), calls :func:`grade_question`, and
stores the :class:`QuestionResult`. Quiz-level helpers then turn results into
an attempt ratio, a pass/fail verdict and a final grade across attempts.

Response representation, per question type
------------------------------------------
An *index* is an ``int`` (``bool`` is rejected) or a string of ASCII digits
such as ``"2"`` (form fields and JSON object keys arrive as strings).

``single``
    ``int | None`` -- the index of the chosen option, ``None`` when unanswered.
``multi``
    ``set[int]`` / ``frozenset[int]`` (a ``list``/``tuple`` without duplicates
    is accepted too) -- indices of the checked options; empty = nothing checked.
``short`` / ``numeric``
    ``list[str]`` (or ``tuple``) -- one raw string per blank, as typed by the
    student, in blank order. ``None`` or ``""`` for an unanswered blank.
``match``
    ``dict[int, int | None]`` -- left item index -> chosen right item index
    (``None`` or a missing key = not answered). A ``list``/``tuple`` whose
    position ``i`` holds the right index chosen for left item ``i`` is accepted too.
``order``
    ``list[int]`` (or ``tuple``) -- the item indices in the order the student
    put them; must be a permutation of ``range(len(order_items))``.

Malformed responses never raise: :func:`grade_question` (and each ``grade_*``
function) returns a :class:`QuestionResult` with ``invalid=True`` and a
``message``. For ``single``, ``multi`` and ``order`` (one decision over the
whole question) a malformed response scores 0. For ``short``, ``numeric`` and
``match`` (independent parts) only the malformed parts score 0; the well-formed
parts are still graded.

Scoring rules (see ``format-spec.md``, "Types")
-----------------------------------------------
- single: full points when the chosen option is correct.
- multi: all-or-nothing (the checked set equals the correct set) unless some
  option has a weight; then the score is the sum of the checked options'
  weights (``None`` = 0) times the points, clamped to ``[0, points]``.
- short/numeric: each blank is worth ``points / number of blanks`` (the
  spec is silent on several blanks; this mirrors ``match``). Text blanks are
  compared with :func:`normalize_text`; regex blanks must fully match
  (case-insensitive) the trimmed/collapsed answer; numeric blanks accept an
  exact value, ``value ± tolerance`` or an inclusive ``low..high`` range, the
  answer being read by :func:`parse_number`.
- match: ``points × correctly matched left items / number of left items``.
- order: all-or-nothing.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from cyberaware.content.model import Blank, Question

__all__ = [
    "MAX_ANSWER_LENGTH",
    "EPSILON",
    "Response",
    "QuestionResult",
    "normalize_text",
    "parse_number",
    "grade_single",
    "grade_multi",
    "grade_short",
    "grade_numeric",
    "grade_match",
    "grade_order",
    "grade_question",
    "score_attempt",
    "attempt_ratio",
    "passed",
    "final_grade",
]

log = logging.getLogger(__name__)

#: Longest answer (in characters, as typed) graded for a blank. Longer answers
#: are wrong and flagged; this also bounds the work done by regex matching.
MAX_ANSWER_LENGTH = 500

#: Tolerance for float noise (inclusive numeric bounds, full marks, pass ratio).
EPSILON = 1e-9

#: Longest digit string accepted as an index (guards ``int("9" * 10**6)``).
_MAX_INDEX_DIGITS = 9

Response = Union[
    int,
    None,
    set[int],
    frozenset[int],
    list[str],
    dict[int, Union[int, None]],
    list[int],
]
"""Any of the per-type response shapes described in the module docstring."""


@dataclass
class QuestionResult:
    """Outcome of grading one question.

    ``parts`` holds one entry per option (single/multi), blank (short/numeric),
    left item (match) or position (order): ``True`` when that part is right,
    ``False`` when it is wrong, ``None`` when it does not apply (for ``single``,
    an option the student neither chose nor should have chosen).
    ``invalid``/``message`` report a malformed response.
    """

    score: float
    max_score: float
    correct: bool
    parts: list[bool | None] = field(default_factory=list)
    invalid: bool = False
    message: str | None = None


# --------------------------------------------------------------------------
# Text and number normalisation
# --------------------------------------------------------------------------

_QUOTE_MAP = str.maketrans(
    {
        "\u2018": "'",  # ‘ left single quotation mark
        "\u2019": "'",  # ’ right single quotation mark (typographic apostrophe)
        "\u201a": "'",  # ‚ single low-9 quotation mark
        "\u201b": "'",  # ‛ single high-reversed-9 quotation mark
        "\u2032": "'",  # ′ prime
        "\u02bc": "'",  # ʼ modifier letter apostrophe
        "\u00b4": "'",  # ´ acute accent (spacing)
        "\u0060": "'",  # ` grave accent
        "\u201c": '"',  # “
        "\u201d": '"',  # ”
        "\u201e": '"',  # „
        "\u201f": '"',  # ‟
        "\u2033": '"',  # ″ double prime
        "\u00ab": '"',  # «
        "\u00bb": '"',  # »
        "\u0153": "oe",  # œ (casefolded Œ too)
        "\u00e6": "ae",  # æ
    }
)


def _collapse(text: str) -> str:
    """Trim ``text`` and collapse every run of whitespace into one space."""
    return " ".join(text.split())


def normalize_text(text: str) -> str:
    """Normalise a text answer for comparison.

    Case-folds, strips accents (NFKD then drops combining marks), maps
    typographic apostrophes/quotes (’ ‘ « » “ ”…) to ASCII ``'``/``"``,
    expands the ligatures œ/æ, collapses whitespace (including non-breaking
    spaces) and trims. ``"  L’Hameçonnage "`` becomes ``"l'hameconnage"``.
    Guillemets keep their inner spaces collapsed: ``« x »`` becomes ``" x "``
    with single spaces.
    """
    if not isinstance(text, str):
        return ""
    # NFKD before and after casefold: compatibility forms (𝓐, ﬁ) fold correctly.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _collapse(stripped.translate(_QUOTE_MAP))


_QUOTES_ONLY = {k: v for k, v in _QUOTE_MAP.items() if chr(k) not in "\u0153\u00e6"}


def _normalize_regex_subject(text: str) -> str:
    """Trim/collapse whitespace and map typographic quotes (case and accents kept)."""
    return _collapse(unicodedata.normalize("NFC", text).translate(_QUOTES_ONLY))


# Spaces used as thousand separators: NFKC maps no-break/thin/figure spaces to
# U+0020, the narrow no-break space U+202F too.
_NUMBER_RE = re.compile(
    r"""
    (?P<sign>[+-]?)
    (?:
        (?P<int>[0-9]{1,3}(?:\ [0-9]{3})+|[0-9]+)   # 1 000 000 or 1000000
        (?:[.,](?P<frac>[0-9]*))?                    # 3.14, 3,14, 3.
      |
        [.,](?P<frac_only>[0-9]+)                    # .5, ,5
    )
    """,
    re.VERBOSE,
)


def parse_number(text: str) -> float | None:
    """Parse a number typed by a student; return ``None`` when it is not one.

    Accepts an optional sign (``+5``, ``-2``, Unicode minus ``−2``), a comma or
    a dot as decimal separator (``3,14``, ``3.14``, ``,5``, ``5.``) and
    spaces (normal, no-break, thin, narrow no-break) as thousand separators
    between groups of three digits (``1 000``, ``1 000 000,5``); surrounding
    spaces are ignored. A comma is always a decimal separator, never a
    thousand separator (``1,000`` is 1.0). Rejects empty strings, garbage,
    several separators (``1.000,5``), badly grouped digits (``12 34``),
    exponents (``1e3``, ``1e999``), ``nan``/``inf`` and non-finite results.
    """
    if not isinstance(text, str) or len(text) > MAX_ANSWER_LENGTH:
        return None
    cleaned = unicodedata.normalize("NFKC", text).replace("\u2212", "-").strip()
    # A space between the sign and the digits is tolerated ("- 2").
    cleaned = re.sub(r"^([+-])\s+", r"\1", cleaned)
    cleaned = re.sub(r"\s", " ", cleaned)
    match = _NUMBER_RE.fullmatch(cleaned)
    if match is None:
        return None
    if match.group("frac_only") is not None:
        literal = "0." + match.group("frac_only")
    else:
        literal = match.group("int").replace(" ", "") + "." + (match.group("frac") or "0")
    try:
        value = float(literal)
    except (ValueError, OverflowError):  # pragma: no cover - the regex prevents it
        return None
    if not math.isfinite(value):
        return None
    return -value if match.group("sign") == "-" else value


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _as_index(value: Any) -> int | None:
    """Return ``value`` as a non-negative index, or ``None`` if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str):
        stripped = value.strip()
        if 0 < len(stripped) <= _MAX_INDEX_DIGITS and stripped.isascii() and stripped.isdigit():
            return int(stripped)
    return None


def _max_score(question: Question) -> float:
    """Return the question's points, or 0 when they are not a positive finite number."""
    points = question.points
    if isinstance(points, bool) or not isinstance(points, (int, float)):
        return 0.0
    points = float(points)
    if not math.isfinite(points) or points <= 0:
        return 0.0
    return points


def _result(
    score: float,
    max_score: float,
    parts: list[bool | None],
    problems: list[str] | None = None,
) -> QuestionResult:
    """Build a result, clamping ``score`` to ``[0, max_score]`` and snapping full marks."""
    if not math.isfinite(score):
        score = 0.0
    score = min(max(score, 0.0), max_score)
    correct = max_score > 0 and score >= max_score - EPSILON
    if correct:
        score = max_score
    if abs(score) < EPSILON:
        score = 0.0
    problems = problems or []
    return QuestionResult(
        score=score,
        max_score=max_score,
        correct=correct,
        parts=parts,
        invalid=bool(problems),
        message="; ".join(problems) if problems else None,
    )


def _type_name(value: Any) -> str:
    return type(value).__name__


def _short_repr(value: Any) -> str:
    """A bounded ``repr`` for messages (never huge, never raises)."""
    try:
        text = repr(value)
    except Exception:  # pragma: no cover - exotic objects
        text = f"<{_type_name(value)}>"
    return text if len(text) <= 40 else text[:37] + "..."


# --------------------------------------------------------------------------
# Choice questions
# --------------------------------------------------------------------------


def _single_parts(question: Question, chosen: int | None) -> list[bool | None]:
    parts: list[bool | None] = []
    for i, option in enumerate(question.options):
        if i == chosen:
            parts.append(bool(option.correct))
        elif option.correct:
            parts.append(False)  # the right answer was missed
        else:
            parts.append(None)
    return parts


def grade_single(question: Question, response: Any) -> QuestionResult:
    """Grade a single-choice question; ``response`` is an option index or ``None``.

    Full points when the chosen option is correct, else 0. ``parts[i]`` is
    ``True``/``False`` for the chosen option, ``False`` for a correct option
    that was not chosen, ``None`` for the other options. An index that is not
    an int (or digit string) or is out of range is flagged and scores 0.
    """
    max_score = _max_score(question)
    n = len(question.options)
    if response is None:
        return _result(0.0, max_score, _single_parts(question, None))
    index = _as_index(response)
    if index is None:
        return _result(
            0.0,
            max_score,
            _single_parts(question, None),
            [f"single: expected an option index, got {_short_repr(response)}"],
        )
    if index >= n:
        return _result(
            0.0,
            max_score,
            _single_parts(question, None),
            [f"single: option index {index} out of range (0..{n - 1})"],
        )
    score = max_score if question.options[index].correct else 0.0
    return _result(score, max_score, _single_parts(question, index))


def _option_weight(weight: Any) -> float:
    if isinstance(weight, bool) or not isinstance(weight, (int, float)):
        return 0.0
    weight = float(weight)
    return weight if math.isfinite(weight) else 0.0


def grade_multi(question: Question, response: Any) -> QuestionResult:
    """Grade a multiple-choice question; ``response`` is the set of checked indices.

    Without weights: all-or-nothing (full points only when the checked set is
    exactly the set of correct options). With weights (any option has a
    non-``None`` weight): sum of the checked options' weights × points,
    clamped to ``[0, points]``. ``parts[i]`` is ``True`` when option ``i`` was
    checked exactly if it is correct. ``None`` counts as nothing checked. A
    response that is not a set/list/tuple of in-range indices, or a list with
    duplicates, is flagged and scores 0.
    """
    max_score = _max_score(question)
    options = question.options
    n = len(options)
    problems: list[str] = []
    chosen: set[int] = set()
    if response is None:
        pass
    elif isinstance(response, (set, frozenset, list, tuple)):
        raw = list(response)
        for item in raw:
            index = _as_index(item)
            if index is None:
                problems.append(f"multi: expected option indices, got {_short_repr(item)}")
            elif index >= n:
                problems.append(f"multi: option index {index} out of range (0..{n - 1})")
            elif index in chosen:
                problems.append(f"multi: option index {index} given twice")
            else:
                chosen.add(index)
            if len(problems) >= 5:
                break
    else:
        problems.append(f"multi: expected a set of option indices, got {_type_name(response)}")

    parts: list[bool | None] = [(i in chosen) == bool(o.correct) for i, o in enumerate(options)]
    if problems:
        return _result(0.0, max_score, parts, problems)
    if any(o.weight is not None for o in options):
        fraction = sum(_option_weight(options[i].weight) for i in chosen)
        score = fraction * max_score
    else:
        score = max_score if all(parts) else 0.0
    return _result(score, max_score, parts)


# --------------------------------------------------------------------------
# Blanks (short / numeric)
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except (re.error, TypeError, ValueError, RecursionError, OverflowError):
        return None


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _numeric_ok(blank: Blank, number: float) -> bool:
    """Whether ``number`` satisfies a numeric blank (bounds inclusive, float-noise tolerant)."""
    low, high = _finite(blank.low), _finite(blank.high)
    value = _finite(blank.value)
    if low is not None or high is not None:
        if low is not None and high is not None and low > high:
            low, high = high, low
        scale = max(1.0, abs(low or 0.0), abs(high or 0.0))
        if low is not None and number < low - EPSILON * scale:
            return False
        if high is not None and number > high + EPSILON * scale:
            return False
        return True
    if value is None:
        return False  # misconfigured blank: nothing can match
    tolerance = abs(_finite(blank.tolerance) or 0.0)
    scale = max(1.0, abs(value), tolerance)
    return abs(number - value) <= tolerance + EPSILON * scale


def _grade_blank(blank: Blank, answer: str) -> tuple[bool, str | None]:
    """Grade one well-formed (string, bounded) answer. Returns (right, problem)."""
    kind = blank.kind
    if kind == "numeric":
        number = parse_number(answer)
        return (number is not None and _numeric_ok(blank, number)), None
    if kind == "regex":
        if not isinstance(blank.pattern, str):
            return False, "regex blank without a pattern"
        compiled = _compile(blank.pattern)
        if compiled is None:
            return False, "regex blank with an invalid pattern"
        subject = _normalize_regex_subject(answer)
        if not subject:
            return False, None
        if compiled.fullmatch(subject) is not None:
            return True, None
        # Also try without accents, so /hameconnage/ accepts "hameçonnage".
        plain = normalize_text(answer)
        return (plain != subject and compiled.fullmatch(plain) is not None), None
    if kind == "text":
        given = normalize_text(answer)
        if not given:
            return False, None
        accepted = blank.accepted if isinstance(blank.accepted, (list, tuple)) else []
        return any(isinstance(a, str) and normalize_text(a) == given for a in accepted), None
    return False, f"unknown blank kind {_short_repr(kind)}"


def _grade_blanks(question: Question, response: Any, label: str) -> QuestionResult:
    max_score = _max_score(question)
    blanks = question.blanks
    n = len(blanks)
    problems: list[str] = []
    if response is None:
        answers: list[Any] = []
    elif isinstance(response, (list, tuple)):
        answers = list(response[: n + 1])
        if len(response) > n:
            problems.append(f"{label}: {len(response)} answers for {n} blank(s)")
    else:
        answers = []
        problems.append(f"{label}: expected a list of strings, got {_type_name(response)}")

    parts: list[bool | None] = []
    for i, blank in enumerate(blanks):
        answer = answers[i] if i < len(answers) else None
        if answer is None:
            parts.append(False)
            continue
        if not isinstance(answer, str):
            problems.append(f"{label}: blank {i}: expected a string, got {_type_name(answer)}")
            parts.append(False)
            continue
        if len(answer) > MAX_ANSWER_LENGTH:
            problems.append(f"{label}: blank {i}: answer longer than {MAX_ANSWER_LENGTH} characters")
            parts.append(False)
            continue
        right, problem = _grade_blank(blank, answer)
        if problem:
            log.warning("question %s blank %d: %s", question.id, i, problem)
        parts.append(right)

    score = max_score * sum(1 for p in parts if p) / n if n else 0.0
    return _result(score, max_score, parts, problems)


def grade_short(question: Question, response: Any) -> QuestionResult:
    """Grade a short-answer question; ``response`` is one raw string per blank.

    Each blank is worth ``points / number of blanks``. Text blanks compare
    :func:`normalize_text` forms with each accepted answer; regex blanks must
    fully match (case-insensitive) the trimmed, whitespace-collapsed answer
    (or its accent-stripped form); numeric blanks are graded as in
    :func:`grade_numeric`. Answers longer than :data:`MAX_ANSWER_LENGTH`,
    non-string answers and extra answers are flagged; missing answers are wrong.
    """
    return _grade_blanks(question, response, "short")


def grade_numeric(question: Question, response: Any) -> QuestionResult:
    """Grade a numeric question; ``response`` is one raw string per blank.

    Each blank is worth ``points / number of blanks``. The answer is read with
    :func:`parse_number` (comma or dot decimals, space thousand separators)
    and must equal ``value ± tolerance`` or lie in ``[low, high]`` (both
    inclusive, with a tiny allowance for float noise). Unparseable answers
    are simply wrong; malformed responses are flagged as in :func:`grade_short`.
    """
    return _grade_blanks(question, response, "numeric")


# --------------------------------------------------------------------------
# Match / order
# --------------------------------------------------------------------------


def grade_match(question: Question, response: Any) -> QuestionResult:
    """Grade a matching question; ``response`` maps left index -> right index.

    Left item ``i`` is right when the chosen right item is ``match_right[i]``
    (or has exactly the same text, so duplicated right texts are
    interchangeable). Score: ``points × right left items / number of left
    items``. Several left items may pick the same right item (each is graded
    on its own). Distractors (extra right items) are simply wrong. Keys or
    values that are not indices or are out of range are flagged and count as
    wrong; a list/tuple is read as ``{position: value}``.
    """
    max_score = _max_score(question)
    left, right = question.match_left, question.match_right
    n_left, n_right = len(left), len(right)
    problems: list[str] = []
    chosen: dict[int, int] = {}

    items: Iterable[tuple[Any, Any]]
    if response is None:
        items = ()
    elif isinstance(response, Mapping):
        items = list(response.items())[: n_left + 5]
        if len(response) > n_left + 5:
            problems.append(f"match: too many entries ({len(response)})")
    elif isinstance(response, (list, tuple)):
        items = list(enumerate(response[:n_left]))
        if len(response) > n_left:
            problems.append(f"match: {len(response)} answers for {n_left} left item(s)")
    else:
        items = ()
        problems.append(f"match: expected a dict of indices, got {_type_name(response)}")

    for key, value in items:
        li = _as_index(key)
        if li is None or li >= n_left:
            problems.append(f"match: invalid left index {_short_repr(key)}")
            continue
        if value is None:
            continue
        ri = _as_index(value)
        if ri is None or ri >= n_right:
            problems.append(f"match: left {li}: invalid right index {_short_repr(value)}")
            continue
        if li in chosen and chosen[li] != ri:
            problems.append(f"match: left {li} given twice")  # "1" and 1 as keys
            chosen[li] = -1
            continue
        chosen[li] = ri

    parts: list[bool | None] = []
    for i in range(n_left):
        ri = chosen.get(i, -1)
        if ri < 0 or i >= n_right:
            parts.append(False)
        else:
            parts.append(ri == i or right[ri] == right[i])
    score = max_score * sum(1 for p in parts if p) / n_left if n_left else 0.0
    return _result(score, max_score, parts, problems)


def grade_order(question: Question, response: Any) -> QuestionResult:
    """Grade an ordering question; ``response`` lists item indices in the student's order.

    All-or-nothing: full points only when position ``p`` holds item ``p`` for
    every position (items with identical text are interchangeable).
    ``parts[p]`` says whether position ``p`` is right. A response that is not a
    permutation of ``range(len(order_items))`` (wrong type or length,
    duplicates, bad indices) is flagged and scores 0; ``None`` is unanswered.
    """
    max_score = _max_score(question)
    items = question.order_items
    n = len(items)
    if response is None:
        return _result(0.0, max_score, [False] * n)
    if not isinstance(response, (list, tuple)):
        return _result(
            0.0,
            max_score,
            [False] * n,
            [f"order: expected a list of item indices, got {_type_name(response)}"],
        )
    problems: list[str] = []
    if len(response) != n:
        problems.append(f"order: {len(response)} items given, expected {n}")
    seen: set[int] = set()
    parts: list[bool | None] = []
    for p in range(n):
        raw = response[p] if p < len(response) else None
        index = _as_index(raw)
        if index is None or index >= n:
            if p < len(response):
                problems.append(f"order: position {p}: invalid item index {_short_repr(raw)}")
            parts.append(False)
            continue
        if index in seen:
            problems.append(f"order: item {index} given twice")
            parts.append(False)
            continue
        seen.add(index)
        parts.append(index == p or items[index] == items[p])
    if problems:
        return _result(0.0, max_score, parts, problems[:5])
    score = max_score if n and all(parts) else 0.0
    return _result(score, max_score, parts)


# --------------------------------------------------------------------------
# Dispatcher
# --------------------------------------------------------------------------

_GRADERS = {
    "single": grade_single,
    "multi": grade_multi,
    "short": grade_short,
    "numeric": grade_numeric,
    "match": grade_match,
    "order": grade_order,
}


def grade_question(question: Question, response: Any) -> QuestionResult:
    """Grade ``response`` to ``question`` with the grader for ``question.type``.

    Never raises: a malformed response gives a flagged result (see the module
    docstring); an unknown question type, or an unexpected error while
    grading (e.g. a corrupted question), gives score 0 with ``invalid=True``.
    """
    grader = _GRADERS.get(getattr(question, "type", None))  # type: ignore[arg-type]
    if grader is None:
        try:
            max_score = _max_score(question)
        except Exception:
            max_score = 0.0
        return _result(
            0.0,
            max_score,
            [],
            [f"unknown question type {_short_repr(getattr(question, 'type', None))}"],
        )
    try:
        return grader(question, response)
    except Exception:  # safety net: a submission must never crash the request
        log.exception("grading question %r failed", getattr(question, "id", None))
        try:
            max_score = _max_score(question)
        except Exception:
            max_score = 0.0
        return _result(0.0, max_score, [], ["internal grading error"])


# --------------------------------------------------------------------------
# Quiz level
# --------------------------------------------------------------------------


def score_attempt(results: Iterable[QuestionResult]) -> tuple[float, float]:
    """Return ``(score, max_score)`` summed over an attempt's question results."""
    score = 0.0
    max_score = 0.0
    for result in results:
        score += result.score
        max_score += result.max_score
    return score, max_score


def attempt_ratio(score: float, max_score: float) -> float:
    """Return ``score / max_score`` clamped to ``[0, 1]``; 0 when ``max_score`` <= 0 or not finite."""
    try:
        score, max_score = float(score), float(max_score)
    except (TypeError, ValueError):
        return 0.0
    if not (math.isfinite(score) and math.isfinite(max_score)) or max_score <= 0:
        return 0.0
    return min(max(score / max_score, 0.0), 1.0)


def passed(ratio: float, pass_ratio: float) -> bool:
    """Whether ``ratio`` reaches ``pass_ratio`` (both in ``[0, 1]``).

    A tolerance of :data:`EPSILON` absorbs float noise, so ``0.7999999999999999``
    passes an 80 % threshold.
    """
    return ratio >= pass_ratio - EPSILON


def final_grade(method: str, ratios: Iterable[float]) -> float | None:
    """Combine an attempt ratio per attempt (chronological order) into the final grade.

    ``method`` is ``highest``, ``first``, ``last`` or ``average`` (arithmetic
    mean). Returns ``None`` when there is no attempt; raises ``ValueError``
    for an unknown method (the parser only allows the four above).
    """
    values = [float(r) for r in ratios]
    if method not in ("highest", "first", "last", "average"):
        raise ValueError(f"unknown grading method {method!r}")
    if not values:
        return None
    if method == "highest":
        return max(values)
    if method == "first":
        return values[0]
    if method == "last":
        return values[-1]
    return sum(values) / len(values)
