"""The expert-track rules as plain Python: the rules file and the evaluation (no app, no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cyberaware.expert_rules import (
    DEFAULT_RULES,
    LevelTotals,
    ModuleResult,
    RulesFileError,
    Standing,
    evaluate,
    evaluate_totals,
    parse_rules,
    totals,
)

ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
rules:
  - id: core-complete
    kind: all_completed
    level: core
    text:
      fr: Terminer tous les modules essentiels.
      en: Complete every core module.
  - id: core-mean
    kind: mean_best_score
    level: core
    min: 90%
    text: {fr: Moyenne d'au moins 90 %., en: Average at least 90%.}
  - id: advanced-passed
    kind: all_passed
    level: advanced
    text: {fr: Réussir les quiz avancés., en: Pass the advanced quizzes.}
"""


def problems_of(text: str | bytes) -> list[str]:
    with pytest.raises(RulesFileError) as caught:
        parse_rules(text)
    return [str(problem) for problem in caught.value.problems]


# --- the rules file --------------------------------------------------------------------------------


def test_a_good_file_gives_the_rules_in_order_with_their_lines():
    rules = parse_rules(GOOD)
    assert rules.ids == ["core-complete", "core-mean", "advanced-passed"]
    mean = rules.rules[1]
    assert (mean.kind, mean.level, mean.min_ratio, mean.line) == ("mean_best_score", "core", 0.9, 8)
    assert mean.describe("en") == "Average at least 90%." and mean.describe("fr") == "Moyenne d'au moins 90 %."
    assert rules.rules[0].min_ratio is None


@pytest.mark.parametrize("written, ratio", [("90%", 0.9), ("'90 %'", 0.9), ("0.9", 0.9), ("100%", 1.0),
                                            ("0", 0.0), ("87,5%", 0.875)])
def test_min_accepts_a_percentage_or_a_ratio(written, ratio):
    rules = parse_rules(GOOD.replace("min: 90%", f"min: {written}"))
    assert rules.rules[1].min_ratio == pytest.approx(ratio)


def test_the_shipped_file_and_the_test_curriculum_file_are_valid_and_match_the_defaults():
    for path in (ROOT / "quizzes" / "expert-track.yml", ROOT / "tests/data/content/quizzes/expert-track.yml"):
        rules = parse_rules(path.read_bytes(), str(path))
        assert [(r.id, r.kind, r.level, r.min_ratio) for r in rules] == \
               [(r.id, r.kind, r.level, r.min_ratio) for r in DEFAULT_RULES]
    shipped = parse_rules((ROOT / "quizzes" / "expert-track.yml").read_text("utf-8"))
    assert [dict(r.text) for r in shipped] == [dict(r.text) for r in DEFAULT_RULES]


def test_a_bom_is_accepted_and_other_encodings_are_refused():
    assert parse_rules(("\ufeff" + GOOD).encode("utf-8")).ids[0] == "core-complete"
    assert problems_of(GOOD.replace("Réussir", "Réussir").encode("cp1252"))[0].startswith("not UTF-8")


@pytest.mark.parametrize("text", ["", "   \n# only a comment\n"])
def test_an_empty_file_is_refused(text):
    assert problems_of(text) == ["the file is empty: it needs a 'rules:' list"]


def test_invalid_yaml_is_refused_with_its_line():
    broken = GOOD.replace("    level: advanced", "    level: [advanced")
    [problem] = problems_of(broken)
    assert problem.startswith("line ") and "not valid YAML" in problem
    assert int(problem.split()[1].rstrip(":")) >= 16


def test_an_unknown_kind_names_the_known_ones_and_its_line():
    text = GOOD.replace("kind: all_passed", "kind: all_perfect")
    assert problems_of(text) == ["line 14: rule 'advanced-passed': unknown kind 'all_perfect' "
                                 "(known: all_completed, mean_best_score, all_passed)"]


def test_every_problem_is_listed_with_its_line_in_file_order():
    text = (GOOD.replace("level: core\n    min: 90%", "level: expert\n    minimum: 90%", 1)
                .replace("id: advanced-passed", "id: core-complete")
                .replace("      en: Complete every core module.\n", ""))
    assert problems_of(text) == [
        "line 5: rule 'core-complete': the en text is missing",
        "line 7: rule 'core-mean': 'min' is missing (e.g. min: 90%)",
        "line 9: rule 'core-mean': unknown level 'expert' (known: core, advanced)",
        "line 10: rule 'core-mean': unknown key 'minimum' (known: id, kind, level, min, text)",
        "line 12: rule id 'core-complete' is already used on line 2",
    ]


@pytest.mark.parametrize("text, expected", [
    ("rules: []\n", "line 1: 'rules:' must be a list of at least one rule ('- id: ...')"),
    ("- id: a\n", "line 1: expected 'rules:' at the top of the file"),
    ("rule:\n  - id: a\n", "line 1: unknown key 'rule' (known: rules, version)"),
    ("version: 2\n" + GOOD, "line 1: version must be 1"),
    ("rules:\n  - just a sentence\n", "line 2: rule 1: expected 'id: ...', 'kind: ...' lines"),
    (GOOD.replace("min: 90%", "min: 190%"), "line 11: rule 'core-mean': min '190%' must be a percentage "
                                            "between 0% and 100% (e.g. 90%) or a ratio such as 0.9"),
    (GOOD.replace("min: 90%", "min: 90"), "line 11: rule 'core-mean': min 90 must be a percentage "
                                          "between 0% and 100% (e.g. 90%) or a ratio such as 0.9"),
    (GOOD.replace("id: core-mean", "id: Core Mean"), "line 8: rule 2: id 'Core Mean' must be lowercase letters, "
                                                     "digits and dashes (e.g. core-complete)"),
    (GOOD.replace("    level: advanced\n", "    level: advanced\n    min: 50%\n"),
     "line 16: rule 'advanced-passed': 'min' applies to mean_best_score only"),
    (GOOD.replace("text: {fr: Réussir les quiz avancés., en: Pass the advanced quizzes.}",
                  "text: {fr: Réussir., en: Pass., de: Bestehen.}"),
     "line 16: rule 'advanced-passed': unknown language 'de' (known: fr, en)"),
    (GOOD.replace("    kind: all_completed\n", "    kind: all_completed\n    kind: all_passed\n"),
     "line 4: 'kind' is given twice"),
])
def test_malformed_files_say_what_and_where(text, expected):
    assert expected in problems_of(text)


def test_the_error_message_names_the_file():
    with pytest.raises(RulesFileError) as caught:
        parse_rules("rules: []\n", source="quizzes/expert-track.yml")
    assert str(caught.value).startswith("quizzes/expert-track.yml: line 1:")


# --- evaluation -------------------------------------------------------------------------------------


def core(slug, best=None, completed=None, has_quiz=True):
    """A core module; completed by default when its best score is given."""
    done = completed if completed is not None else best is not None
    return ModuleResult(slug, "core", has_quiz, completed=done, best_ratio=best, passed=done and has_quiz)


def advanced(slug, passed=True, best=1.0):
    return ModuleResult(slug, "advanced", True, completed=passed, best_ratio=best, passed=passed)


def standing(*modules):
    return Standing(tuple(modules))


def test_a_student_who_meets_everything_qualifies():
    result = evaluate(DEFAULT_RULES, standing(core("a", 1.0), core("b", 0.9), core("read", has_quiz=False,
                                                                                  completed=True),
                                              advanced("x")))
    assert result.qualified
    assert result.rules_met == {"core-complete": True, "core-mean": True, "advanced-passed": True}
    mean = result.results[1]
    assert mean.mean == pytest.approx(0.95) and mean.needed == 2  # the module without quiz is not in the mean


@pytest.mark.parametrize("ratios", [(0.9, 0.9, 0.9), (0.8, 1.0), (0.7, 1.0, 1.0, 0.9), (0.6, 1.0, 1.0, 1.0, 1.1 - 0.2)])
def test_a_mean_of_exactly_90_percent_is_enough(ratios):
    modules = [core(f"m{i}", ratio) for i, ratio in enumerate(ratios)]
    result = evaluate(DEFAULT_RULES, standing(*modules, advanced("x")))
    assert result.rules_met["core-mean"] and result.qualified


def test_a_mean_of_89_9_percent_is_not_enough():
    result = evaluate(DEFAULT_RULES, standing(core("a", 0.899), core("b", 0.899), advanced("x")))
    assert result.rules_met == {"core-complete": True, "core-mean": False, "advanced-passed": True}
    assert not result.qualified and result.results[1].mean == pytest.approx(0.899)


def test_a_core_quiz_never_attempted_counts_as_zero_in_the_mean():
    result = evaluate(DEFAULT_RULES, standing(core("a", 1.0), core("b", 1.0), core("c"), advanced("x")))
    assert result.rules_met == {"core-complete": False, "core-mean": False, "advanced-passed": True}
    assert result.results[1].mean == pytest.approx(2 / 3)
    assert (result.results[0].done, result.results[0].needed) == (2, 3)


def test_a_core_module_started_but_not_completed_fails_core_complete():
    in_progress = ModuleResult("c", "core", True, completed=False, best_ratio=0.95, passed=False)
    result = evaluate(DEFAULT_RULES, standing(core("a", 1.0), in_progress, advanced("x")))
    assert result.rules_met == {"core-complete": False, "core-mean": True, "advanced-passed": True}


def test_an_advanced_quiz_not_passed_blocks_the_flag():
    result = evaluate(DEFAULT_RULES, standing(core("a", 1.0), advanced("x"), advanced("y", passed=False, best=0.5)))
    assert result.rules_met == {"core-complete": True, "core-mean": True, "advanced-passed": False}
    assert (result.results[2].done, result.results[2].needed) == (1, 2) and not result.qualified


def test_no_advanced_module_at_all_meets_advanced_passed_vacuously():
    result = evaluate(DEFAULT_RULES, standing(core("a", 0.95), core("b", 1.0)))
    assert result.results[2].met and (result.results[2].done, result.results[2].needed) == (0, 0)
    assert result.qualified


def test_a_mean_over_no_quiz_is_never_met():
    result = evaluate(DEFAULT_RULES, standing(core("read", has_quiz=False, completed=True), advanced("x")))
    assert result.rules_met == {"core-complete": True, "core-mean": False, "advanced-passed": True}
    assert result.results[1].mean is None and not result.qualified


def test_nothing_done_meets_nothing_but_the_vacuous_rules():
    result = evaluate(DEFAULT_RULES, standing(core("a"), core("b"), advanced("x", passed=False, best=None)))
    assert result.rules_met == {"core-complete": False, "core-mean": False, "advanced-passed": False}


def test_no_rule_means_nobody_qualifies():
    assert not evaluate([], standing(core("a", 1.0))).qualified


def test_the_bulk_totals_and_the_per_module_standing_agree():
    mixed = standing(core("a", 0.85), core("b", 0.95), core("c"), core("read", has_quiz=False, completed=True),
                     advanced("x"), advanced("y", passed=False, best=0.4))
    by_level = totals(mixed)
    assert by_level["core"] == LevelTotals(modules=4, completed=3, quizzes=3, best_sum=pytest.approx(1.8), passed=2)
    assert by_level["advanced"] == LevelTotals(modules=2, completed=1, quizzes=2, best_sum=pytest.approx(1.4),
                                               passed=1)
    assert evaluate_totals(DEFAULT_RULES, by_level) == evaluate(DEFAULT_RULES, mixed)


def test_rules_from_a_file_are_evaluated_like_the_defaults():
    stricter = parse_rules(GOOD.replace("min: 90%", "min: 96%"))
    student = standing(core("a", 1.0), core("b", 0.9), advanced("x"))
    assert evaluate(parse_rules(GOOD), student).qualified
    assert evaluate(stricter, student).rules_met == {"core-complete": True, "core-mean": False,
                                                     "advanced-passed": True}
