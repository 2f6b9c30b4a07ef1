"""Validation across files: duplicates, translations, references, prerequisite cycles."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .common import Parsed
from .model import Module, Problem, Question, Quiz
from .problems import Report, did_you_mean

QUIZ_STRUCTURE = {  # front-matter key -> attribute that must match the original
    "module": "module", "pass": "pass_ratio", "attempts": "attempts", "grading": "grading",
    "time_limit": "time_limit_seconds", "shuffle": ("shuffle_questions", "shuffle_options"),
    "draw": "draw", "review": "review", "level": "level",
}
MODULE_STRUCTURE = {
    "order": "order", "duration": "duration_minutes", "level": "level",
    "prerequisites": "prerequisites",
}


def cross_check(files: list[Parsed], check_references: bool) -> list[Problem]:
    """Run every cross-file check over parsed ``files``; ``check_references`` enables
    the checks that need the full set of modules (unknown module, prerequisites)."""
    files = sorted((f for f in files if f.item is not None), key=lambda f: f.path)
    modules = [f for f in files if f.kind == "module"]
    quizzes = [f for f in files if f.kind == "quiz"]
    problems = _duplicates(modules) + _duplicates(quizzes) + _one_quiz_per_module(quizzes)
    problems += _translations(modules, _compare_modules)
    problems += _translations(quizzes, _compare_quizzes)
    if check_references:
        module_ids = {f.item.id for f in modules}  # type: ignore[union-attr]
        problems += _unknown_modules(quizzes, module_ids)
        problems += _prerequisites([f for f in modules if not f.is_translation], module_ids)
    return problems


def _duplicates(files: list[Parsed]) -> list[Problem]:
    seen: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    for parsed in files:
        key = (parsed.item.id, parsed.item.lang)  # type: ignore[union-attr]
        if key in seen:
            problems.append(Problem(parsed.path, parsed.key_line("id"), "id-duplicate",
                                    f"{parsed.kind} id `{key[0]}` (lang `{key[1]}`) is already defined in {seen[key]}"))
        else:
            seen[key] = parsed.path
    return problems


def _translations(files: list[Parsed], compare: Callable[[Parsed, Parsed, Report], None]) -> list[Problem]:
    originals: dict[str, Parsed] = {}
    for parsed in files:
        if not parsed.is_translation:
            originals.setdefault(parsed.item.id, parsed)  # type: ignore[union-attr]
    problems: list[Problem] = []
    for parsed in files:
        if not parsed.is_translation:
            continue
        report = Report(parsed.path)
        original = originals.get(parsed.item.id)  # type: ignore[union-attr]
        if original is None:
            report.error(parsed.key_line("id"), "translation-orphan",
                         f"translation of `{parsed.item.id}` has no original `{parsed.item.id}.md`",  # type: ignore[union-attr]
                         "the unsuffixed file is the original; create it or fix the id")
        else:
            compare(original, parsed, report)
        problems += report.problems
    return problems


def _compare_keys(original: Parsed, translation: Parsed, structure: dict, report: Report) -> None:
    for key, attributes in structure.items():
        names = attributes if isinstance(attributes, tuple) else (attributes,)
        ours = [getattr(translation.item, name) for name in names]
        theirs = [getattr(original.item, name) for name in names]
        if ours != theirs:
            report.error(translation.key_line(key), "translation-mismatch",
                         f"`{key}` differs from the original {original.path}",
                         "only title, lang, tags, sources and text may differ in a translation")


def _compare_modules(original: Parsed, translation: Parsed, report: Report) -> None:
    _compare_keys(original, translation, MODULE_STRUCTURE, report)


def _compare_quizzes(original: Parsed, translation: Parsed, report: Report) -> None:
    _compare_keys(original, translation, QUIZ_STRUCTURE, report)
    ours: Quiz = translation.item  # type: ignore[assignment]
    theirs: Quiz = original.item  # type: ignore[assignment]
    our_ids = [q.id for q in ours.questions]
    their_ids = [q.id for q in theirs.questions]
    if our_ids != their_ids:
        missing = [i for i in their_ids if i not in our_ids]
        extra = [i for i in our_ids if i not in their_ids]
        detail = "; ".join(filter(None, [
            "missing " + ", ".join(f"`{i}`" for i in missing) if missing else "",
            "extra " + ", ".join(f"`{i}`" for i in extra) if extra else "",
            "same ids in another order" if not missing and not extra else "",
        ]))
        line = next((q.line for q in ours.questions if q.id in extra), 1)
        report.error(line, "translation-mismatch",
                     f"question ids differ from the original {original.path}: {detail}")
    by_id = {q.id: q for q in theirs.questions}
    for question in ours.questions:
        if question.id in by_id:
            _compare_questions(by_id[question.id], question, original.path, report)
    if [(p.pick, p.question_ids) for p in ours.pools] != [(p.pick, p.question_ids) for p in theirs.pools]:
        report.error(1, "translation-mismatch", f"pools (`## ... <!-- pick=N -->`) differ from the original {original.path}")


def _question_structure(question: Question) -> dict[str, object]:
    """What must be equal between a question and its translation."""
    numeric = [(b.value, b.tolerance, b.low, b.high) for b in question.blanks if b.kind == "numeric"]
    return {
        "type": question.type,
        "points": question.points,
        "option count": len(question.options),
        "correct options": [o.correct for o in question.options],
        "option weights": [o.weight for o in question.options],
        "blank count": len(question.blanks),
        "blank kinds": [b.kind for b in question.blanks],
        "numeric answers": numeric,
        "match left items": len(question.match_left),
        "match right items": len(question.match_right),
        "order items": len(question.order_items),
    }


def _compare_questions(original: Question, translation: Question, original_path: str, report: Report) -> None:
    ours, theirs = _question_structure(translation), _question_structure(original)
    for aspect, value in ours.items():
        if value != theirs[aspect]:
            report.error(translation.line, "translation-mismatch",
                         f"question `{translation.id}`: {aspect} differ from the original "
                         f"{original_path}:{original.line} ({value!r:.60} vs {theirs[aspect]!r:.60})")


def _one_quiz_per_module(quizzes: list[Parsed]) -> list[Problem]:
    """A module is completed by passing its quiz, so it can have only one."""
    first: dict[str, Parsed] = {}
    problems: list[Problem] = []
    for parsed in (q for q in quizzes if not q.is_translation):
        module = parsed.item.module  # type: ignore[union-attr]
        if module in first and first[module].item.id != parsed.item.id:  # type: ignore[union-attr]
            problems.append(Problem(parsed.path, parsed.key_line("module"), "module-quiz-duplicate",
                                    f"module `{module}` already has a quiz: {first[module].path}", "error",
                                    "a module has at most one quiz; merge the questions or use pools"))
        first.setdefault(module, parsed)
    return problems


def _unknown_modules(quizzes: list[Parsed], module_ids: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    for parsed in quizzes:
        name = parsed.item.module  # type: ignore[union-attr]
        if name and name not in module_ids:
            problems.append(Problem(parsed.path, parsed.key_line("module"), "module-unknown",
                                    f"quiz names unknown module `{name}`", "error",
                                    did_you_mean(name, sorted(module_ids))))
    return problems


def _prerequisites(modules: list[Parsed], module_ids: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    graph: dict[str, list[str]] = {}
    where: dict[str, Parsed] = {}
    for parsed in modules:
        module: Module = parsed.item  # type: ignore[assignment]
        where.setdefault(module.id, parsed)
        graph.setdefault(module.id, [])
        for prerequisite in module.prerequisites:
            if prerequisite in module_ids:
                graph[module.id].append(prerequisite)
            else:
                problems.append(Problem(parsed.path, parsed.key_line("prerequisites"), "prerequisite-unknown",
                                        f"unknown prerequisite module `{prerequisite}`", "error",
                                        did_you_mean(prerequisite, sorted(module_ids))))
    for cycle in find_cycles(graph):
        parsed = where[cycle[0]]
        problems.append(Problem(parsed.path, parsed.key_line("prerequisites"), "prerequisite-cycle",
                                "prerequisites form a cycle: " + " → ".join(cycle + [cycle[0]])))
    return problems


def find_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Return one list of nodes per distinct cycle of ``graph`` (self-loops excluded)."""
    cycles: list[list[str]] = []
    seen_cycles: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for start in sorted(graph):
        if state.get(start):
            continue
        stack: list[tuple[str, Iterable[str]]] = [(start, iter(graph.get(start, [])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)  # type: ignore[call-overload]
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1 and child != node:
                cycle = path[path.index(child):]
                if frozenset(cycle) not in seen_cycles:
                    seen_cycles.add(frozenset(cycle))
                    low = cycle.index(min(cycle))
                    cycles.append(cycle[low:] + cycle[:low])
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(graph.get(child, []))))
    return cycles
