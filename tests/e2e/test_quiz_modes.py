"""The quiz with the keyboard alone, without JavaScript, and what JavaScript adds (timer, autosave,
the warning before leaving unsaved answers). Plus a check that the axe audit itself can fail."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

from tests.e2e.conftest import PASSWORD
from tests.e2e.helpers import (Field, apply_plan, assert_in_language, core_module_ids, curriculum, form_values,
                               login, plan_answers, result_score, start_quiz, submit_quiz)

NUMBERS = itertools.count(1)
TIMED_MODULE = "cyber-careers"  # advanced, 20-minute time limit, needs only the first core module


@pytest.fixture
def student(server: Any) -> Any:
    """A new student account made with the CLI; returns its e-mail."""
    address = f"student.{next(NUMBERS)}@etu.univ-amu.fr"
    server.flask("users", "create", address, "--password", PASSWORD, "--first-name", "Test", "--last-name", "Clavier")
    return address


def focused(page: Any) -> dict[str, Any]:
    return page.evaluate("""() => { const e = document.activeElement; return {tag: e.tagName.toLowerCase(),
      type: e.type || '', name: e.name || '', value: e.value || '', checked: !!e.checked,
      action: e.getAttribute('value') || '', text: (e.innerText || '').trim(),
      options: e.tagName === 'SELECT' ? Array.from(e.options).map(o => o.value) : []}; }""")


def tab_to(page: Any, matches: Any, limit: int = 80) -> dict[str, Any]:
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if matches(element):
            return element
    raise AssertionError("Tab never reached the element")


def answer_with_keyboard(page: Any, fields: list[Field]) -> None:
    """Walk the form with Tab and set every control with Space, the arrows or typing; never a click."""
    radios = {f.name: f.value for f in fields if f.kind == "radio"}
    boxes = {(f.name, f.value): f.checked for f in fields if f.kind == "checkbox"}
    texts = {f.name: f.value for f in fields if f.kind == "text"}
    selects = {f.name: f.value for f in fields if f.kind == "select"}
    todo = set(radios) | set(boxes) | set(texts) | set(selects)
    for _ in range(600):
        page.keyboard.press("Tab")
        element = focused(page)
        name = element["name"]
        if element["type"] == "radio" and name in radios:
            for _ in range(20):
                if element["value"] == radios[name]:
                    break
                page.keyboard.press("ArrowDown")  # moves to the next option and selects it
                element = focused(page)
            if not element["checked"]:
                page.keyboard.press("Space")
            todo.discard(name)
        elif element["type"] == "checkbox" and (name, element["value"]) in boxes:
            if element["checked"] != boxes[(name, element["value"])]:
                page.keyboard.press("Space")
            todo.discard((name, element["value"]))
        elif element["tag"] == "input" and name in texts:
            page.keyboard.type(texts[name])
            todo.discard(name)
        elif element["tag"] == "select" and name in selects:
            options = element["options"]
            steps = options.index(selects[name]) - options.index(element["value"])
            for _ in range(abs(steps)):
                page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
            assert focused(page)["value"] == selects[name], (name, focused(page))
            todo.discard(name)
        elif element["tag"] == "button" and element["action"] == "submit":
            assert not todo, f"the keyboard never reached {sorted(map(str, todo))}"
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return
    raise AssertionError("Tab never reached the submit button")


def test_quiz_with_the_keyboard_alone(page: Any, student: str) -> None:
    login(page, student, PASSWORD)
    module = core_module_ids()[0]
    page.goto(f"/learn/modules/{module}")
    page.keyboard.press("Tab")
    assert focused(page)["text"] in ("Aller au contenu", "Skip to content")  # the skip link comes first
    page.keyboard.press("Enter")
    tab_to(page, lambda e: e["tag"] == "button" and "quiz" in e["text"].lower())
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/learn/attempts/"))

    plan = plan_answers(page)
    before = form_values(page)
    assert all(value == "" for value in before.values()), before  # nothing ticked, typed or chosen yet
    answer_with_keyboard(page, plan.fields)
    assert page.locator(".result-pass").count() == 1, result_score(page)
    assert page.locator(".question-result .verdict-bad, .question-result .verdict-partial").count() == 0
    quiz = curriculum().quiz(plan.quiz_id, plan.lang)
    assert f"({quiz.max_points:g} / {quiz.max_points:g} points)" in result_score(page)


def pass_first_module(page: Any) -> None:
    start_quiz(page, core_module_ids()[0])
    apply_plan(page, plan_answers(page))
    submit_quiz(page)
    assert page.locator(".result-pass").count() == 1


def test_quiz_without_javascript(new_context: Any, student: str) -> None:
    page = new_context(java_script_enabled=False).new_page()
    login(page, student, PASSWORD)
    assert page.evaluate("() => 1") == 1  # Playwright still reads the page; the page's own scripts do not run
    pass_first_module(page)

    # A timed quiz: the deadline is printed by the server; the countdown needs JavaScript.
    start_quiz(page, TIMED_MODULE)
    assert page.locator("#deadline").is_visible()
    assert page.locator("[role=timer]").count() == 0
    plan = plan_answers(page)
    questions = list(dict.fromkeys(f.question for f in plan.fields))
    apply_plan(page, plan, only=set(questions[:3]))
    page.locator("form.quiz-form button[value=save]").click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1
    saved = form_values(page)
    assert saved, "nothing was saved"
    page.reload()
    assert form_values(page) == saved
    apply_plan(page, plan, only=set(questions[3:]))
    submit_quiz(page)
    assert page.locator(".result-pass").count() == 1, result_score(page)
    assert page.locator(".question-result .verdict-ok").count() == len(questions)


def test_javascript_timer_autosave_and_leave_warning(new_context: Any, student: str) -> None:
    context = new_context()
    page = context.new_page()
    login(page, student, PASSWORD)
    pass_first_module(page)

    page.clock.install()
    start_quiz(page, TIMED_MODULE)
    attempt_url = page.url
    assert_in_language(page, "fr")
    timer = page.locator("[role=timer]")

    def seconds_left() -> int:
        match = re.fullmatch(r"Temps restant : (\d+):(\d\d)", timer.inner_text())
        assert match, timer.inner_text()
        return int(match.group(1)) * 60 + int(match.group(2))

    start = seconds_left()
    assert 19 * 60 <= start <= 20 * 60
    page.clock.run_for(65_000)
    assert start - 66 <= seconds_left() <= start - 64

    # Autosave: 30 s after a change, the answers are posted in the background (204).
    plan = plan_answers(page)
    first = plan.fields[0].question
    apply_plan(page, plan, only={first})
    with page.expect_response(lambda r: r.url == attempt_url and r.request.method == "POST"
                              and r.request.headers.get("x-autosave") == "1") as autosave:
        page.clock.run_for(31_000)
    assert autosave.value.status == 204
    saved = form_values(page)
    other = context.new_page()
    other.goto(attempt_url)
    assert form_values(other) == saved, "the autosaved answer is not on the server"
    other.close()

    # Leaving with unsaved answers asks first; staying keeps the page.
    second = next(f.question for f in plan.fields if f.question != first)
    apply_plan(page, plan, only={second})
    dialogs: list[str] = []

    def stay(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.locator("nav.breadcrumb a").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url == attempt_url
    page.remove_listener("dialog", stay)

    # Submitting does not ask, and the answers that were never saved are graded all the same.
    page.on("dialog", lambda dialog: dialogs.append(dialog.type) or dialog.accept())
    apply_plan(page, plan)
    submit_quiz(page)
    assert dialogs == ["beforeunload"]
    assert page.locator(".result-pass").count() == 1, result_score(page)


def test_the_accessibility_audit_can_fail(page: Any, axe: Any) -> None:
    """The audit runs under the page's real CSP and reports what it must (an image without text
    alternative and an unlabelled field are critical)."""
    page.goto("/login")
    axe.check(page, "login (self-test, before)")
    page.evaluate("""() => {
      const img = document.createElement('img'); img.src = '/static/favicon.svg';
      const input = document.createElement('input'); input.type = 'text';
      document.querySelector('main').append(img, input);
    }""")
    with pytest.raises(AssertionError) as failure:
        axe.check(page, "login (self-test, broken)")
    assert "image-alt" in str(failure.value) and "label" in str(failure.value)
    from tests.e2e.helpers import AUDITS

    AUDITS.pop()  # the deliberate failure is not one of the application's
