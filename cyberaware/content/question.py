"""Parsing one ``### Question`` block."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .blanks import BlankError, has_unclosed_blank, replace_blanks
from .blocks import (
    BULLET_ITEM, ORDERED_ITEM, Line, Section, group_items, split_continuation,
    split_explanation, strip_blank_edges, trailing_list_start, trailing_table_start, unquote,
)
from .fields import ID_PATTERN, parse_number
from .model import QUESTION_TYPES, Blank, Option, Question
from .problems import Report, did_you_mean, one_of
from .render import render_inline, render_markdown

TASK_ITEM = re.compile(r"[-*+][ \t]+\[([ xX])\](?:[ \t]+(.*))?$")
_WEIGHT = re.compile(r"\s*\{\s*([+-]?\d+(?:[.,]\d+)?)\s*%\s*\}\s*$")
_WEIGHT_LIKE = re.compile(r"\s*\{[^{}\n]*%[^{}\n]*\}\s*$|\s*\{\s*[+-]?\d[\d.,]*\s*\}\s*$")
_TABLE_SEPARATOR = re.compile(r"\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
MAX_POINTS = 1000.0
WEIGHT_TOLERANCE = 1e-6


@dataclass
class Answers:
    """The parts of a question block once split."""

    body: list[Line]
    answers: list[Line] = field(default_factory=list)
    kind: str | None = None  # "task", "ordered", "table" or None
    explanation: list[Line] = field(default_factory=list)


def parse_question(section: Section, report: Report, seen_ids: dict[str, int]) -> Question | None:
    """Parse a ``###`` section into a question, reporting every problem found."""
    question_id = _question_id(section, report, seen_ids)
    points = _points(section, report)
    declared = _declared_type(section, report)
    parts = _split_block(section.lines, declared)
    prompt, body_text, blanks = _extract_blanks(section, parts.body, report)
    if not section.title.strip():
        report.error(section.line, "prompt-empty", "question heading has no text",
                     "write the question after `###`")
    question = Question(
        id=question_id, type="single", prompt_html=render_inline(prompt), line=section.line,
        points=points, body_html=render_markdown(body_text, heading_ids=False), blanks=blanks,
    )
    question.type = _fill_answers(question, declared, parts, section, report)  # type: ignore[assignment]
    _explanation(question, parts, report)
    return question if question_id else None


def _question_id(section: Section, report: Report, seen_ids: dict[str, int]) -> str:
    question_id = section.attributes.get("id", "")
    if not question_id:
        report.error(section.line, "id-missing", "question has no id",
                     "end the heading with `<!-- id=some-id -->`")
        return ""
    if not ID_PATTERN.fullmatch(question_id):
        report.error(section.line, "id-invalid",
                     f"question id `{question_id[:40]}` must use only lowercase letters, digits and `-`")
        return ""
    if question_id in seen_ids:
        report.error(section.line, "id-duplicate",
                     f"question id `{question_id}` is already used on line {seen_ids[question_id]}")
        return ""
    seen_ids[question_id] = section.line
    return question_id


def _points(section: Section, report: Report) -> float:
    raw = section.attributes.get("points")
    if raw is None:
        return 1.0
    value = parse_number(raw)
    if value is None or not 0 < value <= MAX_POINTS:
        report.error(section.line, "points-invalid",
                     f"`points={raw[:20]}` must be a number above 0 (at most {MAX_POINTS:g})")
        return 1.0
    return value


def _declared_type(section: Section, report: Report) -> str | None:
    declared = section.attributes.get("type")
    if declared is None or declared in QUESTION_TYPES:
        return declared
    hint = did_you_mean(declared, QUESTION_TYPES) or one_of(QUESTION_TYPES)
    report.error(section.line, "type-unknown", f"unknown question type `{declared[:20]}`", hint)
    return None


def _split_block(lines: list[Line], declared: str | None) -> Answers:
    """Split a question block into body, answers and explanation."""
    rest, explanation = split_explanation(lines)
    rest = strip_blank_edges(rest)
    kind = {"order": "ordered", "match": "table"}.get(declared or "", "task")
    if kind == "table":
        start = trailing_table_start(rest)
    else:
        start = trailing_list_start(rest, ORDERED_ITEM if kind == "ordered" else BULLET_ITEM)
    if start is not None and kind == "task" and not any(
        TASK_ITEM.match(line.text) for line in rest[start:] if not line.indented
    ):
        start = None  # a plain bullet list belongs to the body
    if start is None:
        return Answers(body=rest, explanation=explanation)
    return Answers(body=rest[:start], answers=rest[start:], kind=kind, explanation=explanation)


def _extract_blanks(section: Section, body: list[Line],
                    report: Report) -> tuple[str, str, list[Blank]]:
    """Replace blanks by placeholders in the heading and body; return both texts and the blanks."""
    blanks: list[Blank] = []
    prompt = _replace_line_blanks(section.title, section.line, blanks, report)
    body_texts = [
        line.text if line.fenced else _replace_line_blanks(line.text, line.number, blanks, report)
        for line in body
    ]
    return prompt, "\n".join(body_texts), blanks


def _replace_line_blanks(text: str, number: int, blanks: list[Blank], report: Report) -> str:
    replaced, found = replace_blanks(text, len(blanks))
    for spec, result in found:
        if isinstance(result, BlankError):
            report.error(number, result.code, result.message, result.hint)
            blanks.append(Blank(kind="text", accepted=[spec]))
        else:
            blanks.append(result)
    if has_unclosed_blank(replaced):
        report.error(number, "blank-malformed", "`[[` is never closed by `]]` on this line",
                     "write blanks on one line: `[[answer]]`")
    return replaced


def _fill_answers(question: Question, declared: str | None, parts: Answers,
                  section: Section, report: Report) -> str:
    """Read the answers, decide the question type and check it."""
    has_blanks = bool(question.blanks)
    if parts.kind == "task" and has_blanks:
        report.error(section.line, "answers-mixed", "question has both blanks `[[...]]` and options",
                     "keep one kind of answer per question")
    if parts.kind == "task":
        question.options = _options(parts.answers, report)
        if declared in ("short", "numeric"):
            report.error(section.line, "type-mismatch",
                         f"`type={declared}` expects blanks `[[...]]`, found options")
        q_type = declared if declared in ("single", "multi") else "single"
        _check_choice(question, q_type, parts.answers, section, report)
        return q_type
    if parts.kind == "table":
        _fill_match(question, parts.answers, report)
        return "match"
    if parts.kind == "ordered":
        _fill_order(question, parts.answers, report)
        return "order"
    if has_blanks:
        return _blank_type(question, declared, section, report)
    _no_answers(declared, parts, section, report)
    return declared or "single"


def _blank_type(question: Question, declared: str | None, section: Section, report: Report) -> str:
    all_numeric = all(blank.kind == "numeric" for blank in question.blanks)
    if declared in ("single", "multi", "match", "order"):
        report.error(section.line, "answers-mixed", f"`type={declared}` question holds blanks `[[...]]`",
                     "blanks make a `short` or `numeric` question")
        return declared
    if declared == "numeric" and not all_numeric:
        report.error(section.line, "number-malformed",
                     "`type=numeric` but a blank is not a number, a `±` tolerance or a range",
                     "write e.g. `[[443]]`, `[[3.14 ± 0.01]]`, `[[1..5]]`")
    if declared:
        return declared
    return "numeric" if all_numeric else "short"


def _no_answers(declared: str | None, parts: Answers, section: Section, report: Report) -> None:
    hint = {
        "single": "list options as `- [ ] wrong` / `- [x] right`",
        "multi": "list options as `- [ ] wrong` / `- [x] right`",
        "match": "add a two-column table after the question text",
        "order": "add an ordered list `1. ...` in the right order",
        "short": "put the answer in a blank: `[[answer]]`",
        "numeric": "put the answer in a blank: `[[42]]`",
    }.get(declared or "", "add options `- [x] ...`, blanks `[[...]]`, or a `type=match`/`type=order` answer")
    if declared is None:
        body = strip_blank_edges(parts.body)
        if trailing_list_start(body, ORDERED_ITEM) is not None:
            hint = "an ordered list answers a question only with `type=order` in the heading comment"
        elif trailing_table_start(body) is not None:
            hint = "a table answers a question only with `type=match` in the heading comment"
    report.error(section.line, "no-answers", "question has no answers", hint)


def _options(lines: list[Line], report: Report) -> list[Option]:
    options: list[Option] = []
    for group in group_items(lines, BULLET_ITEM):
        option = _option(group, report)
        if option is not None:
            options.append(option)
    return options


def _option(group: list[Line], report: Report) -> Option | None:
    head = group[0]
    match = TASK_ITEM.match(head.text)
    if not match:
        report.error(head.number, "option-malformed", "option must start with `- [ ]` or `- [x]`",
                     "a plain `- item` cannot be marked right or wrong")
        return None
    more, feedback, unindented = split_continuation(group[1:])
    for line in unindented:
        report.error(line.number, "feedback-unindented",
                     "option feedback `>` must be indented under its option",
                     "indent it by two spaces; a `>` after the last option is the explanation")
    text = "\n".join([match.group(2) or "", *more]).strip()
    text, weight = _weight(text, head.number, report)
    if not text:
        report.error(head.number, "option-empty", "option has no text")
    return Option(html=render_inline(text), correct=match.group(1) in "xX", weight=weight,
                  feedback_html=render_markdown("\n".join(feedback), heading_ids=False))


def _weight(text: str, number: int, report: Report) -> tuple[str, float | None]:
    match = _WEIGHT.search(text)
    if match:
        weight = round(float(match.group(1).replace(",", ".")) / 100, 9)
        if not -1 <= weight <= 1:
            report.error(number, "weight-malformed", f"weight {match.group(1)}% is outside -100%..100%")
        return text[:match.start()].rstrip(), weight
    if _WEIGHT_LIKE.search(text):
        report.error(number, "weight-malformed", "option weight must look like `{50%}` or `{-25%}`")
    return text, None


def _check_choice(question: Question, q_type: str, lines: list[Line],
                  section: Section, report: Report) -> None:
    options = question.options
    if len(options) < 2:
        report.error(section.line, "options-too-few", f"choice question has {len(options)} option(s), needs 2 or more")
    correct = sum(option.correct for option in options)
    weighted = any(option.weight is not None for option in options)
    if q_type == "single":
        if correct != 1:
            hint = ("several right answers need `type=multi` in the heading comment" if correct > 1
                    else "mark the right option `- [x]`")
            report.error(section.line, "single-correct-count",
                         f"single-choice question has {correct} correct options, needs exactly 1", hint)
        if weighted:
            report.error(section.line, "weight-unexpected", "option weights need `type=multi`")
        return
    if correct == 0:
        report.error(section.line, "multi-correct-count", "multiple-choice question has no correct option",
                     "mark right options `- [x]`")
    if weighted:
        _check_weights(options, _option_lines(lines), section, report)


def _option_lines(lines: list[Line]) -> list[int]:
    return [group[0].number for group in group_items(lines, BULLET_ITEM) if TASK_ITEM.match(group[0].text)]


def _check_weights(options: list[Option], numbers: list[int], section: Section, report: Report) -> None:
    for option, number in zip(options, numbers):
        if option.correct and option.weight is None:
            report.error(number, "weight-missing", "correct option has no weight while others do",
                         "give every `[x]` option a weight such as `{50%}`")
        elif option.correct and option.weight is not None and option.weight <= 0:
            report.error(number, "weight-sign", "a correct option needs a positive weight")
        elif not option.correct and option.weight is not None and option.weight > 0:
            report.error(number, "weight-sign", "a wrong option can only carry a negative weight",
                         "write e.g. `{-25%}`, or mark the option `[x]`")
    total = sum(option.weight for option in options if option.weight and option.weight > 0)
    if abs(total - 1) > WEIGHT_TOLERANCE:
        outcome = "full marks cannot be reached" if total < 1 else "they exceed full marks"
        report.error(section.line, "weights-sum",
                     f"positive weights sum to {total * 100:g}%, must be exactly 100% ({outcome})")


def _fill_match(question: Question, lines: list[Line], report: Report) -> None:
    rows = [(line.number, _cells(line.text)) for line in lines]
    if len(rows) < 2 or not _TABLE_SEPARATOR.fullmatch(lines[1].text.strip()):
        report.error(lines[0].number, "match-malformed",
                     "match table needs a header row then a `|---|---|` separator row")
        return
    header = rows[0][1]
    if len(header) != 2:
        report.error(rows[0][0], "match-malformed", f"match table has {len(header)} columns, needs 2")
    question.match_headers = [render_inline(cell) for cell in header[:2]]
    left: list[str] = []
    right: list[str] = []
    distractors: list[str] = []
    for number, cells in rows[2:]:
        if len(cells) != 2 or not cells[1]:
            report.error(number, "match-malformed",
                         "each row needs a left item and a right item (empty left cell = distractor)")
            continue
        if cells[0]:
            left.append(cells[0])
            right.append(cells[1])
        else:
            distractors.append(cells[1])
    if len(left) < 2:
        report.error(lines[0].number, "match-too-few", f"match question has {len(left)} pair(s), needs 2 or more")
    _check_unique(left, lines[0].number, "match-duplicate", "left item", report)
    _check_unique(right + distractors, lines[0].number, "match-duplicate", "right item", report)
    question.match_left = [render_inline(item) for item in left]
    question.match_right = [render_inline(item) for item in right + distractors]


def _cells(row: str) -> list[str]:
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _CELL_SPLIT.split(row)]


def _fill_order(question: Question, lines: list[Line], report: Report) -> None:
    items: list[str] = []
    for group in group_items(lines, ORDERED_ITEM):
        match = ORDERED_ITEM.match(group[0].text)
        more, feedback, _ = split_continuation(group[1:])
        text = "\n".join([(match.group(1) if match else "") or "", *more, *feedback]).strip()
        if not text:
            report.error(group[0].number, "option-empty", "order item has no text")
        items.append(text)
    if len(items) < 2:
        report.error(lines[0].number, "order-too-few", f"order question has {len(items)} item(s), needs 2 or more")
    _check_unique(items, lines[0].number, "order-duplicate", "order item", report)
    question.order_items = [render_inline(item) for item in items]


def _check_unique(items: list[str], number: int, code: str, what: str, report: Report) -> None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            report.error(number, code, f"{what} `{item[:40]}` appears twice; answers would be ambiguous")
        seen.add(item)


def _explanation(question: Question, parts: Answers, report: Report) -> None:
    if parts.explanation:
        question.explanation_html = render_markdown(unquote(parts.explanation), heading_ids=False)
    else:
        report.warning(question.line, "no-explanation", "question has no explanation",
                       "add a `> ...` paragraph after the answers; students see it in review")


