"""An instructor pastes a quiz with errors at /instructor/check, sees each error with its line
number, fixes it and previews it with its answers; in French and in English, axe on every page."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import PASSWORD, STAFF
from tests.e2e.helpers import audit_both_languages, login, set_language

BROKEN = """---
id: e2e-check-quiz
module: passwords-mfa
title: Vérification de bout en bout
lang: fr
pass: 80%
attemps: 3
grading: best
---
Un quiz collé avec des erreurs.

### Quel port utilise HTTPS par défaut ? <!-- id=https-port -->

- [x] 443
- [x] 80

> HTTPS utilise le port 443.

### Selon la CNIL, une phrase de passe compte au moins [[7]] mots <!-- id=passphrase-words -->

> Sept mots au moins.

### Rangez ces étapes <!-- id=Bad_Id type=order -->

1. Détecter l'incident
2. Le signaler

> Dans l'ordre.
"""

FIXES = {"attemps: 3": "attempts: 3", "grading: best": "grading: highest", "- [x] 80": "- [ ] 80",
         "id=Bad_Id": "id=order-steps"}


def line_of(text: str, fragment: str) -> int:
    """1-based number of the line holding ``fragment``."""
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


#: (code, the fragment on the line the error must point at)
EXPECTED = [("key-unknown", "attemps: 3"), ("value-invalid", "grading: best"),
            ("single-correct-count", "id=https-port"), ("id-invalid", "id=Bad_Id")]


def check(page: Any, text: str) -> None:
    page.fill("#text", text)
    page.locator("form #submit").click()
    page.wait_for_load_state()


def test_instructor_checks_and_previews_a_quiz(page: Any, axe: Any) -> None:
    login(page, STAFF["instructor"], PASSWORD)
    page.goto("/instructor/")
    audit_both_languages(page, axe, "instructor content", {"fr": ("Contenu",), "en": ("Content",)})
    page.goto("/instructor/check")
    audit_both_languages(page, axe, "instructor check form",
                         {"fr": ("Vérifier un fichier Markdown",), "en": ("Check a Markdown file",)})

    fixed = BROKEN
    for before, after in FIXES.items():
        fixed = fixed.replace(before, after)

    for lang in ("fr", "en"):
        page.goto("/instructor/check")
        set_language(page, lang)
        check(page, BROKEN)
        problems = [p.strip() for p in page.locator("#check-problems li.problem code").all_inner_texts()]
        assert len(problems) == len(EXPECTED), problems
        for code, fragment in EXPECTED:
            wanted = f"pasted.md:{line_of(BROKEN, fragment)}: {code}:"
            assert any(p.startswith(wanted) for p in problems), (wanted, problems)
        assert page.locator(".status-bad").count() == 1
        assert page.locator("#check-problems .problem-error").count() == len(EXPECTED)
        assert page.locator("#text").input_value().strip() == BROKEN.strip()  # kept for correcting
        axe.check(page, f"instructor check with errors [{lang}]")

        check(page, fixed)
        assert page.locator("#check-problems").count() == 0
        assert page.locator(".check-result .status-ok").count() == 1
        preview = page.locator(".instructor-preview")
        assert preview.locator("h3").first.inner_text() == "Vérification de bout en bout"
        assert preview.locator("fieldset.question").count() == 3
        https = preview.locator("#question-https-port")
        assert https.locator(".choice-correct").inner_text().split()[0] == "443"
        assert "7" in preview.locator("#question-passphrase-words .key-correct").inner_text()
        assert preview.locator("#question-order-steps .key-correct li").all_inner_texts() == [
            "Détecter l'incident", "Le signaler"]
        assert preview.locator(".explanation").count() == 3
        axe.check(page, f"instructor check preview [{lang}]")
