"""Every single-file error code, with the line it points at."""

from __future__ import annotations

import pytest
from content_helpers import QUIZ_BODY_LINE, errors, find, module_text, parse_body, parse_mod

from cyberaware.content import parse_module, parse_quiz

L = QUIZ_BODY_LINE  # line of the first body line
GOOD = "- [x] a\n- [ ] b\n\n> e\n"


# --- front matter --------------------------------------------------------------------------

def test_frontmatter_missing():
    quiz, problems = parse_quiz("# Pas de front matter\n", "quizzes/q.md")
    assert quiz is None
    assert errors(problems) == [(1, "frontmatter-missing")]


def test_empty_file():
    quiz, problems = parse_quiz("", "quizzes/q.md")
    assert quiz is None
    assert errors(problems) == [(1, "frontmatter-missing")]


def test_frontmatter_unclosed():
    quiz, problems = parse_quiz("---\nid: q\n", "quizzes/q.md")
    assert quiz is None
    assert errors(problems) == [(1, "frontmatter-unclosed")]


def test_yaml_invalid_points_at_the_line_and_body_is_still_checked():
    text = "---\nid: q\ntitle: [unclosed\nmodule: m\n---\n### Q <!-- id=a -->\n- [x] a\n- [x] b\n> e\n"
    quiz, problems = parse_quiz(text, "quizzes/q.md")
    assert quiz is None
    yaml_problem = find(problems, "yaml-invalid")
    assert 3 <= yaml_problem.line <= 5
    assert (6, "single-correct-count") in errors(problems)


def test_frontmatter_not_a_mapping():
    quiz, problems = parse_quiz("---\n- a\n- b\n---\n", "quizzes/q.md")
    assert quiz is None
    assert (2, "frontmatter-invalid") in errors(problems)


def test_key_unknown_with_hint():
    _, problems = parse_body("### Q <!-- id=a -->\n" + GOOD, extra="attemps: 3\n")
    problem = find(problems, "key-unknown")
    assert problem.line == 7
    assert "did you mean `attempts`?" in problem.hint
    assert "did you mean `attempts`?" in str(problem)


def test_key_missing():
    text = "---\nid: q\ntitle: T\n---\n### Q <!-- id=a -->\n" + GOOD
    _, problems = parse_quiz(text, "quizzes/q.md")
    assert errors(problems) == [(1, "key-missing")]
    assert "`module`" in problems[0].message


def test_module_key_missing_title():
    module, problems = parse_mod("---\nid: m\nsources: [x]\n---\nTexte\n")
    assert errors(problems) == [(1, "key-missing")]
    assert module is not None


def test_quiz_without_id_is_unusable():
    quiz, problems = parse_quiz("---\nmodule: m\ntitle: T\n---\n### Q <!-- id=a -->\n" + GOOD, "quizzes/q.md")
    assert quiz is None
    assert (1, "key-missing") in errors(problems)


def test_id_invalid():
    _, problems = parse_quiz(
        "---\nid: Mon_Quiz\nmodule: m\ntitle: T\n---\n### Q <!-- id=a -->\n" + GOOD, "quizzes/Mon_Quiz.md")
    assert errors(problems) == [(2, "id-invalid")]


@pytest.mark.parametrize("value", ["150%", "0%", "0.8", "-5%"])
def test_pass_range(value):
    _, problems = parse_quiz(
        f"---\nid: q\nmodule: m\ntitle: T\npass: {value}\n---\n### Q <!-- id=a -->\n" + GOOD, "quizzes/q.md")
    assert errors(problems) == [(5, "pass-range")]


@pytest.mark.parametrize("value", ["beaucoup", "[80]", "true"])
def test_pass_malformed(value):
    _, problems = parse_quiz(
        f"---\nid: q\nmodule: m\ntitle: T\npass: {value}\n---\n### Q <!-- id=a -->\n" + GOOD, "quizzes/q.md")
    assert errors(problems) == [(5, "value-invalid")]


@pytest.mark.parametrize("extra, code", [
    ("grading: best\n", "value-invalid"),
    ("review: always\n", "value-invalid"),
    ("level: expert\n", "value-invalid"),
    ("attempts: -1\n", "value-invalid"),
    ("attempts: trois\n", "value-invalid"),
    ("shuffle: [answers]\n", "value-invalid"),
    ("draw: 0\n", "value-invalid"),
    ("time_limit: dix minutes\n", "duration-invalid"),
])
def test_invalid_values(extra, code):
    _, problems = parse_body("### Q <!-- id=a -->\n" + GOOD, extra=extra)
    assert errors(problems) == [(7, code)]


def test_lang_invalid():
    _, problems = parse_body("### Q <!-- id=a -->\n" + GOOD, lang="Français")
    assert (5, "lang-invalid") in errors(problems)


def test_key_duplicate():
    _, problems = parse_body("### Q <!-- id=a -->\n" + GOOD, extra="title: Encore\n")
    assert errors(problems) == [(7, "key-duplicate")]


def test_grading_hint():
    _, problems = parse_body("### Q <!-- id=a -->\n" + GOOD, extra="grading: highets\n")
    assert find(problems, "value-invalid").hint == "did you mean `highest`?"


def test_filename_mismatch():
    _, problems = parse_quiz(parse_body_text(), "quizzes/autre.md")
    problem = find(problems, "filename-mismatch")
    assert problem.line == 2
    assert "q.md" in problem.hint


def test_filename_mismatch_for_translation():
    _, problems = parse_quiz(parse_body_text(lang="en"), "quizzes/autre.en.md")
    assert "q.en.md" in find(problems, "filename-mismatch").hint


def test_lang_mismatch_original_must_be_french():
    _, problems = parse_quiz(parse_body_text(lang="en"), "quizzes/q.md")
    assert errors(problems) == [(5, "lang-mismatch")]


def test_lang_mismatch_translation_suffix():
    _, problems = parse_quiz(parse_body_text(lang="fr"), "quizzes/q.en.md")
    assert errors(problems) == [(5, "lang-mismatch")]


def parse_body_text(lang: str = "fr") -> str:
    from content_helpers import quiz_text
    return quiz_text("### Q <!-- id=a -->\n" + GOOD, lang=lang)


def test_encoding_invalid_from_surrogate_escaped_bytes():
    raw = b"---\nid: m\ntitle: T\nsources: [x]\n---\nCaf\xe9\n".decode("utf-8", "surrogateescape")
    module, problems = parse_module(raw, "modules/m.md")
    assert errors(problems) == [(6, "encoding-invalid")]
    assert module is not None and "\ufffd" in module.body_html


# --- question headings ------------------------------------------------------------------------

def test_id_missing():
    _, problems = parse_body("### Q\n" + GOOD)
    assert errors(problems) == [(L, "id-missing"), (L, "no-questions")]


def test_question_id_invalid():
    _, problems = parse_body("### Q <!-- id=Bad_Id -->\n" + GOOD)
    assert (L, "id-invalid") in errors(problems)


def test_question_id_duplicate():
    _, problems = parse_body("### Q <!-- id=a -->\n" + GOOD + "### R <!-- id=a -->\n" + GOOD)
    problem = find(problems, "id-duplicate")
    assert problem.line == L + 5
    assert f"line {L}" in problem.message


def test_attr_unknown_with_hint():
    _, problems = parse_body("### Q <!-- id=a point=2 -->\n" + GOOD)
    problem = find(problems, "attr-unknown")
    assert (problem.line, problem.hint) == (L, "did you mean `points`?")


def test_attr_malformed():
    _, problems = parse_body("### Q <!-- id=a multi -->\n" + GOOD)
    assert errors(problems) == [(L, "attr-malformed")]


def test_attr_unclosed_comment():
    _, problems = parse_body("### Q <!-- id=a\n" + GOOD)
    assert (L, "attr-malformed") in errors(problems)


@pytest.mark.parametrize("points", ["0", "-1", "abc", "1e400", "5000"])
def test_points_invalid(points):
    _, problems = parse_body(f"### Q <!-- id=a points={points} -->\n" + GOOD)
    assert errors(problems) == [(L, "points-invalid")]


def test_type_unknown_with_hint():
    _, problems = parse_body("### Q <!-- id=a type=mutli -->\n" + GOOD)
    problem = find(problems, "type-unknown")
    assert (problem.line, problem.hint) == (L, "did you mean `multi`?")


def test_prompt_empty():
    _, problems = parse_body("### <!-- id=a -->\n" + GOOD)
    assert errors(problems) == [(L, "prompt-empty")]


# --- answers ----------------------------------------------------------------------------------

def test_no_answers():
    _, problems = parse_body("### Q <!-- id=a -->\n\nDu texte.\n\n> e\n")
    assert errors(problems) == [(L, "no-answers")]


def test_no_answers_hints_at_type_order():
    _, problems = parse_body("### Q <!-- id=a -->\n\n1. a\n2. b\n\n> e\n")
    assert "type=order" in find(problems, "no-answers").hint


def test_no_answers_hints_at_type_match():
    _, problems = parse_body("### Q <!-- id=a -->\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> e\n")
    assert "type=match" in find(problems, "no-answers").hint


def test_declared_order_without_list():
    _, problems = parse_body("### Q <!-- id=a type=order -->\n\n- [x] a\n- [ ] b\n\n> e\n")
    assert (L, "no-answers") in errors(problems)


def test_plain_bullet_list_is_not_options():
    _, problems = parse_body("### Q <!-- id=a -->\n\n- a\n- b\n\n> e\n")
    assert errors(problems) == [(L, "no-answers")]


def test_single_correct_count_zero():
    _, problems = parse_body("### Q <!-- id=a -->\n- [ ] a\n- [ ] b\n> e\n")
    problem = find(problems, "single-correct-count")
    assert problem.line == L and "0 correct" in problem.message


def test_single_correct_count_two_hints_multi():
    _, problems = parse_body("### Q <!-- id=a -->\n- [x] a\n- [x] b\n> e\n")
    problem = find(problems, "single-correct-count")
    assert problem.line == L and "type=multi" in problem.hint


def test_multi_correct_count():
    _, problems = parse_body("### Q <!-- id=a type=multi -->\n- [ ] a\n- [ ] b\n> e\n")
    assert errors(problems) == [(L, "multi-correct-count")]


def test_options_too_few():
    _, problems = parse_body("### Q <!-- id=a -->\n- [x] a\n> e\n")
    assert errors(problems) == [(L, "options-too-few")]


def test_option_malformed():
    _, problems = parse_body("### Q <!-- id=a -->\n- [x] a\n- b\n- [v] c\n- [ ] d\n> e\n")
    assert errors(problems) == [(L + 2, "option-malformed"), (L + 3, "option-malformed")]


def test_option_empty():
    _, problems = parse_body("### Q <!-- id=a -->\n- [x]\n- [ ] b\n> e\n")
    assert errors(problems) == [(L + 1, "option-empty")]


def test_feedback_unindented():
    _, problems = parse_body("### Q <!-- id=a -->\n- [x] a\n> retour\n- [ ] b\n\n> e\n")
    assert errors(problems) == [(L + 2, "feedback-unindented")]


def test_weights_sum_below_full_marks():
    _, problems = parse_body("### Q <!-- id=a type=multi -->\n- [x] a {40%}\n- [x] b {40%}\n- [ ] c\n> e\n")
    problem = find(problems, "weights-sum")
    assert problem.line == L and "80%" in problem.message and "cannot be reached" in problem.message


def test_weights_sum_above_full_marks():
    _, problems = parse_body("### Q <!-- id=a type=multi -->\n- [x] a {60%}\n- [x] b {60%}\n- [ ] c\n> e\n")
    assert errors(problems) == [(L, "weights-sum")]


def test_weight_missing():
    _, problems = parse_body("### Q <!-- id=a type=multi -->\n- [x] a {100%}\n- [x] b\n- [ ] c\n> e\n")
    assert (L + 2, "weight-missing") in errors(problems)


def test_weight_sign_on_wrong_option():
    _, problems = parse_body("### Q <!-- id=a type=multi -->\n- [x] a {100%}\n- [ ] b {25%}\n> e\n")
    assert (L + 2, "weight-sign") in errors(problems)


def test_weight_sign_on_correct_option():
    _, problems = parse_body("### Q <!-- id=a type=multi -->\n- [x] a {100%}\n- [x] b {-10%}\n- [ ] c\n> e\n")
    assert (L + 2, "weight-sign") in errors(problems)


def test_weight_malformed():
    _, problems = parse_body("### Q <!-- id=a type=multi -->\n- [x] a {50}\n- [x] b {5O%}\n- [ ] c\n> e\n")
    assert errors(problems) == [(L + 1, "weight-malformed"), (L + 2, "weight-malformed")]


def test_weight_out_of_bounds():
    _, problems = parse_body("### Q <!-- id=a type=multi -->\n- [x] a {100%}\n- [ ] b {-150%}\n> e\n")
    assert (L + 2, "weight-malformed") in errors(problems)


def test_weight_unexpected_on_single():
    _, problems = parse_body("### Q <!-- id=a -->\n- [x] a {100%}\n- [ ] b\n> e\n")
    assert errors(problems) == [(L, "weight-unexpected")]


def test_answers_mixed():
    _, problems = parse_body("### Q [[x]] <!-- id=a -->\n- [x] a\n- [ ] b\n> e\n")
    assert (L, "answers-mixed") in errors(problems)


def test_type_mismatch_short_with_options():
    _, problems = parse_body("### Q <!-- id=a type=short -->\n- [x] a\n- [ ] b\n> e\n")
    assert (L, "type-mismatch") in errors(problems)


@pytest.mark.parametrize("spec, code", [
    ("", "blank-malformed"),
    ("a||b", "blank-malformed"),
    ("mot|/re/", "blank-malformed"),
    ("/(unclosed/", "regex-invalid"),
    ("/*/", "regex-invalid"),
    ("//", "regex-invalid"),
    ("/(a+)+$/", "regex-invalid"),
    ("/(x*)*/", "regex-invalid"),
    ("5..1", "range-malformed"),
    ("1..deux", "range-malformed"),
    ("1..", "range-malformed"),
    ("3 ± abc", "number-malformed"),
    ("3 +- -1", "number-malformed"),
    ("1e999", "number-malformed"),
])
def test_malformed_blanks(spec, code):
    _, problems = parse_body(f"### Q <!-- id=a -->\n\nRéponse : [[{spec}]]\n\n> e\n")
    assert errors(problems) == [(L + 2, code)]


def test_unclosed_blank():
    _, problems = parse_body("### Q <!-- id=a -->\n\nRéponse : [[443\n\n> e\n")
    assert (L + 2, "blank-malformed") in errors(problems)


def test_regex_too_long():
    _, problems = parse_body("### Q <!-- id=a -->\n\n[[/" + "a" * 600 + "/]]\n\n> e\n")
    assert errors(problems) == [(L + 2, "regex-invalid")]


def test_numeric_type_with_text_blank():
    _, problems = parse_body("### Q [[quatre]] <!-- id=a type=numeric -->\n> e\n")
    assert errors(problems) == [(L, "number-malformed")]


def test_match_malformed_without_separator():
    _, problems = parse_body("### Q <!-- id=a type=match -->\n| a | b |\n| 1 | 2 |\n> e\n")
    assert errors(problems) == [(L + 1, "match-malformed")]


def test_match_malformed_row():
    _, problems = parse_body(
        "### Q <!-- id=a type=match -->\n| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 | 5 |\n| 6 | 7 |\n| 8 | |\n> e\n")
    assert errors(problems) == [(L + 4, "match-malformed"), (L + 6, "match-malformed")]


def test_match_too_few():
    _, problems = parse_body("### Q <!-- id=a type=match -->\n| a | b |\n|---|---|\n| 1 | 2 |\n| | 3 |\n> e\n")
    assert errors(problems) == [(L + 1, "match-too-few")]


def test_match_duplicate():
    _, problems = parse_body(
        "### Q <!-- id=a type=match -->\n| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 2 |\n> e\n")
    assert errors(problems) == [(L + 1, "match-duplicate")]


def test_order_too_few():
    _, problems = parse_body("### Q <!-- id=a type=order -->\n1. seul\n> e\n")
    assert errors(problems) == [(L + 1, "order-too-few")]


def test_order_duplicate():
    _, problems = parse_body("### Q <!-- id=a type=order -->\n1. a\n2. b\n3. a\n> e\n")
    assert errors(problems) == [(L + 1, "order-duplicate")]


# --- quiz structure ---------------------------------------------------------------------------

def test_no_questions():
    _, problems = parse_body("Juste une intro.\n")
    assert errors(problems) == [(L, "no-questions")]


def test_pick_too_large():
    _, problems = parse_body("## Pool <!-- pick=3 -->\n### Q <!-- id=a -->\n" + GOOD + "### R <!-- id=b -->\n" + GOOD)
    problem = find(problems, "pick-too-large")
    assert problem.line == L and "2 question" in problem.message


@pytest.mark.parametrize("pick", ["0", "deux", "-1"])
def test_pick_invalid(pick):
    _, problems = parse_body(f"## Pool <!-- pick={pick} -->\n### Q <!-- id=a -->\n" + GOOD)
    assert errors(problems) == [(L, "pick-invalid")]


def test_draw_too_large():
    _, problems = parse_body(
        "### A <!-- id=a -->\n" + GOOD + "## P <!-- pick=1 -->\n### B <!-- id=b -->\n" + GOOD
        + "### C <!-- id=c -->\n" + GOOD, extra="draw: 3\n")
    problem = find(problems, "draw-too-large")
    assert problem.line == 7 and "at most 2" in problem.message


def test_text_ignored_under_pool_heading():
    _, problems = parse_body("## Pool <!-- pick=1 -->\n\nCe texte est perdu.\n\n### Q <!-- id=a -->\n" + GOOD)
    assert errors(problems) == [(L + 2, "text-ignored")]


def test_every_problem_is_reported_in_one_run():
    _, problems = parse_body(
        "### A <!-- id=a -->\n- [x] a\n- [x] b\n> e\n"
        "### B <!-- id=a -->\n- [x] a\n- [ ] b\n> e\n"
        "### C <!-- id=c type=multi -->\n- [x] a {30%}\n- [ ] b\n> e\n"
        "### D [[5..1]] <!-- id=d -->\n> e\n",
        extra="attemps: 2\n", pass_mark="200%",
    )
    assert errors(problems) == [
        (6, "pass-range"), (7, "key-unknown"), (L + 1, "single-correct-count"), (L + 5, "id-duplicate"),
        (L + 9, "weights-sum"), (L + 13, "range-malformed"),
    ]


# --- warnings ---------------------------------------------------------------------------------

def test_no_explanation_warning():
    quiz, problems = parse_body("### Q <!-- id=a -->\n- [x] a\n- [ ] b\n")
    assert quiz is not None
    assert [(p.line, p.code, p.severity) for p in problems] == [(L, "no-explanation", "warning")]
    assert "(warning)" in str(problems[0])


def test_no_sources_warning():
    module, problems = parse_mod(module_text(extra=""))
    assert module is not None
    assert [(p.code, p.severity) for p in problems] == [("no-sources", "warning")]


# --- module-specific --------------------------------------------------------------------------

def test_module_self_prerequisite_is_a_cycle():
    _, problems = parse_mod(module_text(extra="prerequisites: [m]\nsources: [x]\n"))
    assert errors(problems) == [(5, "prerequisite-cycle")]


def test_module_prerequisite_id_invalid():
    _, problems = parse_mod(module_text(extra="prerequisites: [Bad Id]\nsources: [x]\n"))
    assert errors(problems) == [(5, "id-invalid")]


def test_module_duration_invalid():
    _, problems = parse_mod(module_text(extra="duration: 15 minutes\nsources: [x]\n"))
    assert errors(problems) == [(5, "duration-invalid")]


def test_module_fields():
    module, problems = parse_mod(module_text(
        "## Intro\n\n!!! tip \"Astuce\"\n    Texte.\n",
        extra="order: 3\nduration: 1h30m\nlevel: advanced\nprerequisites: [a, b]\ntags: [pix-4.1]\n"
              "sources:\n  - ANSSI, *Guide*, 2024 — <https://cyber.gouv.fr>\n"))
    assert problems == []
    assert (module.order, module.duration_minutes, module.level) == (3, 90, "advanced")
    assert (module.prerequisites, module.tags) == (["a", "b"], ["pix-4.1"])
    assert module.sources_html == [
        'ANSSI, <em>Guide</em>, 2024 — <a href="https://cyber.gouv.fr" rel="noopener noreferrer">'
        "https://cyber.gouv.fr</a>"]
    assert '<h2 id="intro">Intro</h2>' in module.body_html
    assert 'class="admonition tip"' in module.body_html
