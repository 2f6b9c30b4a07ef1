"""Benchmark: parse and validate 200 quiz files of 20 questions each.

Generates a content tree in a temporary directory, times
:func:`cyberaware.content.load_content` over it and a bare
``markdown.markdown()`` pass over the same quiz text, and prints both
timings (best of 3) and their ratio.

Run with ``.venv/bin/python bench/bench_content.py``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import markdown

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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


def main() -> int:
    """Run the benchmark and print the figures; return a process exit code."""
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
        ours = best_of(REPEAT, lambda: load_content(root))
        bare = best_of(REPEAT, lambda: [markdown.markdown(text) for text in texts])
    print(f"files: {QUIZ_COUNT} quizzes, {questions} questions, {MODULE_COUNT} modules")
    print(f"load_content (parse + render + validate): {ours:.3f} s")
    print(f"bare markdown.markdown() over the same quiz text: {bare:.3f} s")
    print(f"ratio: {ours / bare:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
