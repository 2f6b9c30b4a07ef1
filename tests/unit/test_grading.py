"""Unit tests for :mod:`cyberaware.grading` (pure Python, no app fixtures)."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Make the package importable when pytest is run without a configured pythonpath.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from cyberaware.content.model import Blank, Option, Question  # noqa: E402
from cyberaware.grading import (  # noqa: E402
    MAX_ANSWER_LENGTH,
    QuestionResult,
    attempt_ratio,
    final_grade,
    grade_match,
    grade_multi,
    grade_numeric,
    grade_order,
    grade_question,
    grade_short,
    grade_single,
    normalize_text,
    parse_number,
    passed,
    score_attempt,
)

# --------------------------------------------------------------------------
# Question builders
# --------------------------------------------------------------------------


def single_q(points: float = 1.0) -> Question:
    """Options: 0 wrong, 1 correct, 2 wrong."""
    return Question(
        id="strongest",
        type="single",
        prompt_html="Which passphrase is strongest?",
        points=points,
        options=[
            Option("P@ssw0rd!", False),
            Option("cheval agrafe batterie correct violet", True),
            Option("Marseille2025", False),
        ],
    )


def multi_q(points: float = 1.0) -> Question:
    """All-or-nothing: options 0 and 2 correct, 1 and 3 wrong."""
    return Question(
        id="good-practices",
        type="multi",
        prompt_html="Check the good practices",
        points=points,
        options=[
            Option("2FA", True),
            Option("Post-it", False),
            Option("Password manager", True),
            Option("Reuse", False),
        ],
    )


def weighted_q(points: float = 2.0) -> Question:
    """Weighted: 0 (+50%), 1 (+50%) correct; 2 (-50%) wrong; 3 wrong, no weight."""
    return Question(
        id="weighted",
        type="multi",
        prompt_html="Check the good practices",
        points=points,
        options=[
            Option("2FA", True, 0.5),
            Option("Password manager", True, 0.5),
            Option("Post-it", False, -0.5),
            Option("Ask a friend", False, None),
        ],
    )


def short_q(*blanks: Blank, points: float = 1.0) -> Question:
    return Question(id="short", type="short", prompt_html="...", points=points, blanks=list(blanks))


def numeric_q(*blanks: Blank, points: float = 1.0) -> Question:
    return Question(id="num", type="numeric", prompt_html="...", points=points, blanks=list(blanks))


def text_blank(*accepted: str) -> Blank:
    return Blank(kind="text", accepted=list(accepted))


def regex_blank(pattern: str) -> Blank:
    return Blank(kind="regex", pattern=pattern)


def value_blank(value: float, tolerance: float = 0.0) -> Blank:
    return Blank(kind="numeric", value=value, tolerance=tolerance)


def range_blank(low: float, high: float) -> Blank:
    return Blank(kind="numeric", low=low, high=high)


def match_q(points: float = 3.0) -> Question:
    """3 left items (i matches right i) + 1 distractor on the right (index 3)."""
    return Question(
        id="match-attacks",
        type="match",
        prompt_html="Match",
        points=points,
        match_headers=["Attack", "Description"],
        match_left=["Hameçonnage", "Rançongiciel", "Smishing"],
        match_right=["Fake e-mail", "Encrypts files", "Fake SMS", "Acoustic side channel"],
    )


def order_q(points: float = 2.0) -> Question:
    return Question(
        id="incident-order",
        type="order",
        prompt_html="Order",
        points=points,
        order_items=["Unplug the network", "Call support", "Keep the evidence"],
    )


ALL_QUESTIONS = {
    "single": single_q(),
    "multi": multi_q(),
    "weighted": weighted_q(),
    "short": short_q(text_blank("hameçonnage", "phishing"), regex_blank(r"https?")),
    "numeric": numeric_q(value_blank(443), value_blank(3.14, 0.01), range_blank(1, 5)),
    "match": match_q(),
    "order": order_q(),
}


def assert_result(
    result: QuestionResult,
    score: float,
    max_score: float,
    correct: bool,
    parts: list | None = None,
    invalid: bool = False,
) -> None:
    assert result.score == pytest.approx(score)
    assert result.max_score == pytest.approx(max_score)
    assert result.correct is correct
    if parts is not None:
        assert result.parts == parts
    assert result.invalid is invalid
    if invalid:
        assert result.message
    else:
        assert result.message is None


# --------------------------------------------------------------------------
# normalize_text / parse_number
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hameçonnage", "hameconnage"),
        ("hameconnage  ", "hameconnage"),
        ("  HAMEÇONNAGE\t", "hameconnage"),
        ("Ingénierie   sociale", "ingenierie sociale"),
        ("l’hameçonnage", "l'hameconnage"),
        ("l‘x", "l'x"),
        ("lʼx", "l'x"),
        ("“Mot” «  de  passe »", '"mot" " de passe "'),
        ("Straße", "strasse"),
        ("Cœur ŒUVRE", "coeur oeuvre"),
        ("a\u00a0b\u2009c", "a b c"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.14", 3.14),
        ("3,14", 3.14),
        ("-2", -2.0),
        ("\u22122,5", -2.5),  # Unicode minus sign
        ("+5", 5.0),
        (" 1 000 ", 1000.0),
        ("1\u202f000", 1000.0),  # narrow no-break space
        ("1\u2009000\u2009000", 1000000.0),  # thin spaces
        ("1\u00a0000,25", 1000.25),  # no-break space + comma decimal
        ("443", 443.0),
        ("0", 0.0),
        (",5", 0.5),
        (".5", 0.5),
        ("5.", 5.0),
        ("1,000", 1.0),  # comma is always decimal
        ("007", 7.0),
    ],
)
def test_parse_number_accepts(text: str, expected: float) -> None:
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "12abc",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "Infinity",
        "1e999",
        "1e3",
        "1.000,5",
        "1,2,3",
        "1..2",
        "12 34",  # bad thousand grouping
        "1 0000",
        "--2",
        "+-2",
        "2-",
        ".",
        ",",
        "0x10",
        "1_000",
        "9" * 400,  # overflows to inf
        "1" * (MAX_ANSWER_LENGTH + 1),
    ],
)
def test_parse_number_rejects(text: str) -> None:
    assert parse_number(text) is None


def test_parse_number_non_string_is_none() -> None:
    assert parse_number(None) is None  # type: ignore[arg-type]
    assert parse_number(3) is None  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# single
# --------------------------------------------------------------------------


def test_single_correct() -> None:
    assert_result(grade_single(single_q(2), 1), 2, 2, True, [None, True, None])


def test_single_wrong() -> None:
    assert_result(grade_single(single_q(2), 0), 0, 2, False, [False, False, None])
    assert_result(grade_single(single_q(2), 2), 0, 2, False, [None, False, False])


def test_single_unanswered() -> None:
    assert_result(grade_single(single_q(), None), 0, 1, False, [None, False, None])


def test_single_digit_string_index_accepted() -> None:
    assert_result(grade_single(single_q(), "1"), 1, 1, True, [None, True, None])


@pytest.mark.parametrize("response", [3, -1, 10**30, True, False, 1.0, "x", "1.0", [1], {1}, {"a": 1}, b"1", float("nan")])
def test_single_malformed(response: object) -> None:
    result = grade_single(single_q(), response)
    assert_result(result, 0, 1, False, [None, False, None], invalid=True)


def test_true_false_question() -> None:
    q = Question(id="tf", type="single", prompt_html="?", options=[Option("Vrai", False), Option("Faux", True)])
    assert grade_single(q, 1).score == 1
    assert grade_single(q, 0).score == 0


# --------------------------------------------------------------------------
# multi
# --------------------------------------------------------------------------


def test_multi_all_or_nothing_exact() -> None:
    assert_result(grade_multi(multi_q(3), {0, 2}), 3, 3, True, [True, True, True, True])
    assert_result(grade_multi(multi_q(3), frozenset({2, 0})), 3, 3, True)
    assert_result(grade_multi(multi_q(3), [2, 0]), 3, 3, True)
    assert_result(grade_multi(multi_q(3), ("0", "2")), 3, 3, True)


def test_multi_missing_one_correct_scores_zero() -> None:
    assert_result(grade_multi(multi_q(3), {0}), 0, 3, False, [True, True, False, True])


def test_multi_one_extra_wrong_scores_zero() -> None:
    assert_result(grade_multi(multi_q(3), {0, 1, 2}), 0, 3, False, [True, False, True, True])


def test_multi_everything_checked_scores_zero() -> None:
    assert_result(grade_multi(multi_q(), {0, 1, 2, 3}), 0, 1, False, [True, False, True, False])


def test_multi_nothing_checked() -> None:
    assert_result(grade_multi(multi_q(), set()), 0, 1, False, [False, True, False, True])
    assert_result(grade_multi(multi_q(), None), 0, 1, False, [False, True, False, True])


def test_multi_weighted_full_and_partial() -> None:
    # points = 2; weights +0.5 +0.5 -0.5 None
    assert_result(grade_multi(weighted_q(), {0, 1}), 2.0, 2, True, [True, True, True, True])
    assert_result(grade_multi(weighted_q(), {0}), 1.0, 2, False, [True, False, True, True])
    assert_result(grade_multi(weighted_q(), {1}), 1.0, 2, False)


def test_multi_weighted_negative_weight() -> None:
    # 0.5 + 0.5 - 0.5 = 0.5 of 2 points
    assert_result(grade_multi(weighted_q(), {0, 1, 2}), 1.0, 2, False, [True, True, False, True])
    # an unweighted wrong option counts 0
    assert_result(grade_multi(weighted_q(), {0, 1, 3}), 2.0, 2, True, [True, True, True, False])


def test_multi_weighted_clamped_at_zero() -> None:
    # 0.5 - 0.5 = 0 ; -0.5 alone clamps to 0
    assert_result(grade_multi(weighted_q(), {0, 2}), 0.0, 2, False)
    assert_result(grade_multi(weighted_q(), {2}), 0.0, 2, False)
    assert_result(grade_multi(weighted_q(), {2, 3}), 0.0, 2, False)


def test_multi_weighted_clamped_at_points() -> None:
    q = Question(
        id="over",
        type="multi",
        prompt_html="?",
        points=4,
        options=[Option("a", True, 0.75), Option("b", True, 0.75), Option("c", False, -0.25)],
    )
    # 0.75 + 0.75 = 1.5 -> clamped to 4 points, not 6
    assert_result(grade_multi(q, {0, 1}), 4, 4, True)
    # 0.75 + 0.75 - 0.25 = 1.25 -> still clamped to 4
    assert_result(grade_multi(q, {0, 1, 2}), 4, 4, False, [True, True, False]) if False else None
    result = grade_multi(q, {0, 1, 2})
    assert result.score == 4
    # 0.75 - 0.25 = 0.5 -> 2 points
    assert grade_multi(q, {0, 2}).score == pytest.approx(2)


def test_multi_weighted_thirds_reach_full_marks() -> None:
    q = Question(
        id="thirds",
        type="multi",
        prompt_html="?",
        points=1,
        options=[Option("a", True, 1 / 3), Option("b", True, 1 / 3), Option("c", True, 1 / 3)],
    )
    result = grade_multi(q, {0, 1, 2})
    assert result.correct is True
    assert result.score == 1
    assert grade_multi(q, {0, 1}).score == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    "response",
    [
        {0, 2, 4},  # out of range
        {0, 2, -1},
        [0, 2, 2],  # duplicate
        [0, "2", 2],  # duplicate via digit string
        [0, 2.0],
        [0, True],
        [0, None],
        "02",  # a string is not a set
        0,
        {0: True},
        [[0], [2]],
    ],
)
def test_multi_malformed_scores_zero(response: object) -> None:
    result = grade_multi(multi_q(), response)
    assert result.score == 0
    assert result.max_score == 1
    assert result.correct is False
    assert result.invalid is True
    assert result.message
    assert len(result.parts) == 4


def test_multi_weighted_malformed_scores_zero() -> None:
    # {0, 1} would be full marks, but the extra out-of-range index voids it
    result = grade_multi(weighted_q(), [0, 1, 9])
    assert result.score == 0
    assert result.invalid is True


# --------------------------------------------------------------------------
# short
# --------------------------------------------------------------------------


def test_short_text_accents_case_spaces() -> None:
    q = short_q(text_blank("Hameçonnage", "phishing"))
    assert_result(grade_short(q, ["hameconnage  "]), 1, 1, True, [True])
    assert_result(grade_short(q, ["  HAMEÇONNAGE"]), 1, 1, True, [True])
    assert_result(grade_short(q, ["Phishing"]), 1, 1, True, [True])
    assert_result(grade_short(q, ["hameçonage"]), 0, 1, False, [False])  # misspelt
    assert_result(grade_short(q, ["hame connage"]), 0, 1, False, [False])


def test_short_multiword_extra_spaces() -> None:
    q = short_q(text_blank("Ingénierie sociale"))
    assert grade_short(q, ["  ingenierie     SOCIALE "]).score == 1
    assert grade_short(q, ["ingenieriesociale"]).score == 0


def test_short_typographic_apostrophe() -> None:
    q = short_q(text_blank("l'hameçonnage"))
    assert grade_short(q, ["l’hameçonnage"]).score == 1
    assert grade_short(q, ["L‘HAMECONNAGE"]).score == 1
    assert grade_short(q, ["lhameconnage"]).score == 0
    q2 = short_q(text_blank("l’hameçonnage"))  # typographic in the source
    assert grade_short(q2, ["l'hameconnage"]).score == 1


def test_short_empty_answer_is_wrong_not_invalid() -> None:
    q = short_q(text_blank("phishing"))
    assert_result(grade_short(q, [""]), 0, 1, False, [False])
    assert_result(grade_short(q, ["   "]), 0, 1, False, [False])
    assert_result(grade_short(q, [None]), 0, 1, False, [False])
    assert_result(grade_short(q, None), 0, 1, False, [False])


def test_short_empty_accepted_answer_never_matches_empty_input() -> None:
    q = short_q(text_blank(""))
    assert grade_short(q, [""]).score == 0


def test_short_regex_alternatives() -> None:
    q = short_q(regex_blank(r"(spear[- ]?)?phishing|hame[cç]onnage"))
    for answer in ["phishing", "Spear-Phishing", "spear phishing", "spearphishing", "Hameçonnage", " hameconnage "]:
        assert grade_short(q, [answer]).score == 1, answer
    for answer in ["phishing!", "a phishing", "spear  -phishing", "vishing", ""]:
        assert grade_short(q, [answer]).score == 0, answer


def test_short_regex_full_match_and_collapsed_spaces() -> None:
    q = short_q(regex_blank(r"port \d+"))
    assert grade_short(q, ["  PORT    443 "]).score == 1  # trimmed, collapsed, case-insensitive
    assert grade_short(q, ["port 443 tcp"]).score == 0  # full match, not search
    assert grade_short(q, ["the port 443"]).score == 0


def test_short_regex_accent_fallback() -> None:
    q = short_q(regex_blank(r"hameconnage"))
    assert grade_short(q, ["Hameçonnage"]).score == 1
    q2 = short_q(regex_blank(r"hameçonnage"))
    assert grade_short(q2, ["HAMEÇONNAGE"]).score == 1
    assert grade_short(q2, ["hameconnage"]).score == 0


def test_short_regex_typographic_apostrophe() -> None:
    q = short_q(regex_blank(r"l'(hame[cç]onnage|phishing)"))
    assert grade_short(q, ["l’hameçonnage"]).score == 1


def test_short_invalid_regex_is_wrong_not_raising() -> None:
    q = short_q(regex_blank(r"(unclosed"))
    assert_result(grade_short(q, ["(unclosed"]), 0, 1, False, [False])
    q2 = short_q(Blank(kind="regex", pattern=None))
    assert_result(grade_short(q2, ["x"]), 0, 1, False, [False])


def test_short_regex_long_answer_is_capped() -> None:
    # quadratic backtracking: ~5 s to fail on 20 000 chars, instant when the answer is refused
    q = short_q(regex_blank(r"a*a*b"))
    start = time.monotonic()
    result = grade_short(q, ["a" * 20_000])
    assert time.monotonic() - start < 1.0
    assert_result(result, 0, 1, False, [False], invalid=True)
    # at the cap, a normal pattern still works
    q2 = short_q(regex_blank(r"a+"))
    assert grade_short(q2, ["a" * MAX_ANSWER_LENGTH]).score == 1
    assert grade_short(q2, ["a" * (MAX_ANSWER_LENGTH + 1)]).invalid is True


def test_short_several_blanks_partial_credit() -> None:
    q = short_q(text_blank("phishing"), regex_blank(r"https?"), value_blank(443), points=3)
    assert_result(grade_short(q, ["Phishing", "HTTPS", "443"]), 3, 3, True, [True, True, True])
    assert_result(grade_short(q, ["Phishing", "ftp", "443"]), 2, 3, False, [True, False, True])
    assert_result(grade_short(q, ["x", "ftp", "443,0"]), 1, 3, False, [False, False, True])
    assert_result(grade_short(q, ["x", "y", "z"]), 0, 3, False, [False, False, False])


def test_short_wrong_length_response() -> None:
    q = short_q(text_blank("a"), text_blank("b"), points=2)
    # missing answers are wrong, not malformed
    assert_result(grade_short(q, ["a"]), 1, 2, False, [True, False])
    assert_result(grade_short(q, []), 0, 2, False, [False, False])
    # extra answers are flagged, the real ones still graded
    assert_result(grade_short(q, ["a", "b", "c"]), 2, 2, True, [True, True], invalid=True)


@pytest.mark.parametrize(
    ("response", "expected_parts", "score"),
    [
        ("a", [False, False], 0),  # bare string instead of list
        ({"0": "a"}, [False, False], 0),
        (42, [False, False], 0),
        (["a", 42], [True, False], 1),
        ([b"a", "b"], [False, True], 1),
        ([["a"], "b"], [False, True], 1),
        (["a" * 1_000_000, "b"], [False, True], 1),  # huge string
    ],
)
def test_short_malformed(response: object, expected_parts: list, score: float) -> None:
    q = short_q(text_blank("a"), text_blank("b"), points=2)
    assert_result(grade_short(q, response), score, 2, False, expected_parts, invalid=True)


# --------------------------------------------------------------------------
# numeric
# --------------------------------------------------------------------------


def test_numeric_exact() -> None:
    q = numeric_q(value_blank(443))
    assert_result(grade_numeric(q, ["443"]), 1, 1, True, [True])
    assert_result(grade_numeric(q, [" 443 "]), 1, 1, True, [True])
    assert_result(grade_numeric(q, ["443,0"]), 1, 1, True, [True])
    assert_result(grade_numeric(q, ["+443"]), 1, 1, True, [True])
    assert_result(grade_numeric(q, ["444"]), 0, 1, False, [False])
    assert_result(grade_numeric(q, ["443.001"]), 0, 1, False, [False])
    assert_result(grade_numeric(q, ["-443"]), 0, 1, False, [False])


def test_numeric_tolerance_edges_inclusive() -> None:
    q = numeric_q(value_blank(3.14, 0.01))
    for answer in ["3.14", "3,14", "3.13", "3.15", "3,15", "3.145", "3.1300"]:
        assert grade_numeric(q, [answer]).score == 1, answer
    for answer in ["3.129", "3.151", "3.16", "3", "-3.14"]:
        assert grade_numeric(q, [answer]).score == 0, answer


def test_numeric_tolerance_large_values() -> None:
    q = numeric_q(value_blank(1000, 50))
    assert grade_numeric(q, ["1 050"]).score == 1
    assert grade_numeric(q, ["950"]).score == 1
    assert grade_numeric(q, ["1 050,01"]).score == 0
    assert grade_numeric(q, ["949,99"]).score == 0


def test_numeric_float_noise_exact() -> None:
    q = numeric_q(value_blank(0.1 + 0.2))  # 0.30000000000000004
    assert grade_numeric(q, ["0,3"]).score == 1


def test_numeric_range_inclusive() -> None:
    q = numeric_q(range_blank(1, 5))
    for answer in ["1", "5", "3", "1,0", "4.99", "5.0"]:
        assert grade_numeric(q, [answer]).score == 1, answer
    for answer in ["0.99", "5.01", "-1", "6", "0"]:
        assert grade_numeric(q, [answer]).score == 0, answer


def test_numeric_negative_range_and_value() -> None:
    q = numeric_q(range_blank(-10, -5), value_blank(-2.5, 0.5))
    assert_result(grade_numeric(q, ["-7", "-2"]), 1, 1, True, [True, True])
    assert_result(grade_numeric(q, ["−10", "-3"]), 1, 1, True, [True, True])
    assert_result(grade_numeric(q, ["7", "2,5"]), 0, 1, False, [False, False])
    assert_result(grade_numeric(q, ["-4,9", "-3,01"]), 0, 1, False, [False, False])


def test_numeric_non_numbers_are_wrong_not_invalid() -> None:
    q = numeric_q(value_blank(443))
    for answer in ["", "abc", "443 port", "four hundred", "nan", "inf", "1e999", "4,4,3"]:
        assert_result(grade_numeric(q, [answer]), 0, 1, False, [False])


def test_numeric_thousands_separators() -> None:
    q = numeric_q(value_blank(65535))
    assert grade_numeric(q, ["65 535"]).score == 1
    assert grade_numeric(q, ["65\u202f535"]).score == 1
    assert grade_numeric(q, ["6 5535"]).score == 0


def test_numeric_several_blanks_partial() -> None:
    q = numeric_q(value_blank(80), value_blank(443), range_blank(20, 21), value_blank(22), points=2)
    # 3 of 4 blanks right -> 2 * 3/4 = 1.5
    assert_result(grade_numeric(q, ["80", "443", "22", "22"]), 1.5, 2, False, [True, True, False, True])


@pytest.mark.parametrize(
    "response",
    [
        [443],  # int instead of str
        [443.0],
        [float("nan")],
        [float("inf")],
        [None, "1"],  # extra entry
        "443",
        {0: "443"},
        443,
        ["9" * 100_000],
    ],
)
def test_numeric_malformed(response: object) -> None:
    result = grade_numeric(numeric_q(value_blank(443)), response)
    assert_result(result, 0, 1, False, [False], invalid=True)


def test_numeric_misconfigured_blank_never_matches() -> None:
    q = numeric_q(Blank(kind="numeric"))  # neither value nor range
    assert_result(grade_numeric(q, ["0"]), 0, 1, False, [False])


# --------------------------------------------------------------------------
# match
# --------------------------------------------------------------------------


def test_match_all_right() -> None:
    assert_result(grade_match(match_q(), {0: 0, 1: 1, 2: 2}), 3, 3, True, [True, True, True])
    assert_result(grade_match(match_q(), {"0": "0", "1": 1, 2: "2"}), 3, 3, True)  # JSON keys
    assert_result(grade_match(match_q(), [0, 1, 2]), 3, 3, True)


def test_match_partial() -> None:
    # 2 of 3 left items right -> 3 * 2/3 = 2
    assert_result(grade_match(match_q(), {0: 0, 1: 2, 2: 2}), 2, 3, False, [True, False, True])
    assert_result(grade_match(match_q(points=1), {0: 1, 1: 0, 2: 2}), 1 / 3, 1, False, [False, False, True])


def test_match_distractor_is_wrong() -> None:
    assert_result(grade_match(match_q(), {0: 3, 1: 1, 2: 2}), 2, 3, False, [False, True, True])
    assert_result(grade_match(match_q(), {0: 3, 1: 3, 2: 3}), 0, 3, False, [False, False, False])


def test_match_duplicate_right_choices_are_graded_individually() -> None:
    # left 0 and left 1 both pick right 0: left 0 right, left 1 wrong; not malformed
    assert_result(grade_match(match_q(), {0: 0, 1: 0, 2: 2}), 2, 3, False, [True, False, True])


def test_match_duplicate_right_texts_are_interchangeable() -> None:
    q = Question(
        id="yes-no",
        type="match",
        prompt_html="?",
        points=2,
        match_left=["HTTPS", "TLS"],
        match_right=["Chiffré", "Chiffré", "En clair"],
    )
    assert_result(grade_match(q, {0: 1, 1: 0}), 2, 2, True, [True, True])
    assert_result(grade_match(q, {0: 2, 1: 1}), 1, 2, False, [False, True])


def test_match_unanswered() -> None:
    assert_result(grade_match(match_q(), {}), 0, 3, False, [False, False, False])
    assert_result(grade_match(match_q(), None), 0, 3, False, [False, False, False])
    assert_result(grade_match(match_q(), {0: 0, 1: None}), 1, 3, False, [True, False, False])


@pytest.mark.parametrize(
    ("response", "parts", "score"),
    [
        ({0: 0, 1: 1, 2: 4}, [True, True, False], 2),  # right index out of range
        ({0: 0, 1: 1, 2: -2}, [True, True, False], 2),
        ({0: 0, 1: 1, 2: 2.0}, [True, True, False], 2),  # float
        ({0: 0, 1: 1, 2: True}, [True, True, False], 2),  # bool
        ({0: 0, 1: 1, 2: [2]}, [True, True, False], 2),
        ({0: 0, 1: 1, 5: 2}, [True, True, False], 2),  # left index out of range
        ({0: 0, 1: 1, "x": 2}, [True, True, False], 2),
        ({0: 0, 1: 1, (2,): 2}, [True, True, False], 2),
        ({0: 0, "0": 1, 1: 1}, [False, True, False], 1),  # left 0 given twice, differently
        ([0, 1, 2, 3], [True, True, True], 3),  # list too long
        ("012", [False, False, False], 0),
        ({0, 1, 2}, [False, False, False], 0),
        (7, [False, False, False], 0),
    ],
)
def test_match_malformed(response: object, parts: list, score: float) -> None:
    result = grade_match(match_q(), response)
    assert_result(result, score, 3, score == 3, parts, invalid=True)


# --------------------------------------------------------------------------
# order
# --------------------------------------------------------------------------


def test_order_right() -> None:
    assert_result(grade_order(order_q(), [0, 1, 2]), 2, 2, True, [True, True, True])
    assert_result(grade_order(order_q(), ("0", "1", "2")), 2, 2, True)


def test_order_partially_right_scores_zero() -> None:
    assert_result(grade_order(order_q(), [0, 2, 1]), 0, 2, False, [True, False, False])
    assert_result(grade_order(order_q(), [2, 1, 0]), 0, 2, False, [False, True, False])
    assert_result(grade_order(order_q(), [1, 2, 0]), 0, 2, False, [False, False, False])


def test_order_unanswered() -> None:
    assert_result(grade_order(order_q(), None), 0, 2, False, [False, False, False])


def test_order_duplicate_texts_interchangeable() -> None:
    q = Question(id="o", type="order", prompt_html="?", order_items=["a", "b", "a"])
    assert grade_order(q, [2, 1, 0]).score == 1
    assert grade_order(q, [0, 2, 1]).score == 0


@pytest.mark.parametrize(
    ("response", "parts"),
    [
        ([0, 1], [True, True, False]),  # too short
        ([0, 1, 2, 2], [True, True, True]),  # too long
        ([0, 0, 1], [True, False, False]),  # duplicate
        ([0, 1, 3], [True, True, False]),  # out of range
        ([0, 1, -1], [True, True, False]),
        ([0, 1, 2.0], [True, True, False]),
        ([0, 1, True], [True, True, False]),
        ([0, 1, None], [True, True, False]),
        ({0, 1, 2}, [False, False, False]),  # set: no order
        ({0: 0, 1: 1, 2: 2}, [False, False, False]),
        ("012", [False, False, False]),
        (12, [False, False, False]),
    ],
)
def test_order_malformed(response: object, parts: list) -> None:
    assert_result(grade_order(order_q(), response), 0, 2, False, parts, invalid=True)


# --------------------------------------------------------------------------
# dispatcher
# --------------------------------------------------------------------------


def test_grade_question_dispatches() -> None:
    assert grade_question(single_q(), 1).score == 1
    assert grade_question(multi_q(), {0, 2}).score == 1
    assert grade_question(weighted_q(), {0}).score == 1
    assert grade_question(short_q(text_blank("x")), ["X"]).score == 1
    assert grade_question(numeric_q(value_blank(2)), ["2"]).score == 1
    assert grade_question(match_q(), {0: 0}).score == 1
    assert grade_question(order_q(), [0, 1, 2]).score == 2


def test_grade_question_cross_type_response() -> None:
    # a multi response to a single question, an order response to a match question...
    assert grade_question(single_q(), {1}).invalid is True
    assert grade_question(single_q(), {1}).score == 0
    assert grade_question(order_q(), {0: 0, 1: 1, 2: 2}).score == 0
    assert grade_question(numeric_q(value_blank(1)), 1).invalid is True


def test_grade_question_unknown_type() -> None:
    q = Question(id="x", type="essay", prompt_html="?", points=2)  # type: ignore[arg-type]
    assert_result(grade_question(q, "anything"), 0, 2, False, [], invalid=True)


def test_grade_question_corrupted_question_does_not_raise() -> None:
    q = Question(id="x", type="single", prompt_html="?", points=1, options=[None])  # type: ignore[list-item]
    result = grade_question(q, 0)
    assert result.score == 0
    assert result.invalid is True


def test_points_are_used_as_max_score() -> None:
    assert grade_question(single_q(points=2.5), 1).max_score == 2.5
    assert grade_question(single_q(points=2.5), 1).score == 2.5
    assert grade_question(single_q(points=2.5), 0).max_score == 2.5


# --------------------------------------------------------------------------
# quiz level
# --------------------------------------------------------------------------


def test_score_attempt() -> None:
    results = [
        grade_question(single_q(2), 1),  # 2 / 2
        grade_question(match_q(), {0: 0}),  # 1 / 3
        grade_question(order_q(), [1, 0, 2]),  # 0 / 2
    ]
    assert score_attempt(results) == (pytest.approx(3.0), pytest.approx(7.0))
    assert score_attempt([]) == (0.0, 0.0)


def test_attempt_ratio() -> None:
    assert attempt_ratio(3, 4) == 0.75
    assert attempt_ratio(0, 4) == 0.0
    assert attempt_ratio(4, 4) == 1.0
    assert attempt_ratio(0, 0) == 0.0
    assert attempt_ratio(1, 0) == 0.0
    assert attempt_ratio(5, 4) == 1.0  # clamped
    assert attempt_ratio(-1, 4) == 0.0
    assert attempt_ratio(float("nan"), 4) == 0.0


def test_passed_with_float_noise() -> None:
    ratio = attempt_ratio(0.1 * 8, 1.0)  # 0.8000000000000002
    assert passed(ratio, 0.8) is True
    assert passed(0.7999999999999999, 0.8) is True
    assert passed(4 / 5, 80 / 100) is True
    assert passed(0.8, 0.8) is True
    assert passed(0.79, 0.8) is False
    assert passed(0.7999, 0.8) is False
    assert passed(1.0, 1.0) is True
    assert passed(0.0, 0.0) is True


@pytest.mark.parametrize(
    ("method", "expected"),
    [("highest", 0.9), ("first", 0.5), ("last", 0.4), ("average", 0.6)],
)
def test_final_grade_methods(method: str, expected: float) -> None:
    assert final_grade(method, [0.5, 0.9, 0.4]) == pytest.approx(expected)


def test_final_grade_single_attempt_and_none() -> None:
    for method in ("highest", "first", "last", "average"):
        assert final_grade(method, [0.6]) == pytest.approx(0.6)
        assert final_grade(method, []) is None
    assert final_grade("average", iter([1.0, 0.0, 0.5, 0.5])) == pytest.approx(0.5)


def test_final_grade_unknown_method() -> None:
    with pytest.raises(ValueError):
        final_grade("median", [0.5])


# --------------------------------------------------------------------------
# property-based: arbitrary responses never raise and stay in bounds
# --------------------------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.integers(min_value=-2, max_value=6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["0", "1", "2", "3", " 1 ", "1e999", "nan", "-inf", "3,14", "443", "x" * 600, "１"]),
    st.binary(max_size=5),
)
_responses = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=6),
        st.lists(children, max_size=6).map(tuple),
        st.frozensets(st.one_of(st.integers(-2, 6), st.text(max_size=3)), max_size=6),
        st.sets(st.integers(-2, 6), max_size=6),
        st.dictionaries(
            st.one_of(st.integers(-2, 6), st.text(max_size=3), st.none()), children, max_size=6
        ),
    ),
    max_leaves=12,
)

_GRADERS = {
    "single": grade_single,
    "multi": grade_multi,
    "short": grade_short,
    "numeric": grade_numeric,
    "match": grade_match,
    "order": grade_order,
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(sorted(ALL_QUESTIONS)), response=_responses)
def test_arbitrary_responses_never_raise(key: str, response: object) -> None:
    question = ALL_QUESTIONS[key]
    for grade in (grade_question, _GRADERS[question.type]):
        result = grade(question, response)
        assert isinstance(result, QuestionResult)
        assert math.isfinite(result.score)
        assert 0 <= result.score <= result.max_score
        assert result.max_score == question.points
        assert result.correct == (result.score == result.max_score)
        assert result.invalid == (result.message is not None)
        assert result.message != "internal grading error"


@settings(max_examples=200, deadline=None)
@given(key=st.sampled_from(sorted(ALL_QUESTIONS)), other=st.sampled_from(sorted(ALL_QUESTIONS)), data=st.data())
def test_well_typed_responses_in_bounds(key: str, other: str, data: st.DataObject) -> None:
    """Responses shaped for *some* question type, fed to every type."""
    shapes = {
        "single": st.one_of(st.none(), st.integers(-1, 4)),
        "multi": st.frozensets(st.integers(-1, 5)),
        "short": st.lists(st.one_of(st.none(), st.text(max_size=20)), max_size=4),
        "numeric": st.lists(st.from_regex(r"[+\-−]?[0-9 ,.]{0,8}", fullmatch=True), max_size=4),
        "match": st.dictionaries(st.integers(-1, 4), st.one_of(st.none(), st.integers(-1, 5)), max_size=4),
        "order": st.permutations([0, 1, 2]),
    }
    response = data.draw(shapes[ALL_QUESTIONS[other].type])
    question = ALL_QUESTIONS[key]
    result = grade_question(question, response)
    assert 0 <= result.score <= result.max_score
    assert not (result.message or "").startswith("internal")
    expected_parts = {
        "single": len(question.options),
        "multi": len(question.options),
        "short": len(question.blanks),
        "numeric": len(question.blanks),
        "match": len(question.match_left),
        "order": len(question.order_items),
    }[question.type]
    assert len(result.parts) == expected_parts


@given(text=st.text(max_size=50))
def test_parse_number_never_raises(text: str) -> None:
    value = parse_number(text)
    assert value is None or math.isfinite(value)


@given(text=st.text(max_size=50))
def test_normalize_text_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert once == once.strip()
    assert "  " not in once
