"""A student's whole journey in the browser: registration with the e-mailed activation link,
a module, a quiz with every question type, its result and review, resuming an attempt after a
reload, the whole core curriculum, and the attestation PDF whose code verifies at /verify/<code>.

axe-core runs on every page of the journey, in French and in English (through the header's
language switch, which must keep the page).
"""

from __future__ import annotations

import io
import re
from typing import Any

from tests.e2e.conftest import PASSWORD
from tests.e2e.helpers import (apply_plan, assert_in_language, audit_both_languages, core_module_ids,
                               curriculum, form_values, login, module_title, plan_answers, result_score,
                               start_quiz, submit_quiz)

STUDENT = {"first": "Léa", "last": "Martin-E2E", "email": "lea.martin.e2e@etu.univ-amu.fr"}
ALL_TYPES = {"single", "multi", "short", "numeric", "match", "order"}


def register(page: Any, axe: Any, mailbox: Any) -> None:
    page.goto("/register")
    audit_both_languages(page, axe, "register", {"fr": ("Créer un compte",), "en": ("Create an account",)})

    # A first try with a mistake: the form shows the errors, linked from a summary, in French.
    page.fill("#first_name", STUDENT["first"])
    page.fill("#last_name", STUDENT["last"])
    page.fill("#email", STUDENT["email"])
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD + " typo")
    page.locator("form #submit").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.locator("#confirm").get_attribute("aria-invalid") == "true"
    axe.check(page, "register with errors [fr]")
    assert mailbox.for_address(STUDENT["email"]) == []

    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.locator("form #submit").click()
    page.wait_for_load_state()
    assert_in_language(page, "fr", STUDENT["email"])
    axe.check(page, "check your mailbox [fr]")

    # The activation link arrives through real SMTP; before it, the account cannot log in.
    mail = mailbox.wait_for(STUDENT["email"])
    assert STUDENT["first"] in mail.body
    page.goto("/login")
    page.fill("#email", STUDENT["email"])
    page.fill("#password", PASSWORD)
    page.locator("form #submit").click()
    assert page.locator(".flash-error").count() == 1
    axe.check(page, "login refused [fr]")

    page.goto(mail.link("/activate/"))
    assert page.locator(".flash-success").count() == 1
    audit_both_languages(page, axe, "login", {"fr": ("Se connecter",), "en": ("Log in",)})
    login(page, STUDENT["email"], PASSWORD)


def first_quiz(page: Any, axe: Any) -> None:
    """why-cybersecurity: read it, save half the answers, reload, resume, submit with one wrong."""
    module = core_module_ids()[0]
    page.goto(f"/learn/modules/{module}")
    assert page.locator("h1").inner_text() == module_title(module, "fr")
    body = page.locator(".module-body").inner_text()
    assert len(body) > 1000  # the real module text
    audit_both_languages(page, axe, "module page",
                         {"fr": (module_title(module, "fr"), "Faire le quiz"),
                          "en": (module_title(module, "en"), "Take the quiz")})
    page.goto("/learn/")
    assert page.locator(f"a[href='/learn/modules/{module}'] >> xpath=ancestor::li").locator(
        ".badge-in_progress").count() == 1

    start_quiz(page, module)
    attempt_url = page.url
    plan = plan_answers(page)
    assert plan.types == ALL_TYPES, plan.types
    audit_both_languages(page, axe, "quiz attempt",
                         {"fr": ("Envoyer mes réponses",), "en": ("Submit my answers",)})

    questions = list(dict.fromkeys(f.question for f in plan.fields))
    first_half = set(questions[: len(questions) // 2])
    apply_plan(page, plan, only=first_half)
    saved = form_values(page)
    page.locator("form.quiz-form button[value=save]").click()
    page.wait_for_load_state()
    assert page.url == attempt_url
    assert page.locator(".flash-success").count() == 1

    page.reload()
    assert form_values(page) == saved, "the saved answers did not come back after a reload"
    page.goto(f"/learn/modules/{module}")
    page.get_by_role("button", name="Reprendre ma tentative").click()
    page.wait_for_url(attempt_url)
    assert form_values(page) == saved

    quiz = curriculum().quiz(plan.quiz_id, plan.lang)
    wrong = next(q for q in questions if quiz.question(q).type == "single")
    apply_plan(page, plan, only=set(questions) - first_half - {wrong})
    apply_plan(page, plan, only={wrong}, wrong={wrong})
    submit_quiz(page)
    assert page.url == attempt_url  # the result lives at the attempt's address

    total = sum(quiz.question(q).points for q in questions)
    lost = quiz.question(wrong).points
    score = result_score(page)
    assert f"({total - lost:g} / {total:g} points)" in score, score
    assert page.locator(".result-pass").count() == 1
    review_wrong = page.locator(f"#question-{wrong}")
    assert review_wrong.locator(".question-result .verdict-bad").count() == 1
    assert review_wrong.locator(".choice-wrong").count() == 1
    assert review_wrong.locator(".key-correct").count() == 1  # after_submit review: the right answer
    assert page.locator(".question-result .verdict-ok").count() == len(questions) - 1
    assert page.locator(".explanation").count() >= 1
    audit_both_languages(page, axe, "result and review",
                         {"fr": ("Réussi", "Vos réponses"), "en": ("Passed", "Your answers")})


def rest_of_core(page: Any) -> None:
    for module in core_module_ids()[1:]:
        start_quiz(page, module)
        plan = plan_answers(page)
        quiz = curriculum().quiz(plan.quiz_id, plan.lang)
        assert plan.types == {q.type for q in quiz.questions}, (module, plan.types)
        apply_plan(page, plan)
        submit_quiz(page)
        assert page.locator(".result-pass").count() == 1, (module, result_score(page))
        assert page.locator(".question-result .verdict-bad, .question-result .verdict-partial").count() == 0


def attestation(page: Any, axe: Any) -> None:
    from pypdf import PdfReader

    page.goto("/learn/")
    assert page.locator("progress").first.get_attribute("value") == "100"
    audit_both_languages(page, axe, "student dashboard", {"fr": ("Mes modules",), "en": ("My modules",)})
    page.locator(".flash-success a[href='/learn/attestation']").click()
    audit_both_languages(page, axe, "attestation page", {"fr": ("Mon attestation",), "en": ("My attestation",)})

    with page.expect_download() as download_info:
        page.locator("a[href$='attestation.pdf?lang=fr']").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = PdfReader(io.BytesIO(open(download.path(), "rb").read()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert STUDENT["last"] in text and STUDENT["first"] in text
    for module in core_module_ids():
        first_words = " ".join(module_title(module, "fr").split()[:2])
        assert first_words in re.sub(r"\s+", " ", text), (first_words, text)
    code = re.search(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){4}\b", text)
    assert code, text

    # Anyone can check it: in a fresh browser, without an account, even typed in lower case.
    visitor = page.context.browser.new_context(base_url=page.url.split("/learn")[0], locale="fr-FR")
    try:
        check = visitor.new_page()
        check.goto(f"/verify/{code.group(0).lower()}")
        assert check.locator(".result-pass").count() == 1
        assert f"{STUDENT['first']} {STUDENT['last']}" in check.locator(".facts").inner_text()
        assert check.locator("tbody tr").count() == len(core_module_ids())
        audit_both_languages(check, axe, "attestation check", {"fr": ("Titulaire",), "en": ("Holder",)})
        check.goto("/verify/ABCD-EFGH-JKMN-PQRS-TVWX")
        assert check.locator(".flash-error").count() == 1
    finally:
        visitor.close()


def test_student_journey(page: Any, axe: Any, mailbox: Any) -> None:
    register(page, axe, mailbox)
    assert_in_language(page, "fr", "Mes modules")
    assert page.locator(".module-list li").count() == 14  # 10 core + 4 advanced
    first_quiz(page, axe)
    rest_of_core(page)
    attestation(page, axe)
