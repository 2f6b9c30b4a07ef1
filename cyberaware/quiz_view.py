"""What a quiz page shows of each question: plain data for the templates, no answer key
unless ``reveal`` is true (after submission when the review policy allows, or in an
instructor's preview).

No Flask: the inputs that replace blanks are built here with markupsafe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from cyberaware.attempts import LayoutEntry
from cyberaware.content.model import Question, blank_placeholder


@dataclass
class ChoiceView:
    """An option, a match choice or an order item, at its display position."""

    position: int
    html: Markup
    selected: bool = False
    correct: bool | None = None  # only when revealed
    feedback_html: Markup | None = None  # only when revealed
    rank: int | None = None  # order questions: the rank the student gave


@dataclass
class MatchRowView:
    """One left item of a match question and the student's choice."""

    index: int
    html: Markup
    chosen_position: int | None
    correct_html: Markup | None = None  # only when revealed
    right: bool | None = None


@dataclass
class QuestionView:
    """Everything a template needs to show one question."""

    id: str
    number: int
    type: str
    points: float
    prompt_html: Markup
    body_html: Markup
    choices: list[ChoiceView] = field(default_factory=list)
    match_headers: list[str] = field(default_factory=list)
    match_rows: list[MatchRowView] = field(default_factory=list)
    blank_count: int = 0
    revealed: bool = False
    graded: bool = False
    score: float | None = None
    correct: bool | None = None
    invalid: bool = False
    explanation_html: Markup | None = None
    accepted_answers: list[str] = field(default_factory=list)  # revealed blanks: "443", "3.14 ± 0.01"...
    order_solution: list[Markup] = field(default_factory=list)  # revealed order questions


def _blank_input(question_id: str, index: int, value: str, disabled: bool, numeric: bool, label: str) -> str:
    name = f"q-{question_id}-b{index}"
    mode = ' inputmode="decimal"' if numeric else ""
    state = " disabled" if disabled else ""
    return (f'<label class="visually-hidden" for="{name}">{escape(label)} {index + 1}</label>'
            f'<input class="blank" type="text" id="{name}" name="{name}" value="{escape(value)}" '
            f'maxlength="500" autocomplete="off" spellcheck="false"{mode}{state}>')


def _fill_blanks(html: str, question: Question, answers: list[str], disabled: bool, label: str) -> str:
    for index in range(len(question.blanks)):
        value = answers[index] if index < len(answers) and isinstance(answers[index], str) else ""
        html = html.replace(blank_placeholder(index), _blank_input(
            question.id, index, value, disabled, question.blanks[index].kind == "numeric", label))
    return html


def _describe_blank(blank: Any) -> str:
    if blank.kind == "text":
        return " / ".join(blank.accepted)
    if blank.kind == "regex":
        return f"/{blank.pattern}/"
    if blank.low is not None and blank.high is not None:
        return f"{blank.low:g} – {blank.high:g}"
    if blank.tolerance:
        return f"{blank.value:g} ± {blank.tolerance:g}"
    return f"{blank.value:g}" if blank.value is not None else ""


def present_question(question: Question, entry: LayoutEntry, number: int, response: Any = None,
                     result: dict[str, Any] | None = None, reveal: bool = False, disabled: bool = False,
                     blank_label: str = "Blank") -> QuestionView:
    """Build the view of ``question`` as laid out by ``entry``.

    ``response`` is the stored response (to refill the form); ``result`` the stored grading
    result (score shown once graded); ``reveal`` adds the answer key, feedback and explanation.
    """
    view = QuestionView(id=question.id, number=number, type=question.type, points=question.points,
                        prompt_html=Markup(question.prompt_html), body_html=Markup(question.body_html),
                        revealed=reveal)
    if question.type in ("short", "numeric"):
        answers = response if isinstance(response, list) else []
        view.prompt_html = Markup(_fill_blanks(question.prompt_html, question, answers, disabled, blank_label))
        view.body_html = Markup(_fill_blanks(question.body_html, question, answers, disabled, blank_label))
        view.blank_count = len(question.blanks)
        if reveal:
            view.accepted_answers = [_describe_blank(b) for b in question.blanks]
    elif question.type in ("single", "multi"):
        chosen = {response} if isinstance(response, int) else set(response or []) if isinstance(response, list) else set()
        for position, index in enumerate(entry.get("options", [])):
            option = question.options[index]
            view.choices.append(ChoiceView(
                position=position, html=Markup(option.html), selected=index in chosen,
                correct=option.correct if reveal else None,
                feedback_html=Markup(option.feedback_html) if reveal and option.feedback_html else None))
    elif question.type == "match":
        view.match_headers = list(question.match_headers)
        chosen_map = response if isinstance(response, dict) else {}
        display = entry.get("right", [])
        for position, index in enumerate(display):
            view.choices.append(ChoiceView(position=position, html=Markup(question.match_right[index])))
        for left, html in enumerate(question.match_left):
            chosen_index = chosen_map.get(str(left))
            chosen_position = display.index(chosen_index) if chosen_index in display else None
            view.match_rows.append(MatchRowView(
                index=left, html=Markup(html), chosen_position=chosen_position,
                correct_html=Markup(question.match_right[left]) if reveal else None,
                right=(chosen_index == left) if reveal else None))
    elif question.type == "order":
        ranks = response if isinstance(response, dict) else {}
        for position, index in enumerate(entry.get("items", [])):
            rank = ranks.get(str(index))
            view.choices.append(ChoiceView(position=position, html=Markup(question.order_items[index]),
                                           rank=rank if isinstance(rank, int) else None,
                                           correct=None))
        if reveal:
            view.order_solution = [Markup(item) for item in question.order_items]
    if result is not None:
        view.graded = True
        view.score = result.get("score")
        view.correct = result.get("correct")
        view.invalid = bool(result.get("invalid"))
    if reveal and question.explanation_html:
        view.explanation_html = Markup(question.explanation_html)
    return view
