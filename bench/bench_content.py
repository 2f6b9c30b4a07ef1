"""Benchmark: parse and validate 200 quiz files of 20 questions each.

Generates a content tree in a temporary directory, times
:func:`cyberaware.content.load_content` over it and a bare
``markdown.markdown()`` pass over the same quiz text, and prints both
timings (best of 3) and their ratio.

Also times, on the shipped curriculum (``modules/`` and ``quizzes/``), a full content sync into a
fresh database and an unchanged re-sync (target < 1 s), with ``load_content`` alone and a bare
``markdown.markdown()`` pass over the same files as the baseline measured in the same run.

Run with ``.venv/bin/python bench/bench_content.py [--database-url URL] [--repeat N]`` (default
database: a SQLite file in a temporary folder; the schema of the given database is dropped and
recreated: use a benchmark database, never a real one).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import markdown

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cyberaware.content import load_content  # noqa: E402

QUIZ_COUNT = 200
QUESTIONS_PER_QUIZ = 20
MODULE_COUNT = QUIZ_COUNT  # a module has at most one quiz
REPEAT = 3

QUESTION_TEMPLATES = (
    """### Quelle phrase de passe est la plus robuste (question {n}) ? <!-- id=q{n} -->

- [ ] `P@ssw0rd!`
  > Les substitutions de caractères sont connues des outils de cassage.
- [x] Cinq mots tirés au **hasard**
- [ ] Marseille2025
- [ ] Le nom de votre chat

> La longueur fait la robustesse : cinq mots tirés au hasard résistent mieux.
""",
    """### Un lien raccourci est toujours sûr (question {n}) <!-- id=q{n} -->

- [ ] Vrai
- [x] Faux

> Un lien raccourci masque sa destination ; survolez-le ou utilisez un service d'aperçu.
""",
    """### Cochez les bonnes pratiques (question {n}) <!-- id=q{n} type=multi points=2 -->

- [x] Activer la double authentification {{50%}}
- [x] Utiliser un gestionnaire de mots de passe {{50%}}
- [ ] Noter le mot de passe sur un post-it {{-50%}}
  > Un post-it se photographie ou se perd.
- [ ] Réutiliser le même mot de passe

> Explication : voir le [guide de l'ANSSI](https://cyber.gouv.fr).
""",
    """### Le port par défaut de HTTPS est [[443]] (question {n}) <!-- id=q{n} -->

> HTTPS écoute par défaut sur le port 443.
""",
    """### Complétez la phrase (question {n}) <!-- id=q{n} -->

Un courriel frauduleux qui imite un expéditeur de confiance est un [[hameçonnage|phishing]] (ou [[/hame[cç]onnage ciblé|spear.?phishing/]]).

> Le hameçonnage est la première cause d'incident.
""",
    """### Valeur de pi à deux décimales (question {n}) <!-- id=q{n} -->

Pi vaut environ [[3,14 ± 0.01]] et un octet compte [[1..8]] bits au plus.

> Approximation suffisante.
""",
    """### Associez chaque attaque à sa description (question {n}) <!-- id=q{n} type=match -->

| Attaque | Description |
|---|---|
| Hameçonnage | Courriel frauduleux imitant un expéditeur de confiance |
| Rançongiciel | Logiciel qui chiffre vos fichiers contre rançon |
| Ingénierie sociale | Manipulation psychologique |
| | Attaque par canal auxiliaire acoustique |

> Trois attaques, un distracteur.
""",
    """### Remettez les étapes dans l'ordre (question {n}) <!-- id=q{n} type=order points=2 -->

1. Débrancher le réseau
2. Prévenir le support
3. Conserver les preuves
4. Porter plainte

> Isoler, alerter, préserver, signaler.
""",
)


def quiz_text(index: int) -> str:
    """Return the source of generated quiz number ``index``."""
    head = (
        f"---\nid: quiz-{index}\nmodule: module-{index % MODULE_COUNT}\n"
        f"title: Quiz {index}\nlang: fr\npass: 80%\nattempts: 3\n"
        "grading: highest\nshuffle: [options]\nreview: after_submit\n---\n"
        "Testez vos réflexes.\n\n"
    )
    questions = [
        QUESTION_TEMPLATES[n % len(QUESTION_TEMPLATES)].format(n=n)
        for n in range(QUESTIONS_PER_QUIZ)
    ]
    return head + "\n".join(questions)


def module_text(index: int) -> str:
    """Return the source of generated module number ``index``."""
    return (
        f"---\nid: module-{index}\ntitle: Module {index}\nlang: fr\norder: {index}\n"
        "duration: 15m\nsources:\n  - ANSSI, *Guide d'hygiène*, 2017 — <https://cyber.gouv.fr>\n---\n"
        "## Introduction\n\nDu texte avec **gras** et un [lien](https://example.org).\n\n"
        '!!! warning "Attention"\n    Ne cliquez pas.\n'
    )


def write_tree(root: Path) -> list[str]:
    """Write the generated content under ``root``; return the quiz texts."""
    (root / "modules").mkdir()
    (root / "quizzes").mkdir()
    for index in range(MODULE_COUNT):
        (root / "modules" / f"module-{index}.md").write_text(module_text(index), encoding="utf-8")
    texts = []
    for index in range(QUIZ_COUNT):
        text = quiz_text(index)
        texts.append(text)
        (root / "quizzes" / f"quiz-{index}.md").write_text(text, encoding="utf-8")
    return texts


def best_of(repeat: int, func) -> float:
    """Return the smallest wall-clock time of ``repeat`` calls to ``func``."""
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        timings.append(time.perf_counter() - start)
    return min(timings)


def shipped_sync(url: str, repeat: int) -> dict[str, float]:
    """Best seconds of a fresh-database sync and of an unchanged re-sync of the shipped curriculum,
    with the bare baseline (``markdown.markdown()`` over the same files) and ``load_content`` alone."""
    from cyberaware import create_app
    from cyberaware.config import TestingConfig
    from cyberaware.content.loader import MODULES_DIR, QUIZZES_DIR, content_files
    from cyberaware.extensions import db
    from cyberaware.services.content_sync import sync_content

    files = content_files(ROOT / MODULES_DIR) + content_files(ROOT / QUIZZES_DIR)
    texts = [path.read_text(encoding="utf-8") for path in files]
    fresh, resync = [], []
    for run in range(repeat):
        # SQLite: a new file per run; another URL: its schema dropped and recreated.
        run_url = url.replace(".sqlite", f"-{run}.sqlite") if url.startswith("sqlite:///") else url
        app = create_app(type("Bench", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": run_url,
                                                          "CONTENT_DIR": str(ROOT)}))
        with app.app_context():
            if not run_url.startswith("sqlite"):
                db.drop_all()
            db.create_all()
            db.session.commit()
            start = time.perf_counter()
            report = sync_content(ROOT)
            fresh.append(time.perf_counter() - start)
            assert report.succeeded and report.created, [str(p) for p in report.content.errors]
            start = time.perf_counter()
            again = sync_content(ROOT)
            resync.append(time.perf_counter() - start)
            assert again.succeeded and not (again.created or again.updated or again.new_quiz_versions)
            if not run_url.startswith("sqlite"):
                db.session.remove()
                db.drop_all()
            db.engine.dispose()
    return {"files": len(files), "fresh": min(fresh), "resync": min(resync),
            "load": best_of(repeat, lambda: load_content(ROOT)),
            "bare": best_of(repeat, lambda: [markdown.markdown(text) for text in texts])}


def main() -> int:
    """Run the benchmark and print the figures; return a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--skip-generated", action="store_true", help="only the shipped-curriculum sync")
    args = parser.parse_args()
    if not args.skip_generated:
        code = generated_tree(args.repeat)
        if code:
            return code
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/sync.sqlite"
        figures = shipped_sync(url, args.repeat)
    bare = figures["bare"]
    print(f"shipped curriculum: {figures['files']} files, database {url.split('@')[-1]}")
    print(f"bare markdown.markdown() over the same files: {bare:.3f} s")
    print(f"load_content (parse + render + validate): {figures['load']:.3f} s  (ratio: {figures['load'] / bare:.2f}x)")
    print(f"sync into a fresh database: {figures['fresh']:.3f} s  (ratio: {figures['fresh'] / bare:.2f}x; target < 1 s)")
    print(f"unchanged re-sync: {figures['resync']:.3f} s  (ratio: {figures['resync'] / bare:.2f}x; target < 1 s)")
    return 0


def generated_tree(repeat: int) -> int:
    """The generated tree (200 quizzes of 20 questions): ``load_content`` against bare Markdown."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        texts = write_tree(root)
        content = load_content(root)
        if not content.ok():
            for problem in content.errors[:20]:
                print(problem)
            print("generated content does not validate", file=sys.stderr)
            return 1
        questions = sum(len(q.questions) for q in content.quizzes.values())
        ours = best_of(repeat, lambda: load_content(root))
        bare = best_of(repeat, lambda: [markdown.markdown(text) for text in texts])
    print(f"files: {QUIZ_COUNT} quizzes, {questions} questions, {MODULE_COUNT} modules")
    print(f"load_content (parse + render + validate): {ours:.3f} s")
    print(f"bare markdown.markdown() over the same quiz text: {bare:.3f} s")
    print(f"ratio: {ours / bare:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
