"""Instructor pages: content status, previews with the answer key, the Markdown checker."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import csrf_token

MODULE_FR = """---
id: intro
title: Introduction à la sécurité
lang: fr
order: 1
duration: 20m
level: core
tags: [pix-4.1, bases]
sources:
  - ANSSI, *Guide d'hygiène*, 2024 — <https://cyber.gouv.fr>
---
## Pourquoi se protéger

Les attaques visent **tout le monde**.
"""

MODULE_EN = """---
id: intro
title: Security basics
lang: en
order: 1
duration: 20m
level: core
tags: [pix-4.1]
sources:
  - ANSSI, *Hygiene guide*, 2024 — <https://cyber.gouv.fr>
---
## Why protect yourself

Attacks target **everyone**.
"""

# `levle` (line 4) is an unknown key: an error in a file that still parses.
BROKEN_MODULE = """---
id: broken
title: Module cassé
levle: core
order: 2
sources:
  - ANSSI, *Guide*, 2024
---
Texte.
"""

QUIZ = """---
id: intro-quiz
module: intro
title: Quiz d'introduction
lang: fr
pass: 75%
attempts: 3
grading: last
time_limit: 10m
shuffle: [options]
review: after_pass
---
Testez vos réflexes.

### Quelle phrase de passe est la plus robuste ? <!-- id=strongest -->

- [ ] `P@ssw0rd!`
  > Les substitutions sont connues des outils de cassage.
- [x] `cheval agrafe batterie correct violet`
- [ ] `Marseille2025`

> La longueur fait la robustesse.

### Le port par défaut de HTTPS est [[443]] <!-- id=https-port -->

> HTTPS écoute sur le port 443.

## Réflexes en cas d'incident <!-- pick=1 -->

### Un collègue demande votre mot de passe par téléphone <!-- id=phone-ask -->

- [ ] Je le donne
- [x] Je refuse et je signale

> Ne jamais donner son mot de passe.

### Un courriel vous demande de payer une facture inconnue <!-- id=invoice -->

- [x] Je vérifie par un autre canal
- [ ] Je paie
"""

# Three errors at known lines: `grading` (7) not a method, `pick=9` (11) larger than its pool,
# a question (13) without an id.
BROKEN_QUIZ = """---
id: pasted-quiz
module: intro
title: Quiz cassé
pass: 80%
attempts: 1
grading: best
---
Intro.

## Pool <!-- pick=9 -->

### Sans identifiant

- [x] Oui
- [ ] Non

> Explication.
"""


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: text}`` under ``root``."""
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A small curriculum: one module in two languages, its quiz, one broken module, one unreadable file."""
    return write_tree(tmp_path / "content", {
        "modules/intro.md": MODULE_FR,
        "modules/intro.en.md": MODULE_EN,
        "modules/broken.md": BROKEN_MODULE,
        "modules/garbage.md": "no front matter here\n",
        "quizzes/intro-quiz.md": QUIZ,
    })


@pytest.fixture
def app_config(content_dir: Path) -> dict[str, Any]:
    """Point the app at the temporary content folder."""
    return {"CONTENT_DIR": str(content_dir)}


@pytest.fixture
def instructor(make_user: Any, auth: Any) -> Any:
    """A logged-in instructor whose interface is in English."""
    user = make_user("instructor", locale="en")
    auth.login(user.email)
    return user


def page(client: Any, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


# --- access --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/instructor/", "/instructor/modules/intro", "/instructor/quizzes/intro-quiz",
                                  "/instructor/check"])
@pytest.mark.parametrize("role, status", [("student", 403), ("coordinator", 403), ("instructor", 200),
                                          ("admin", 200)])
def test_only_instructors_and_admins_see_the_instructor_pages(client, make_user, auth, path, role, status):
    auth.login(make_user(role).email)
    assert client.get(path).status_code == status


@pytest.mark.parametrize("path", ["/instructor/", "/instructor/quizzes/intro-quiz", "/instructor/check"])
def test_anonymous_visitors_are_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- index ---------------------------------------------------------------------------------

def test_index_lists_modules_quizzes_and_every_problem_errors_first(client, instructor):
    html = page(client, "/instructor/")
    assert 'href="/instructor/modules/intro"' in html and 'href="/instructor/modules/broken"' in html
    assert 'href="/instructor/quizzes/intro-quiz"' in html
    assert "Introduction à la sécurité" in html and "EN, FR" in html
    error = "modules/broken.md:4: key-unknown: unknown key `levle`"
    unreadable = "modules/garbage.md:1: frontmatter-missing"
    warning = "quizzes/intro-quiz.md:37: no-explanation (warning)"
    assert error in html and unreadable in html and warning in html
    assert html.index(error) < html.index(warning) and html.index(unreadable) < html.index(warning)
    assert "the next sync will refuse this content" in html
    assert "never been synced" in html and "Not in the database" in html


def test_index_shows_paths_relative_to_the_content_folder(client, instructor, content_dir):
    problems = page(client, "/instructor/").split("Problems (errors first")[1]
    assert "modules/broken.md:4" in problems and str(content_dir) not in problems


def test_index_compares_the_files_with_the_database_and_shows_the_last_sync(app, client, instructor, content_dir):
    from cyberaware.services.content_sync import sync_content

    (content_dir / "modules" / "broken.md").unlink()
    (content_dir / "modules" / "garbage.md").unlink()
    with app.app_context():
        assert sync_content(content_dir).succeeded
    html = page(client, "/instructor/")
    assert html.count("In sync") == 2 and "Changed since the last sync" not in html
    assert "succeeded" in html and "Created: 2" in html

    quiz_file = content_dir / "quizzes" / "intro-quiz.md"
    quiz_file.write_text(QUIZ.replace("pass: 75%", "pass: 70%"), encoding="utf-8")
    html = page(client, "/instructor/")
    assert html.count("In sync") == 1 and html.count("Changed since the last sync") == 1


def test_index_lists_archived_content_separately(app, client, instructor, content_dir):
    from cyberaware.services.content_sync import sync_content

    for name in ("modules/broken.md", "modules/garbage.md"):
        (content_dir / name).unlink()
    old_module = MODULE_FR.replace("id: intro", "id: old").replace("order: 1", "order: 5")
    write_tree(content_dir, {"modules/old.md": old_module})
    with app.app_context():
        assert sync_content(content_dir).succeeded
        (content_dir / "modules" / "old.md").unlink()
        assert sync_content(content_dir).succeeded
    archived = page(client, "/instructor/").split("Archived in the database")[1]
    assert "<code>old</code>" in archived and "<code>intro</code>" not in archived


# --- previews ------------------------------------------------------------------------------

def test_module_preview_shows_the_module_in_the_language_asked_for(client, instructor):
    html = page(client, "/instructor/modules/intro?lang=fr")
    assert "Introduction à la sécurité" in html and "<strong>tout le monde</strong>" in html
    assert "20 min" in html and "pix-4.1" in html and "<em>Guide d'hygiène</em>" in html
    assert 'href="/instructor/quizzes/intro-quiz?lang=fr"' in html
    english = page(client, "/instructor/modules/intro?lang=en")
    assert "Security basics" in english and "<strong>everyone</strong>" in english
    assert "Introduction à la sécurité" not in english


def test_module_preview_lists_its_problems(client, instructor):
    html = page(client, "/instructor/modules/broken")
    assert "modules/broken.md:4: key-unknown" in html


def test_quiz_preview_shows_answer_key_feedback_pools_and_settings(client, instructor):
    html = page(client, "/instructor/quizzes/intro-quiz")
    correct_option = re.search(r'<li class="choice choice-correct">.*?</li>', html, re.S)
    assert correct_option and "cheval agrafe batterie correct violet" in correct_option.group(0)
    assert "right answer" in correct_option.group(0)
    assert "Les substitutions sont connues des outils de cassage." in html  # option feedback
    assert "La longueur fait la robustesse." in html  # explanation
    assert "Accepted answers:" in html and "<strong>443</strong>" in html
    assert "Pool: Réflexes en cas d&#39;incident" in html and "draws 1 of these 2 questions" in html
    for words in ("Pass mark: 75% of the points", "Attempts: 3 at most", "Grade kept: the last attempt",
                  "Time limit: 10 minutes", "Options are shuffled", "once the student has passed"):
        assert words in html
    assert html.count('class="question ') == 4 and "disabled" in html


@pytest.mark.parametrize("path", ["/instructor/modules/nope", "/instructor/quizzes/nope",
                                  "/instructor/modules/intro-quiz", "/instructor/quizzes/..%2Fmodules%2Fintro"])
def test_unknown_slugs_are_404(client, instructor, path):
    assert client.get(path).status_code == 404


# --- the checker ---------------------------------------------------------------------------

def post_check(client: Any, **data: Any) -> Any:
    data.setdefault("csrf_token", csrf_token(client, "/instructor/check"))
    data.setdefault("kind", "auto")
    return client.post("/instructor/check", data=data, content_type="multipart/form-data")


def test_pasted_broken_quiz_lists_every_error_with_its_line(client, instructor):
    response = post_check(client, text=BROKEN_QUIZ)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for expected in ("pasted.md:7: value-invalid", "pasted.md:11: pick-too-large", "pasted.md:13: "):
        assert expected in html
    assert re.search(r"pasted\.md:13: [a-z-]+", html)
    assert "filename-mismatch" not in html  # the name of pasted text is unknown
    assert "this file would be refused" in html


def test_uploaded_valid_quiz_is_previewed_with_its_answers(client, instructor):
    upload = (io.BytesIO(QUIZ.encode()), "intro-quiz.md")
    html = post_check(client, upload=upload).get_data(as_text=True)
    assert "Result for intro-quiz.md (quiz)" in html and "No error, 1 warnings." in html
    assert "intro-quiz.md:37: no-explanation (warning)" in html
    assert "right answer" in html and "Les substitutions sont connues" in html
    assert "Pass mark: 75% of the points" in html


def test_checker_reports_a_quiz_whose_module_is_not_in_the_content_folder(client, instructor):
    text = QUIZ.replace("module: intro", "module: intros")
    html = post_check(client, text=text, kind="quiz").get_data(as_text=True)
    assert "pasted.md:3: module-unknown: quiz names unknown module `intros` (did you mean `intro`?)" in html


def test_pasted_module_is_previewed_and_raw_html_is_stripped(client, instructor):
    text = MODULE_EN.replace("Attacks target", "<script>alert(1)</script>Attacks target")
    html = post_check(client, text=text).get_data(as_text=True)
    assert "Result for pasted.md (module)" in html and "No problem found." in html
    assert "<strong>everyone</strong>" in html and "<script>alert" not in html


def test_non_utf8_upload_gets_a_clear_error(client, instructor):
    upload = (io.BytesIO("---\ntitle: é\n".encode("latin-1")), "latin.md")
    response = post_check(client, upload=upload)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "The file is not UTF-8 text" in html and "Result for" not in html


def test_oversized_or_non_markdown_uploads_are_refused(client, instructor):
    big = (io.BytesIO(b"x" * (1024 * 1024 + 1)), "big.md")
    assert "The file is larger than 1 MB." in post_check(client, upload=big).get_data(as_text=True)
    text = (io.BytesIO(QUIZ.encode()), "quiz.txt")
    assert "Upload a Markdown file ending in .md." in post_check(client, upload=text).get_data(as_text=True)


def test_empty_submission_gets_a_clear_error(client, instructor):
    response = post_check(client, text="   \n")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Paste a module or quiz, or upload a .md file." in html and "Result for" not in html


def test_text_and_file_together_are_refused(client, instructor):
    upload = (io.BytesIO(QUIZ.encode()), "intro-quiz.md")
    html = post_check(client, text=QUIZ, upload=upload).get_data(as_text=True)
    assert "not both" in html and "Result for" not in html


def test_check_without_csrf_token_is_refused(client, instructor):
    response = client.post("/instructor/check", data={"text": QUIZ, "kind": "auto"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The form expired" in html and "Result for" not in html


def test_real_curriculum_index_has_no_error(client, instructor, app):
    app.config["CONTENT_DIR"] = str(Path(__file__).resolve().parents[2])
    html = page(client, "/instructor/")
    assert "Valid: the content can be synced." in html
    assert 'href="/instructor/quizzes/passwords-mfa-quiz"' in html
