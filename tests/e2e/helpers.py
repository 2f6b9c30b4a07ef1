"""Helpers of the end-to-end suite: the SMTP sink, axe-core, logging in, the language switch,
and answering a quiz through the browser from the answer key of the Markdown files.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
LANGS = ("fr", "en")
#: The footer sentence, a piece of interface text on every page, in each language.
FOOTER = {"fr": "sensibilisation à la cybersécurité pour les étudiant·es d'Aix-Marseille Université",
          "en": "cybersecurity awareness for Aix-Marseille Université students"}
BLOCKING_IMPACTS = ("serious", "critical")


# --- mail ---------------------------------------------------------------------------------------

@dataclass
class Mail:
    to: list[str]
    subject: str
    body: str

    def link(self, path_prefix: str) -> str:
        """The first absolute link of the body whose path starts with ``path_prefix``."""
        match = re.search(r"https?://[^\s/]+(" + re.escape(path_prefix) + r"[^\s]*)", self.body)
        assert match, f"no {path_prefix} link in the e-mail:\n{self.body}"
        return match.group(0)


class Mailbox:
    """aiosmtpd handler keeping every message; ``wait_for(address)`` returns the next one for it."""

    def __init__(self) -> None:
        self.port = 0
        self.messages: list[Mail] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        with self._lock:
            self.messages.append(Mail(to=[a.lower() for a in envelope.rcpt_tos], subject=str(message["Subject"]),
                                      body=body.get_content() if body is not None else ""))
        return "250 Message accepted for delivery"

    def for_address(self, address: str) -> list[Mail]:
        with self._lock:
            return [m for m in self.messages if address.lower() in m.to]

    def wait_for(self, address: str, count: int = 1, timeout: float = 15) -> Mail:
        """The ``count``-th message sent to ``address`` (waits for it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.for_address(address)
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"no e-mail #{count} to {address} within {timeout} s "
                             f"(got {len(self.for_address(address))})")


# --- axe-core -----------------------------------------------------------------------------------

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\\s+/g, ' '))}));
}"""

#: Every audit of the session: (label, url, lang, number of blocking violations); printed at the end.
AUDITS: list[tuple[str, str, str, int]] = []


class Axe:
    """Runs the pinned axe-core on a page. The script is evaluated through the DevTools protocol,
    so the page keeps its real Content-Security-Policy (no bypass)."""

    def __init__(self, script: Path) -> None:
        self.source = script.read_text(encoding="utf-8")
        self.seconds = 0.0

    def violations(self, page: Any) -> list[dict[str, Any]]:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(self.source)
        return page.evaluate(AXE_RUN)

    def check(self, page: Any, label: str) -> None:
        """Fail on any violation of impact serious or critical on the current page."""
        started = time.monotonic()
        found = self.violations(page)
        self.seconds += time.monotonic() - started
        blocking = [v for v in found if v["impact"] in BLOCKING_IMPACTS]
        AUDITS.append((label, page.url, page_lang(page), len(blocking)))
        assert not blocking, (f"axe: {len(blocking)} serious/critical violation(s) on {label} ({page.url}, "
                              f"{page_lang(page)}):\n" + "\n".join(
                                  f"- [{v['impact']}] {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"])
                                  for v in blocking))


# --- pages, languages, accounts ------------------------------------------------------------------

def page_lang(page: Any) -> str:
    return page.evaluate("() => document.documentElement.lang")


def switch_language(page: Any) -> str:
    """Press the language switch in the header; return the new language."""
    before = page_lang(page)
    page.locator("header form[action^='/language/'] button").click()
    page.wait_for_load_state()
    after = page_lang(page)
    assert after != before, f"the language switch left {page.url} in {before}"
    return after


def set_language(page: Any, lang: str) -> None:
    if page_lang(page) != lang:
        switch_language(page)


def assert_in_language(page: Any, lang: str, *texts: str) -> None:
    """The page is in ``lang``: its ``lang`` attribute, the interface text of the footer, and
    ``texts`` (interface strings of the page in that language)."""
    assert page_lang(page) == lang, f"{page.url} is in {page_lang(page)}, not {lang}"
    footer = page.locator("footer").inner_text()
    assert FOOTER[lang] in footer, f"{page.url}: footer not in {lang}: {footer!r}"
    other = "en" if lang == "fr" else "fr"
    assert FOOTER[other] not in page.content()
    body = page.locator("body").inner_text()
    for text in texts:
        assert text in body, f"{page.url} ({lang}): {text!r} missing"


def audit_both_languages(page: Any, axe: Axe, label: str, expect: dict[str, tuple[str, ...]] | None = None) -> None:
    """On a page reached by GET: check it and run axe in its language, switch language with the
    header button, check and run axe again, and switch back. ``expect`` maps a language to
    interface strings the page must show in that language."""
    expect = expect or {}
    url_before = page.url
    first = page_lang(page)
    for lang in (first, "en" if first == "fr" else "fr"):
        if lang != first:
            switch_language(page)
            assert page.url == url_before, f"the language switch moved {url_before} to {page.url}"
        assert_in_language(page, lang, *expect.get(lang, ()))
        axe.check(page, f"{label} [{lang}]")
    switch_language(page)
    assert page_lang(page) == first


def login(page: Any, address: str, password: str) -> None:
    page.goto("/login")
    page.fill("#email", address)
    page.fill("#password", password)
    page.locator("form [type=submit]#submit").click()
    page.wait_for_load_state()
    assert page.locator("header form[action='/logout']").count() == 1, f"login failed for {address}: {page.url}"


def logout(page: Any) -> None:
    page.locator("header form[action='/logout'] button").click()
    page.wait_for_load_state()


# --- the answer key ------------------------------------------------------------------------------

def plain(markup: str) -> str:
    """Visible text of an HTML fragment, without whitespace: a key to compare with ``_norm`` of
    what the browser shows (inline tags and line breaks change only the spacing)."""
    return _norm(html.unescape(re.sub(r"<[^>]+>", "", markup)))


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


@lru_cache(maxsize=1)
def curriculum() -> Any:
    """The curriculum of modules/ and quizzes/, parsed by the application's own (pure) parser."""
    from cyberaware.content import load_content

    content = load_content(REPO_ROOT)
    assert content.ok(), content.errors
    return content


def core_module_ids() -> list[str]:
    content = curriculum()
    modules = [m for (_, lang), m in content.modules.items() if lang == "fr" and m.level == "core"]
    return [m.id for m in sorted(modules, key=lambda m: m.order)]


def module_title(module_id: str, lang: str) -> str:
    return curriculum().module(module_id, lang).title


def _blank_answer(question: Any, index: int) -> str:
    """A right answer for blank ``index``, checked with the application's grader."""
    from cyberaware.grading import grade_question

    blank = question.blanks[index]
    if blank.kind == "text":
        candidates = list(blank.accepted)
    elif blank.kind == "regex":
        pattern = blank.pattern or ""
        candidates = [re.sub(r".\?", "", pattern), re.sub(r"\?", "", pattern), pattern.replace("\\", "")]
    elif blank.low is not None and blank.high is not None:
        candidates = [f"{(blank.low + blank.high) / 2:g}"]
    else:
        candidates = [f"{blank.value:g}"]
    for candidate in candidates:
        answers = [""] * len(question.blanks)
        answers[index] = candidate
        result = grade_question(question, answers)
        if index < len(result.parts) and result.parts[index]:
            return candidate
    raise AssertionError(f"no right answer found for blank {index} of {question.id}")


@dataclass
class Field:
    """One form control to set: ``kind`` is radio, checkbox, text or select."""

    kind: str
    name: str
    value: str  # radio/checkbox/select: the value to pick; text: the text to type
    question: str
    checked: bool = True  # checkboxes: whether it must end up checked


@dataclass
class QuizPlan:
    quiz_id: str
    lang: str
    fields: list[Field] = field(default_factory=list)
    types: set[str] = field(default_factory=set)


READ_FORM = """() => Array.from(document.querySelectorAll('form.quiz-form fieldset.question')).map(fs => ({
  id: fs.id.replace(/^question-/, ''),
  type: Array.from(fs.classList).find(c => c.startsWith('question-') && c !== 'question-graded').slice(9),
  choices: Array.from(fs.querySelectorAll('input[type=radio], input[type=checkbox]')).map(i => ({
    name: i.name, value: i.value, text: fs.querySelector('label[for="' + i.id + '"]').innerText})),
  blanks: Array.from(fs.querySelectorAll('input.blank')).map(i => i.name),
  selects: Array.from(fs.querySelectorAll('select')).map(s => ({
    name: s.name, label: fs.querySelector('label[for="' + s.id + '"]').innerText,
    options: Array.from(s.options).map(o => ({value: o.value, text: o.text}))})),
}))"""


def _quiz_for_page(page: Any) -> tuple[str, list[Any]]:
    href = page.locator("nav.breadcrumb a").first.get_attribute("href") or ""
    slug = href.rstrip("/").rsplit("/", 1)[-1]
    quiz_ids = curriculum().quizzes_for_module(slug)
    assert len(quiz_ids) == 1, f"module {slug!r} from {href!r}: quizzes {quiz_ids}"
    return quiz_ids[0], [curriculum().quiz(quiz_ids[0], lang) for lang in LANGS]


def plan_answers(page: Any) -> QuizPlan:
    """Read the quiz form shown on ``page`` and decide, from the Markdown answer key, which value
    each control must get for every question to be right. Options are matched by their text
    (the page only carries display positions, shuffled per attempt)."""
    quiz_id, translations = _quiz_for_page(page)
    shown = page.evaluate(READ_FORM)
    assert shown, f"no question on {page.url}"
    errors: list[str] = []
    for quiz in translations:
        try:
            return _plan(quiz, shown)
        except LookupError as error:
            errors.append(f"{quiz.lang}: {error}")
    raise AssertionError(f"the page does not match {quiz_id} in any language: {errors}")


def _plan(quiz: Any, shown: list[dict[str, Any]]) -> QuizPlan:
    plan = QuizPlan(quiz_id=quiz.id, lang=quiz.lang)
    for item in shown:
        question = quiz.question(item["id"])
        if question is None or question.type != item["type"]:
            raise LookupError(f"question {item['id']} ({item['type']})")
        plan.types.add(question.type)
        if question.type in ("single", "multi"):
            by_text = {_norm(c["text"]): c for c in item["choices"]}
            if len(by_text) != len(question.options) or len(item["choices"]) != len(question.options):
                raise LookupError(f"{question.id}: {len(item['choices'])} options shown")
            for option in question.options:
                choice = by_text.get(plain(option.html))
                if choice is None:
                    raise LookupError(f"{question.id}: option {plain(option.html)!r} not shown")
                right = bool(option.correct) if option.weight is None else option.weight > 0
                if question.type == "single" and right:
                    plan.fields.append(Field("radio", choice["name"], choice["value"], question.id))
                elif question.type == "multi":
                    plan.fields.append(Field("checkbox", choice["name"], choice["value"], question.id, right))
        elif question.type in ("short", "numeric"):
            if len(item["blanks"]) != len(question.blanks):
                raise LookupError(f"{question.id}: {len(item['blanks'])} blanks shown")
            for index, name in enumerate(item["blanks"]):
                plan.fields.append(Field("text", name, _blank_answer(question, index), question.id))
        elif question.type == "match":
            lefts = {plain(h): i for i, h in enumerate(question.match_left)}
            for select in item["selects"]:
                left = lefts.get(_norm(select["label"]))
                if left is None:
                    raise LookupError(f"{question.id}: item {select['label']!r}")
                wanted = plain(question.match_right[left])
                values = [o["value"] for o in select["options"] if _norm(o["text"]) == wanted]
                if len(values) != 1:
                    raise LookupError(f"{question.id}: answer {wanted!r}")
                plan.fields.append(Field("select", select["name"], values[0], question.id))
        elif question.type == "order":
            ranks = {plain(h): i + 1 for i, h in enumerate(question.order_items)}
            for select in item["selects"]:
                rank = ranks.get(_norm(select["label"]))
                if rank is None:
                    raise LookupError(f"{question.id}: step {select['label']!r}")
                plan.fields.append(Field("select", select["name"], str(rank), question.id))
    return plan


def apply_plan(page: Any, plan: QuizPlan, only: set[str] | None = None, wrong: set[str] | None = None) -> None:
    """Set the form controls of ``plan`` (those of the questions in ``only``, if given). Questions in
    ``wrong`` get a wrong answer instead (another option, another value)."""
    wrong = wrong or set()
    for f in plan.fields:
        if only is not None and f.question not in only:
            continue
        locator = page.locator(f'[name="{f.name}"]' + (f'[value="{f.value}"]' if f.kind in ("radio", "checkbox") else ""))
        if f.question in wrong:
            _apply_wrong(page, f)
        elif f.kind == "radio":
            locator.check()
        elif f.kind == "checkbox":
            locator.set_checked(f.checked)
        elif f.kind == "text":
            locator.fill(f.value)
        else:
            locator.select_option(value=f.value)


def _apply_wrong(page: Any, f: Field) -> None:
    if f.kind == "radio":
        page.locator(f'[name="{f.name}"]:not([value="{f.value}"])').first.check()
    elif f.kind == "checkbox":
        page.locator(f'[name="{f.name}"][value="{f.value}"]').set_checked(not f.checked)
    elif f.kind == "text":
        page.locator(f'[name="{f.name}"]').fill("99999")
    else:
        page.locator(f'[name="{f.name}"]').select_option(value="")


def form_values(page: Any) -> dict[str, Any]:
    """The current values of the quiz form's controls (checked radios/checkboxes, texts, selects)."""
    return page.evaluate("""() => {
      const out = {};
      for (const el of document.querySelectorAll('form.quiz-form input, form.quiz-form select')) {
        if (el.type === 'hidden') continue;
        if (el.type === 'radio' || el.type === 'checkbox') { if (el.checked) out[el.name + '=' + el.value] = true; }
        else out[el.name] = el.value;
      }
      return out;
    }""")


def submit_quiz(page: Any) -> None:
    with page.expect_navigation():
        page.locator("form.quiz-form button[value=submit]").click()


def start_quiz(page: Any, module_id: str) -> None:
    """Open the module page and press "Take the quiz" (or "Resume")."""
    page.goto(f"/learn/modules/{module_id}")
    page.locator("form[action$='/quiz'] button").click()
    page.wait_for_url(re.compile(r"/learn/attempts/"))


def result_score(page: Any) -> str:
    return page.locator(".result-summary .score").inner_text()
