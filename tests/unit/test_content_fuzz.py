"""Property-based tests: no input makes the parsers raise; problems come back instead."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from content_helpers import quiz_text

from cyberaware.content import Module, Problem, Quiz, parse_module, parse_quiz, render_markdown

VALID_QUIZ = quiz_text(
    "Intro **texte**.\n\n"
    "### Q1 <!-- id=q1 -->\n\n- [ ] a\n  > retour\n- [x] b\n\n> e\n\n"
    "### Q2 <!-- id=q2 type=multi points=2 -->\n\n- [x] a {50%}\n- [x] b {50%}\n- [ ] c {-25%}\n\n> e\n\n"
    "### Q3 [[443]] et [[3,14 ± 0.01]] <!-- id=q3 -->\n\n> e\n\n"
    "### Q4 <!-- id=q4 -->\n\nLe [[mot|terme]] ou [[/re+gex/]] ou [[1..5]].\n\n> e\n\n"
    "## Pool <!-- pick=1 -->\n\n"
    "### Q5 <!-- id=q5 type=match -->\n\n| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n| | 5 |\n\n> e\n\n"
    "### Q6 <!-- id=q6 type=order -->\n\n```\ncode [[x]]\n```\n\n1. a\n2. b\n\n> e\n",
    extra="draw: 4\nshuffle: [options]\ntime_limit: 10m\n",
)
VALID_MODULE = (
    "---\nid: m\ntitle: T\nlang: fr\nprerequisites: [a]\nsources: [x]\n---\n"
    "## Titre\n\n!!! warning \"A\"\n    texte\n\n| a | b |\n|-|-|\n| 1 | 2 |\n"
)
MARKUP = st.sampled_from([
    "---", "###", "##", "- [x]", "- [ ]", "[[", "]]", "|", "1.", ">", "  >", "<!--", "-->", "id=",
    "pick=", "type=", "{50%}", "```", "~~~", "\n", "\n\n", ":", "\x00", "\udcff", "±", "..", "/", "\t",
])


def check_result(item, problems, kind) -> None:
    assert item is None or isinstance(item, kind)
    assert isinstance(problems, list)
    assert all(isinstance(p, Problem) and p.line >= 1 and p.code for p in problems)
    assert not any(p.code == "internal-error" for p in problems), [str(p) for p in problems]
    if item is None:
        assert any(p.severity == "error" for p in problems)


@settings(max_examples=settings().max_examples * 3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_never_raises(text):
    check_result(*parse_quiz(text, "quizzes/q.md"), Quiz)
    check_result(*parse_module(text, "modules/m.md"), Module)


@settings(max_examples=settings().max_examples * 2, deadline=None)
@given(st.lists(st.one_of(MARKUP, st.text(max_size=8)), max_size=60))
def test_markdown_soup_never_raises(pieces):
    text = "---\nid: q\nmodule: m\ntitle: T\n---\n" + " ".join(pieces)
    check_result(*parse_quiz(text, "quizzes/q.md"), Quiz)


@st.composite
def mangled(draw, source: str):
    """``source`` with a few random line deletions, duplications, insertions and cuts."""
    lines = source.split("\n")
    for _ in range(draw(st.integers(1, 6))):
        index = draw(st.integers(0, max(len(lines) - 1, 0)))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "cut", "swap"]))
        if not lines:
            break
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "insert":
            lines.insert(index, draw(st.one_of(MARKUP, st.text(max_size=20))))
        elif action == "cut":
            lines[index] = lines[index][: draw(st.integers(0, len(lines[index])))]
        else:
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
    return "\n".join(lines)


@settings(max_examples=settings().max_examples * 3, deadline=None)
@given(mangled(VALID_QUIZ))
def test_mangled_valid_quiz_never_raises(text):
    check_result(*parse_quiz(text, "quizzes/q.md"), Quiz)


@settings(max_examples=settings().max_examples * 3 // 2, deadline=None)
@given(mangled(VALID_MODULE))
def test_mangled_valid_module_never_raises(text):
    check_result(*parse_module(text, "modules/m.md"), Module)


@settings(max_examples=settings().max_examples * 2, deadline=None)
@given(st.binary(max_size=300))
def test_binary_junk_never_raises(data):
    text = data.decode("utf-8", errors="surrogateescape")
    check_result(*parse_quiz(text, "quizzes/q.md"), Quiz)
    check_result(*parse_quiz("---\nid: q\nmodule: m\ntitle: T\n---\n" + text, "quizzes/q.md"), Quiz)


@settings(max_examples=settings().max_examples * 2, deadline=None)
@given(st.text(max_size=200))
def test_render_never_emits_script(text):
    html = render_markdown(text + "<script>x</script>").lower()
    assert "<script" not in html


def test_valid_quiz_fixture_is_valid():
    quiz, problems = parse_quiz(VALID_QUIZ, "quizzes/q.md")
    assert [p for p in problems if p.severity == "error"] == []
    assert len(quiz.questions) == 6


def test_hostile_inputs():
    hostile = [
        "---\nid: q\nmodule: m\ntitle: T\n---\n### Q [[/(a+)+$/]] <!-- id=a -->\n> e\n",
        "---\nid: q\nmodule: m\ntitle: T\n---\n### Q [[" + "9" * 5000 + "]] <!-- id=a -->\n> e\n",
        "---\nid: q\nmodule: m\ntitle: T\npass: " + "9" * 5000 + "%\n---\n",
        "---\nid: q\nmodule: m\ntitle: T\ndraw: " + "9" * 5000 + "\n---\n",
        "---\n" + "[" * 5000 + "\n---\n",
        "---\na: &a [*a]\n---\n",
        "---\n!!python/object/apply:os.system ['true']\n---\n",
        "---\nid: q\nmodule: m\ntitle: T\n---\n" + "> " * 3000 + "x\n",
        "---\nid: q\nmodule: m\ntitle: T\n---\n" + "### Q <!-- id=a -->\n" + "  " * 2000 + "- [x] a\n",
    ]
    for text in hostile:
        check_result(*parse_quiz(text, "quizzes/q.md"), Quiz)
