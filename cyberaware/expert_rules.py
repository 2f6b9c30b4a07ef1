"""The expert-track rules: reading ``quizzes/expert-track.yml`` and evaluating a student.

Plain Python: no Flask, no database. :func:`parse_rules` turns the YAML text into a
:class:`RuleSet` (or raises :class:`RulesFileError` listing every problem with its line);
:func:`evaluate` decides, for one student's :class:`Standing`, which rules are met and
whether the student qualifies (every rule met).

The rules file
--------------
::

    # quizzes/expert-track.yml
    version: 1                       # optional; only 1 exists
    rules:                           # at least one rule; a student qualifies when all are met
      - id: core-complete            # lowercase letters, digits and dashes; unique
        kind: all_completed          # see KINDS below
        level: core                  # the modules' level (``core`` or ``advanced``)
        text:                        # the rule in plain words, shown to students
          fr: Terminer tous les modules essentiels.
          en: Complete every core module.
      - id: core-mean
        kind: mean_best_score
        level: core
        min: 90%                     # "90%", 90% or a ratio such as 0.9
        text: {fr: ..., en: ...}

Kinds (``level`` is required by each):

``all_completed``
    every published module of the level is completed (by its quiz or by reading).
``mean_best_score`` (needs ``min``)
    the mean of the student's best score over the level's quizzes reaches ``min``; a quiz
    never attempted counts as 0. Met at exactly ``min`` (a tolerance absorbs float noise).
``all_passed``
    every quiz of the level is passed (its grade reached the pass mark at least once).

Empty sets: ``all_completed`` and ``all_passed`` over a level with no module (or no quiz)
are met (nothing is left to do), so a curriculum without advanced modules does not block
everybody; ``mean_best_score`` over no quiz is *not* met (a mean of nothing reaches no mark).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

LANGUAGES = ("fr", "en")
KINDS = ("all_completed", "mean_best_score", "all_passed")
LEVELS = ("core", "advanced")
#: Same tolerance as :data:`cyberaware.grading.EPSILON`: 0.8999999999999999 reaches 90 %.
EPSILON = 1e-9
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
_RULE_KEYS = {"id", "kind", "level", "min", "text"}
_TOP_KEYS = {"version", "rules"}


# --- rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One rule of the expert track."""

    id: str
    kind: str
    level: str
    text: Mapping[str, str]
    min_ratio: float | None = None  # mean_best_score only
    line: int | None = None  # where it is declared in the file (None: built in)

    def describe(self, lang: str) -> str:
        """The rule in plain words in ``lang`` (French when that language is missing)."""
        return self.text.get(lang) or self.text.get("fr") or next(iter(self.text.values()), self.id)


@dataclass(frozen=True)
class RuleSet:
    """The rules in file order, and where they came from (a path, or ``"defaults"``)."""

    rules: tuple[Rule, ...]
    source: str = "defaults"

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    @property
    def ids(self) -> list[str]:
        """The rule ids in order."""
        return [rule.id for rule in self.rules]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a rules file (``line`` is 1-based; None when it has no line)."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class RulesFileError(ValueError):
    """The rules file cannot be used; ``problems`` lists every reason with its line."""

    def __init__(self, problems: list[Problem], source: str = "expert-track.yml") -> None:
        self.problems = problems
        self.source = source
        super().__init__(f"{source}: " + "; ".join(str(p) for p in problems))


DEFAULT_RULES = RuleSet((
    Rule("core-complete", "all_completed", "core", {
        "fr": "Terminer tous les modules essentiels.",
        "en": "Complete every core module."}),
    Rule("core-mean", "mean_best_score", "core", {
        "fr": "Obtenir une moyenne d'au moins 90 % aux quiz des modules essentiels "
              "(on retient votre meilleure note à chaque quiz).",
        "en": "Average at least 90% on the core modules' quizzes (your best score on each quiz counts)."},
        min_ratio=0.9),
    Rule("advanced-passed", "all_passed", "advanced", {
        "fr": "Réussir tous les quiz des modules avancés.",
        "en": "Pass every advanced module's quiz."}),
))


def _ratio(value: Any) -> float | None:
    """``"90%"``, ``90%`` (read by YAML as a string) or ``0.9`` -> 0.9; None when unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", ".")
        if not text.endswith("%"):
            return None
        try:
            number = float(text[:-1].strip()) / 100
        except ValueError:
            return None
    else:
        return None
    return number if 0 <= number <= 1 else None


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _mapping(node: yaml.MappingNode, problems: list[Problem]) -> tuple[dict[str, yaml.Node], dict[str, int]]:
    """Keys (as strings) to value nodes, and keys to their line; duplicate and non-text keys
    are problems."""
    values: dict[str, yaml.Node] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if not isinstance(key, str) or not key:
            problems.append(Problem(_line(key_node), "a key must be a word"))
        elif key in values:
            problems.append(Problem(_line(key_node), f"'{key}' is given twice"))
        else:
            values[key], lines[key] = value_node, _line(key_node)
    return values, lines


def _scalar(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_object(node, deep=True) if isinstance(node, yaml.ScalarNode) else node


def _parse_rule(loader: yaml.SafeLoader, node: yaml.Node, position: int, seen: dict[str, int],
                problems: list[Problem]) -> Rule | None:
    """One rule, or None after adding its problems; ``seen``: rule ids already used -> line."""
    where = f"rule {position}"
    if not isinstance(node, yaml.MappingNode):
        problems.append(Problem(_line(node), f"{where}: expected 'id: ...', 'kind: ...' lines"))
        return None
    before = len(problems)
    keys, key_lines = _mapping(node, problems)
    rule_id = _scalar(loader, keys["id"]) if "id" in keys else None
    if "id" in keys and (not isinstance(rule_id, str) or not _ID.match(rule_id)):
        problems.append(Problem(key_lines["id"], f"{where}: id {rule_id!r} must be lowercase letters, digits "
                                                 "and dashes (e.g. core-complete)"))
    elif isinstance(rule_id, str):
        if rule_id in seen:
            problems.append(Problem(key_lines["id"], f"rule id '{rule_id}' is already used on line {seen[rule_id]}"))
        else:
            seen[rule_id] = key_lines["id"]
        where = f"rule '{rule_id}'"
    for key in sorted(set(keys) - _RULE_KEYS):
        problems.append(Problem(key_lines[key], f"{where}: unknown key '{key}' "
                                                f"(known: {', '.join(sorted(_RULE_KEYS))})"))
    for key in ("id", "kind", "level", "text"):
        if key not in keys:
            problems.append(Problem(_line(node), f"{where}: '{key}' is missing"))

    kind = _scalar(loader, keys["kind"]) if "kind" in keys else None
    if "kind" in keys and kind not in KINDS:
        problems.append(Problem(key_lines["kind"], f"{where}: unknown kind {kind!r} (known: {', '.join(KINDS)})"))

    level = _scalar(loader, keys["level"]) if "level" in keys else None
    if "level" in keys and level not in LEVELS:
        problems.append(Problem(key_lines["level"], f"{where}: unknown level {level!r} "
                                                      f"(known: {', '.join(LEVELS)})"))

    min_ratio = None
    if kind == "mean_best_score":
        if "min" not in keys:
            problems.append(Problem(_line(node), f"{where}: 'min' is missing (e.g. min: 90%)"))
        else:
            raw = _scalar(loader, keys["min"])
            min_ratio = _ratio(raw)
            if min_ratio is None:
                problems.append(Problem(key_lines["min"], f"{where}: min {raw!r} must be a percentage "
                                                            "between 0% and 100% (e.g. 90%) or a ratio such as 0.9"))
    elif "min" in keys and kind in KINDS:
        problems.append(Problem(key_lines["min"], f"{where}: 'min' applies to mean_best_score only"))

    text: dict[str, str] = {}
    if "text" in keys:
        text_node = keys["text"]
        if not isinstance(text_node, yaml.MappingNode):
            problems.append(Problem(key_lines["text"], f"{where}: text must give 'fr:' and 'en:' lines"))
        else:
            translations, _lines = _mapping(text_node, problems)
            for lang, value_node in translations.items():
                value = _scalar(loader, value_node)
                if lang not in LANGUAGES:
                    problems.append(Problem(_line(value_node), f"{where}: unknown language '{lang}' "
                                                               f"(known: {', '.join(LANGUAGES)})"))
                elif not isinstance(value, str) or not value.strip():
                    problems.append(Problem(_line(value_node), f"{where}: the {lang} text must be a sentence"))
                else:
                    text[lang] = " ".join(value.split())
            for lang in LANGUAGES:
                if lang not in translations:
                    problems.append(Problem(key_lines["text"], f"{where}: the {lang} text is missing"))

    if len(problems) > before:
        return None
    return Rule(rule_id, kind, level, text, min_ratio, _line(node))


def parse_rules(text: str | bytes, source: str = "expert-track.yml") -> RuleSet:
    """Read a rules file; raise :class:`RulesFileError` with every problem and its line."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise RulesFileError([Problem(None, f"not UTF-8 text (byte {error.start})")], source) from None
    text = text.removeprefix("\ufeff")
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise RulesFileError([Problem(line, f"not valid YAML: {error.problem or error.context}")], source) from None
    except yaml.YAMLError as error:
        raise RulesFileError([Problem(None, f"not valid YAML: {error}")], source) from None
    finally:
        loader.dispose()
    if root is None:
        raise RulesFileError([Problem(None, "the file is empty: it needs a 'rules:' list")], source)
    if not isinstance(root, yaml.MappingNode):
        raise RulesFileError([Problem(_line(root), "expected 'rules:' at the top of the file")], source)

    problems: list[Problem] = []
    top, top_lines = _mapping(root, problems)
    for key in sorted(set(top) - _TOP_KEYS):
        problems.append(Problem(top_lines[key], f"unknown key '{key}' (known: {', '.join(sorted(_TOP_KEYS))})"))
    if "version" in top and _scalar(loader, top["version"]) != 1:
        problems.append(Problem(top_lines["version"], "version must be 1"))
    rules: list[Rule] = []
    rules_node = top.get("rules")
    if rules_node is None:
        if not problems:  # an unknown key (a typo of 'rules') already says what is wrong
            problems.append(Problem(_line(root), "'rules:' is missing"))
    elif not isinstance(rules_node, yaml.SequenceNode) or not rules_node.value:
        problems.append(Problem(_line(rules_node), "'rules:' must be a list of at least one rule ('- id: ...')"))
    else:
        seen: dict[str, int] = {}
        for position, node in enumerate(rules_node.value, start=1):
            rule = _parse_rule(loader, node, position, seen, problems)
            if rule is not None:
                rules.append(rule)
    if problems:
        raise RulesFileError(sorted(problems, key=lambda p: p.line or 0), source)
    return RuleSet(tuple(rules), source)


# --- a student's standing --------------------------------------------------------------


@dataclass(frozen=True)
class ModuleResult:
    """One published module and the student's result on it (not started: all False/None)."""

    slug: str
    level: str
    has_quiz: bool
    completed: bool = False
    best_ratio: float | None = None  # best attempt ratio at the module's quiz
    passed: bool = False  # the quiz grade reached the pass mark at least once


@dataclass(frozen=True)
class Standing:
    """A student's results on every published module (the whole curriculum)."""

    modules: tuple[ModuleResult, ...]


@dataclass(frozen=True)
class LevelTotals:
    """Sums over one level of the curriculum for one student: what the rules need.

    The bulk recompute builds these from one aggregated query instead of a :class:`Standing`.
    """

    modules: int = 0
    completed: int = 0
    quizzes: int = 0
    best_sum: float = 0.0  # sum of best ratios over the level's quizzes (not attempted: 0)
    passed: int = 0  # quizzes passed


def totals(standing: Standing) -> dict[str, LevelTotals]:
    """Per-level sums of a standing."""
    result: dict[str, LevelTotals] = {}
    for module in standing.modules:
        current = result.get(module.level, LevelTotals())
        quiz = module.has_quiz
        result[module.level] = LevelTotals(
            modules=current.modules + 1,
            completed=current.completed + module.completed,
            quizzes=current.quizzes + quiz,
            best_sum=current.best_sum + ((module.best_ratio or 0.0) if quiz else 0.0),
            passed=current.passed + (quiz and module.passed),
        )
    return result


# --- evaluation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleResult:
    """Whether one rule is met, with the numbers behind it (``done`` of ``needed``, ``mean``)."""

    rule: Rule
    met: bool
    done: int = 0
    needed: int = 0
    mean: float | None = None


@dataclass(frozen=True)
class Evaluation:
    """Every rule's result; the student qualifies when every rule is met."""

    results: tuple[RuleResult, ...] = field(default_factory=tuple)

    @property
    def qualified(self) -> bool:
        """All rules met (and there is at least one rule)."""
        return bool(self.results) and all(result.met for result in self.results)

    @property
    def rules_met(self) -> dict[str, bool]:
        """Rule id -> met (what a flag stores)."""
        return {result.rule.id: result.met for result in self.results}


def _evaluate_rule(rule: Rule, level: LevelTotals) -> RuleResult:
    if rule.kind == "all_completed":
        return RuleResult(rule, level.completed >= level.modules, level.completed, level.modules)
    if rule.kind == "all_passed":
        return RuleResult(rule, level.passed >= level.quizzes, level.passed, level.quizzes)
    if rule.kind == "mean_best_score":
        if not level.quizzes:
            return RuleResult(rule, False, 0, 0, None)
        mean = level.best_sum / level.quizzes
        return RuleResult(rule, mean >= (rule.min_ratio or 0.0) - EPSILON, 0, level.quizzes, mean)
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def evaluate_totals(rules: Iterable[Rule], by_level: Mapping[str, LevelTotals]) -> Evaluation:
    """Evaluate ``rules`` on per-level sums (a level missing from ``by_level`` has no module)."""
    return Evaluation(tuple(_evaluate_rule(rule, by_level.get(rule.level, LevelTotals())) for rule in rules))


def evaluate(rules: Iterable[Rule], standing: Standing) -> Evaluation:
    """Which rules the student of ``standing`` meets, and whether they qualify."""
    return evaluate_totals(rules, totals(standing))
