"""Quiz attempts as plain Python: drawing questions, reading answers, grading, review rules.

No Flask and no database: the service layer (:mod:`cyberaware.services.attempts`) stores what
these functions compute.

Layout
    When an attempt starts, :func:`draw_layout` fixes which questions are asked and in which
    order, and the display order of options, match choices and order items. It is stored with
    the attempt, so a reload or a resumed attempt shows exactly the same page.

Form fields
    Students never see content indices: every choice is sent as its *display position*.
    ``q-<id>`` (single: one position; multi: several), ``q-<id>-b<i>`` (blank ``i``),
    ``q-<id>-m<i>`` (left item ``i`` of a match: the display position of the chosen right item),
    ``q-<id>-o<p>`` (order: the rank, 1..n, given to the item shown at display position ``p``).

Stored responses (JSON, content-index space, see :func:`read_answers`)
    single ``int | None``; multi ``list[int]``; short/numeric ``list[str]``;
    match ``{"<left>": right | None}``; order ``{"<item>": rank}``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cyberaware.content.model import Question, Quiz
from cyberaware.grading import QuestionResult, attempt_ratio, grade_question, passed, score_attempt

MAX_TEXT_ANSWER = 500
#: A submission this long after the deadline is still accepted (network and clock slack).
LATE_GRACE = timedelta(seconds=30)

LayoutEntry = dict[str, Any]


# --- drawing ------------------------------------------------------------------------------

def _shuffled(count: int, rng: random.Random, avoid_identity: bool = False) -> list[int]:
    order = list(range(count))
    rng.shuffle(order)
    if avoid_identity and count > 1 and order == list(range(count)):
        order = order[1:] + order[:1]
    return order


def layout_entry(question: Question, rng: random.Random | None, shuffle_options: bool) -> LayoutEntry:
    """Display orders for one question (identity orders when ``rng`` is None and nothing forces a shuffle).

    Order items and match choices are always shuffled when an ``rng`` is given: showing them in
    source order would give the answer away.
    """
    entry: LayoutEntry = {"id": question.id}
    if question.type in ("single", "multi"):
        count = len(question.options)
        entry["options"] = _shuffled(count, rng) if (rng and shuffle_options) else list(range(count))
    elif question.type == "match":
        count = len(question.match_right)
        entry["right"] = _shuffled(count, rng, avoid_identity=True) if rng else list(range(count))
    elif question.type == "order":
        count = len(question.order_items)
        entry["items"] = _shuffled(count, rng, avoid_identity=True) if rng else list(range(count))
    return entry


def draw_layout(quiz: Quiz, rng: random.Random) -> list[LayoutEntry]:
    """Choose the questions of a new attempt and fix every display order.

    Questions outside pools are always asked; each pool contributes ``pick`` random questions;
    then ``draw`` (when set) keeps that many of the selection. Source order is kept unless the
    quiz shuffles questions.
    """
    chosen = {q.id for q in quiz.questions if q.pool is None}
    for pool in quiz.pools:
        members = [q.id for q in quiz.questions if q.pool == pool.id]
        chosen.update(rng.sample(members, min(pool.pick, len(members))))
    selected = [q for q in quiz.questions if q.id in chosen]
    if quiz.draw is not None and quiz.draw < len(selected):
        keep = set(q.id for q in rng.sample(selected, quiz.draw))
        selected = [q for q in selected if q.id in keep]
    if quiz.shuffle_questions:
        rng.shuffle(selected)
    return [layout_entry(q, rng, quiz.shuffle_options) for q in selected]


def preview_layout(quiz: Quiz) -> list[LayoutEntry]:
    """Every question in source order with source display orders (instructor preview)."""
    return [layout_entry(q, None, False) for q in quiz.questions]


# --- reading answers ----------------------------------------------------------------------

@dataclass
class AnswerReading:
    """What a submitted form said: responses per question id, and what was wrong with it."""

    responses: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # question id -> problem code
    foreign_fields: list[str] = field(default_factory=list)  # answers to questions not in the attempt


def _position(raw: str, count: int) -> int | None:
    raw = (raw or "").strip()
    if not raw.isdigit() or len(raw) > 4:
        raise ValueError("not a position")
    value = int(raw)
    if not 0 <= value < count:
        raise ValueError("position out of range")
    return value


def _read_one(question: Question, entry: LayoutEntry, form: Mapping[str, Sequence[str]]) -> Any:
    name = f"q-{question.id}"
    if question.type == "single":
        values = [v for v in form.get(name, []) if v != ""]
        if len(values) > 1:
            raise ValueError("several answers to a single choice")
        return entry["options"][_position(values[0], len(entry["options"]))] if values else None
    if question.type == "multi":
        chosen = {entry["options"][_position(v, len(entry["options"]))] for v in form.get(name, []) if v != ""}
        return sorted(chosen)
    if question.type in ("short", "numeric"):
        answers = []
        for index in range(len(question.blanks)):
            value = (form.get(f"{name}-b{index}") or [""])[0]
            if len(value) > MAX_TEXT_ANSWER:
                raise ValueError("answer too long")
            answers.append(value)
        return answers
    if question.type == "match":
        chosen: dict[str, int | None] = {}
        for left in range(len(question.match_left)):
            value = (form.get(f"{name}-m{left}") or [""])[0]
            chosen[str(left)] = entry["right"][_position(value, len(entry["right"]))] if value != "" else None
        return chosen
    if question.type == "order":
        count = len(entry["items"])
        ranks: dict[str, int | None] = {}
        for position, item in enumerate(entry["items"]):
            value = (form.get(f"{name}-o{position}") or [""])[0]
            ranks[str(item)] = _position(value, count + 1) if value != "" else None
            if ranks[str(item)] == 0:
                raise ValueError("rank 0")
        return ranks
    raise ValueError(f"unknown question type {question.type}")


def read_answers(quiz: Quiz, layout: Sequence[LayoutEntry], form: Mapping[str, Sequence[str]]) -> AnswerReading:
    """Turn a submitted form (``{field: [values]}``) into stored responses.

    Tampered values (unknown positions, non-numbers where a choice is expected, over-long text)
    make that question's answer empty and are reported in ``problems``; fields naming questions
    outside the attempt are ignored and reported in ``foreign_fields``. Never raises.
    """
    reading = AnswerReading()
    asked = {entry["id"] for entry in layout}
    for key in form:
        if key.startswith("q-"):
            question_id = key[2:].split("-b")[0].split("-m")[0].split("-o")[0]
            if question_id not in asked and not any(key.startswith(f"q-{a}") for a in asked):
                reading.foreign_fields.append(key)
    for entry in layout:
        question = quiz.question(entry["id"])
        if question is None:
            continue
        try:
            reading.responses[question.id] = _read_one(question, entry, form)
        except (ValueError, KeyError, IndexError, TypeError):
            reading.responses[question.id] = None
            reading.problems[question.id] = "invalid"
    return reading


def grading_response(question: Question, stored: Any) -> Any:
    """Convert a stored response to the representation :mod:`cyberaware.grading` expects."""
    if stored is None:
        return None
    if question.type == "multi":
        return frozenset(stored) if isinstance(stored, list) else stored
    if question.type == "match" and isinstance(stored, dict):
        return {int(k): v for k, v in stored.items() if str(k).isdigit()}
    if question.type == "order" and isinstance(stored, dict):
        ranks = {int(k): v for k, v in stored.items() if str(k).isdigit()}
        if all(rank is None for rank in ranks.values()):
            return None  # not answered: wrong, but not "unreadable"
        if sorted(r for r in ranks.values() if r is not None) != list(range(1, len(question.order_items) + 1)):
            return []  # incomplete or repeated ranks: not an ordering
        return [item for item, _ in sorted(ranks.items(), key=lambda pair: pair[1])]
    return stored


def response_key(question: Question, stored: Any) -> str:
    """A short, comparable key of a stored response, for answer statistics (200 chars max)."""
    from cyberaware.grading import normalize_text

    if stored is None:
        return ""
    if question.type == "single":
        key = str(stored) if isinstance(stored, int) else ""
    elif question.type == "multi":
        key = ",".join(str(i) for i in sorted(i for i in stored if isinstance(i, int))) if isinstance(stored, list) else ""
    elif question.type in ("short", "numeric"):
        key = " | ".join(normalize_text(a) if isinstance(a, str) else "" for a in stored) if isinstance(stored, list) else ""
    elif question.type == "match":
        key = ",".join(f"{k}:{v}" for k, v in sorted(stored.items()) if v is not None) if isinstance(stored, dict) else ""
    elif question.type == "order":
        key = ",".join(str(i) for i in (grading_response(question, stored) or []))
    else:
        key = ""
    return key[:200]


# --- grading an attempt --------------------------------------------------------------------

@dataclass
class AttemptGrade:
    """The outcome of grading one attempt."""

    results: list[dict[str, Any]]
    score: float
    max_score: float
    ratio: float
    passed: bool


def grade_attempt(quiz: Quiz, layout: Sequence[LayoutEntry], responses: Mapping[str, Any]) -> AttemptGrade:
    """Grade every asked question of an attempt with :func:`cyberaware.grading.grade_question`."""
    graded: list[QuestionResult] = []
    stored: list[dict[str, Any]] = []
    for entry in layout:
        question = quiz.question(entry["id"])
        if question is None:
            continue
        result = grade_question(question, grading_response(question, responses.get(question.id)))
        graded.append(result)
        stored.append({"id": question.id, "score": result.score, "max": result.max_score,
                       "correct": result.correct, "parts": result.parts, "invalid": result.invalid,
                       "key": response_key(question, responses.get(question.id))})
    score, max_score = score_attempt(graded)
    ratio = attempt_ratio(score, max_score)
    return AttemptGrade(stored, score, max_score, ratio, passed(ratio, quiz.pass_ratio))


# --- time and review ----------------------------------------------------------------------

def deadline_for(started_at: datetime, time_limit_seconds: int | None) -> datetime | None:
    """When an attempt must be submitted, or None without a time limit."""
    return started_at + timedelta(seconds=time_limit_seconds) if time_limit_seconds else None


def submission_is_late(deadline: datetime | None, now: datetime) -> bool:
    """True when a submission arrives after the deadline plus :data:`LATE_GRACE`.

    A late submission's answers are discarded: the attempt is graded on the answers saved
    before the deadline (see docs/student-guide.md).
    """
    return deadline is not None and now > deadline + LATE_GRACE


def expired(deadline: datetime | None, now: datetime) -> bool:
    """True once an open attempt can no longer be answered."""
    return submission_is_late(deadline, now)


def may_review(policy: str, *, attempt_passed: bool, quiz_passed: bool, attempts_exhausted: bool) -> bool:
    """Whether correct answers, option feedback and explanations are shown after an attempt."""
    if policy == "after_submit":
        return True
    if policy == "after_pass":
        return quiz_passed or attempt_passed
    if policy == "after_last_attempt":
        return attempts_exhausted
    return False
