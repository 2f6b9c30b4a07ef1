"""Loading a content tree (``modules/`` and ``quizzes/``) and checking files or folders."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .common import ORIGINAL_LANG, Parsed
from .crosscheck import cross_check
from .model import Module, Problem, Quiz
from .module import parse_module_file
from .problems import sort_problems
from .quiz import parse_quiz_file
from .source import file_name_parts

MODULES_DIR = "modules"
QUIZZES_DIR = "quizzes"
ASSETS_DIR = "assets"
_ASSET_REFERENCE = re.compile(r"\]\((?:\./)?assets/([^)\s]+)")
_QUIZ_FRONT_KEY = re.compile(r"^module\s*:", re.MULTILINE)


@dataclass
class ContentSet:
    """Every module and quiz of a content tree, keyed ``(id, lang)``, and the problems found."""

    modules: dict[tuple[str, str], Module] = field(default_factory=dict)
    quizzes: dict[tuple[str, str], Quiz] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems that fail validation."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems that fail validation only in strict mode."""
        return [p for p in self.problems if p.severity == "warning"]

    def ok(self, strict: bool = False) -> bool:
        """True when there is no error (and, if ``strict``, no warning)."""
        return not (self.problems if strict else self.errors)

    def module_ids(self) -> list[str]:
        """Sorted ids of all modules."""
        return sorted({module_id for module_id, _ in self.modules})

    def quiz_ids(self) -> list[str]:
        """Sorted ids of all quizzes."""
        return sorted({quiz_id for quiz_id, _ in self.quizzes})

    def module_translations(self, module_id: str) -> dict[str, Module]:
        """The module ``module_id`` in every language, ``{lang: module}``."""
        return {lang: m for (mid, lang), m in sorted(self.modules.items()) if mid == module_id}

    def quiz_translations(self, quiz_id: str) -> dict[str, Quiz]:
        """The quiz ``quiz_id`` in every language, ``{lang: quiz}``."""
        return {lang: q for (qid, lang), q in sorted(self.quizzes.items()) if qid == quiz_id}

    def module(self, module_id: str, lang: str = ORIGINAL_LANG) -> Module | None:
        """The module in ``lang``, else the original, else None."""
        return self.modules.get((module_id, lang)) or self.modules.get((module_id, ORIGINAL_LANG))

    def quiz(self, quiz_id: str, lang: str = ORIGINAL_LANG) -> Quiz | None:
        """The quiz in ``lang``, else the original, else None."""
        return self.quizzes.get((quiz_id, lang)) or self.quizzes.get((quiz_id, ORIGINAL_LANG))

    def quizzes_for_module(self, module_id: str) -> list[str]:
        """Sorted ids of the quizzes attached to ``module_id``."""
        return sorted({q.id for q in self.quizzes.values() if q.module == module_id})


def quiz_version_hash(translations: Iterable[Quiz]) -> str:
    """sha256 over the sorted ``(lang, content_hash)`` pairs of a quiz's translations."""
    pairs = sorted((quiz.lang, quiz.content_hash) for quiz in translations)
    digest = hashlib.sha256()
    for lang, file_hash in pairs:
        digest.update(f"{lang}:{file_hash}\n".encode())
    return digest.hexdigest()


def content_files(folder: Path) -> list[Path]:
    """The ``*.md`` content files of ``folder`` (skipping ``_*``, ``.*`` and README.md)."""
    if not folder.is_dir():
        return []
    return sorted(
        path for path in folder.glob("*.md")
        if path.is_file() and not path.name.startswith(("_", ".")) and path.name.lower() != "readme.md"
    )


def load_content(root: Path | str) -> ContentSet:
    """Read, parse and validate ``root/modules/*.md`` and ``root/quizzes/*.md``."""
    root = Path(root)
    problems: list[Problem] = []
    if not (root / MODULES_DIR).is_dir() and not (root / QUIZZES_DIR).is_dir():
        problems.append(Problem(str(root), 1, "folder-empty",
                                f"`{root}` has neither a `{MODULES_DIR}/` nor a `{QUIZZES_DIR}/` folder"))
    files = _parse_root(root)
    return _assemble(files, [], problems, check_references=True)


def _parse_root(root: Path) -> list[Parsed]:
    files = [_parse_file(path, "module", root) for path in content_files(root / MODULES_DIR)]
    files += [_parse_file(path, "quiz", root) for path in content_files(root / QUIZZES_DIR)]
    return files


def check_paths(paths: Iterable[Path | str]) -> ContentSet:
    """Validate a mix of files and content folders.

    A folder holding ``modules/`` or ``quizzes/`` is loaded like
    :func:`load_content` (including the unknown module and prerequisite
    checks); a ``modules/`` or ``quizzes/`` folder, or single files, are
    parsed and cross-checked with their translations found beside them.
    """
    given: list[Parsed] = []
    problems: list[Problem] = []
    check_references = False
    for path in map(Path, paths):
        if path.is_dir() and ((path / MODULES_DIR).is_dir() or (path / QUIZZES_DIR).is_dir()):
            check_references = True
            given += _parse_root(path)
        elif path.is_dir():
            given += [_parse_file(file, _kind_of(file), None) for file in content_files(path)]
        elif path.is_file():
            given.append(_parse_file(path, _kind_of(path), None))
        else:
            problems.append(Problem(str(path), 1, "file-missing", f"`{path}` does not exist"))
    given = list({parsed.path: parsed for parsed in given}.values())
    context = _translation_siblings(given)
    return _assemble(given, context, problems, check_references)


def _kind_of(path: Path) -> str:
    """``quiz`` or ``module``, from the parent folder name or else the front matter."""
    if path.parent.name in (QUIZZES_DIR, MODULES_DIR):
        return "quiz" if path.parent.name == QUIZZES_DIR else "module"
    head = _read(path)[0][:4000]
    return "quiz" if _QUIZ_FRONT_KEY.search(head) else "module"


def _translation_siblings(given: list[Parsed]) -> list[Parsed]:
    """Parse the other language versions of the given files, found beside them on disk."""
    known = {parsed.path for parsed in given}
    siblings: list[Parsed] = []
    for parsed in given:
        if parsed.file_id is None:
            continue
        folder = Path(parsed.path).parent
        for candidate in content_files(folder):
            parts = file_name_parts(str(candidate))
            if parts and parts[0] == parsed.file_id and str(candidate) not in known:
                known.add(str(candidate))
                siblings.append(_parse_file(candidate, parsed.kind, None))
    return siblings


def _assemble(given: list[Parsed], context: list[Parsed], problems: list[Problem],
              check_references: bool) -> ContentSet:
    content = ContentSet()
    for parsed in given:
        problems += parsed.problems
        if parsed.item is None:
            continue
        key = (parsed.item.id, parsed.item.lang)
        target = content.modules if parsed.kind == "module" else content.quizzes
        target.setdefault(key, parsed.item)  # type: ignore[arg-type]
    problems += cross_check(given + context, check_references)
    content.problems = sort_problems(problems)
    return content


def _read(path: Path) -> tuple[str, Problem | None]:
    try:
        return path.read_bytes().decode("utf-8", errors="surrogateescape"), None
    except OSError as exc:
        return "", Problem(str(path), 1, "file-unreadable", f"cannot read the file: {exc.strerror or exc}")


def _parse_file(path: Path, kind: str, root: Path | None) -> Parsed:
    text, problem = _read(path)
    if problem is not None:
        return Parsed(str(path), kind, None, [problem])  # type: ignore[arg-type]
    parse = parse_quiz_file if kind == "quiz" else parse_module_file
    parsed = parse(text, str(path))
    if root is not None:
        parsed.problems += _missing_assets(text, str(path), root / MODULES_DIR / ASSETS_DIR)
    return parsed


def _missing_assets(text: str, path: str, assets: Path) -> list[Problem]:
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        for name in _ASSET_REFERENCE.findall(line):
            if ".." in name.split("/") or not (assets / name).is_file():
                problems.append(Problem(path, number, "asset-missing",
                                        f"image `assets/{name}` is not in `{assets}`"))
    return problems
