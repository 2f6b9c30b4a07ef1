"""Phone (390×844) and desktop (1280×800) screenshots of the main pages.

Always taken (into a temporary folder) so that the pages are checked to render at both sizes
without horizontal scrolling; to refresh the committed ones in docs/screenshots/:

    CYBERAWARE_SCREENSHOTS_DIR=docs/screenshots .venv/bin/python -m pytest -q tests/e2e

(run with the whole suite, the coordinator dashboard shows the students of the roster test).
Images are saved as 256-colour PNGs to keep them small.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PIL import Image

from tests.e2e.conftest import PASSWORD, STAFF
from tests.e2e.helpers import (apply_plan, core_module_ids, login, logout, plan_answers, set_language, start_quiz,
                               submit_quiz)

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
STUDENT = "camille.screens@etu.univ-amu.fr"
QUIZ_CHECK = """---
id: demo-quiz
module: passwords-mfa
title: Quiz d'essai
lang: fr
pass: 80%
attemps: 2
---
### Quel port utilise HTTPS ? <!-- id=https-port -->

- [x] 443
- [x] 80
"""


def shoot(page: Any, folder: Path, name: str, size: str) -> Path:
    page.wait_for_load_state("networkidle")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    wide = page.evaluate("""(limit) => Array.from(document.querySelectorAll('body *'))
      .filter(e => e.getBoundingClientRect().right > limit + 1)
      .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""",
                         SIZES[size]["width"])
    assert width <= SIZES[size]["width"], f"{name} scrolls sideways at {size} size ({width} px): {wide}"
    target = folder / f"{name}-{size}.png"
    page.screenshot(path=str(target), animations="disabled", caret="hide")
    with Image.open(target) as image:
        assert image.size == (SIZES[size]["width"], SIZES[size]["height"]), image.size
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
    return target


def test_screenshots(server: Any, new_context: Any, tmp_path: Path) -> None:
    folder = Path(os.environ.get("CYBERAWARE_SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    server.flask("users", "create", STUDENT, "--password", PASSWORD, "--first-name", "Camille",
                 "--last-name", "Exemple")
    first, second = core_module_ids()[:2]
    taken: list[Path] = []
    for size, viewport in SIZES.items():
        student = new_context(viewport=viewport, is_mobile=size == "phone", has_touch=size == "phone").new_page()
        student.goto("/login")
        taken.append(shoot(student, folder, "login", size))
        login(student, STUDENT, PASSWORD)
        if size == "phone":  # once: a passed module, for the dashboard and the review
            start_quiz(student, first)
            plan = plan_answers(student)
            wrong = next(f.question for f in plan.fields if f.kind == "radio")
            apply_plan(student, plan)
            apply_plan(student, plan, only={wrong}, wrong={wrong})
            submit_quiz(student)
            result_url = student.url
        student.goto("/learn/")
        taken.append(shoot(student, folder, "student-dashboard", size))
        student.goto(f"/learn/modules/{second}")
        taken.append(shoot(student, folder, "module", size))
        start_quiz(student, second)
        taken.append(shoot(student, folder, "quiz", size))
        student.goto(result_url)
        student.locator(".choice-wrong").first.scroll_into_view_if_needed()
        taken.append(shoot(student, folder, "result-review", size))

        staff = new_context(viewport=viewport, is_mobile=size == "phone", has_touch=size == "phone").new_page()
        login(staff, STAFF["coordinator"], PASSWORD)
        staff.goto("/coordinator/dashboard")
        set_language(staff, "fr")  # the account may have kept English from another test
        staff.locator("#overall-heading").scroll_into_view_if_needed()
        taken.append(shoot(staff, folder, "coordinator-dashboard", size))
        logout(staff)
        login(staff, STAFF["instructor"], PASSWORD)
        staff.goto("/instructor/check")
        set_language(staff, "fr")
        staff.fill("#text", QUIZ_CHECK)
        staff.locator("form #submit").click()
        staff.wait_for_load_state()
        staff.locator("#check-problems").scroll_into_view_if_needed()
        taken.append(shoot(staff, folder, "instructor-check", size))
    assert len(taken) == 14
    for path in taken:
        assert path.stat().st_size < 400_000, f"{path.name} is {path.stat().st_size} bytes"
