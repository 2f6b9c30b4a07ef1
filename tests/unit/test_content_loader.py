"""Loading trees, checking paths and the cross-file checks."""

from __future__ import annotations

import hashlib

from content_helpers import codes, errors, find, module_text, quiz_text, write_tree

from cyberaware.content import ContentSet, check_paths, load_content, parse_quiz, quiz_version_hash

QUESTIONS = (
    "### Q1 <!-- id=q1 -->\n- [x] a\n- [ ] b\n> e\n"
    "### Q2 [[443]] <!-- id=q2 -->\n> e\n"
)
EN_QUESTIONS = (
    "### Q1 en <!-- id=q1 -->\n- [x] a en\n- [ ] b en\n> e\n"
    "### Q2 [[443]] en <!-- id=q2 -->\n> e\n"
)


def base_tree(tmp_path, **overrides):
    files = {
        "modules/m.md": module_text(),
        "modules/m.en.md": module_text(lang="en"),
        # Spare modules for the extra quizzes some tests add (a module has at most one quiz).
        "modules/m2.md": module_text(module_id="m2"),
        "modules/m3.md": module_text(module_id="m3"),
        "quizzes/q.md": quiz_text(QUESTIONS),
        "quizzes/q.en.md": quiz_text(EN_QUESTIONS, lang="en"),
    }
    files.update(overrides)
    return write_tree(tmp_path, files)


def test_load_content_clean_tree(tmp_path):
    content = load_content(base_tree(tmp_path))
    assert content.problems == []
    assert content.ok() and content.ok(strict=True)
    assert set(content.modules) == {("m", "fr"), ("m", "en"), ("m2", "fr"), ("m3", "fr")}
    assert set(content.quizzes) == {("q", "fr"), ("q", "en")}
    assert content.module_ids() == ["m", "m2", "m3"] and content.quiz_ids() == ["q"]
    assert set(content.quiz_translations("q")) == {"fr", "en"}
    assert set(content.module_translations("m")) == {"fr", "en"}
    assert content.quiz("q", "en").lang == "en"
    assert content.quiz("q", "de").lang == "fr"
    assert content.module("absent") is None
    assert content.quizzes_for_module("m") == ["q"]


def test_ignored_files(tmp_path):
    root = base_tree(tmp_path, **{
        "quizzes/_draft.md": "junk", "quizzes/.hidden.md": "junk", "quizzes/README.md": "junk",
        "modules/README.md": "# Modules", "quizzes/expert-track.yml": "tracks: [a]\n",
    })
    assert load_content(root).problems == []


def test_content_hash_is_sha256_of_the_file(tmp_path):
    root = base_tree(tmp_path)
    text = (root / "quizzes/q.md").read_text(encoding="utf-8")
    content = load_content(root)
    assert content.quizzes[("q", "fr")].content_hash == hashlib.sha256(text.encode()).hexdigest()
    module_source = (root / "modules/m.md").read_text(encoding="utf-8")
    assert content.modules[("m", "fr")].content_hash == hashlib.sha256(module_source.encode()).hexdigest()


def test_quiz_version_hash_depends_on_every_translation_not_on_order(tmp_path):
    content = load_content(base_tree(tmp_path))
    fr, en = content.quizzes[("q", "fr")], content.quizzes[("q", "en")]
    assert quiz_version_hash([fr, en]) == quiz_version_hash([en, fr])
    assert quiz_version_hash([fr, en]) != quiz_version_hash([fr])
    changed, _ = parse_quiz(quiz_text(QUESTIONS + "\n"), "quizzes/q.md")
    assert quiz_version_hash([changed, en]) != quiz_version_hash([fr, en])


def test_problems_are_sorted_by_path_then_line(tmp_path):
    root = base_tree(tmp_path, **{
        "quizzes/b.md": quiz_text("### Q <!-- id=a -->\n- [x] a\n- [x] b\n", quiz_id="b"),
        "quizzes/a.md": quiz_text("### Q <!-- id=a -->\n- [ ] a\n- [ ] b\n", quiz_id="a", extra="attemps: 1\n"),
    })
    problems = load_content(root).problems
    keys = [(p.path, p.line) for p in problems]
    assert keys == sorted(keys)
    assert problems[0].path.endswith("a.md")


def test_errors_warnings_and_strict(tmp_path):
    root = base_tree(tmp_path, **{"quizzes/w.md": quiz_text("### Q <!-- id=a -->\n- [x] a\n- [ ] b\n", quiz_id="w", module="m2")})
    content = load_content(root)
    assert content.errors == []
    assert codes(content.warnings) == ["no-explanation"]
    assert content.ok() and not content.ok(strict=True)


def test_module_unknown_with_hint(tmp_path):
    root = base_tree(tmp_path, **{"quizzes/x.md": quiz_text(QUESTIONS, quiz_id="x", module="mm")})
    problem = find(load_content(root).problems, "module-unknown")
    assert (problem.path.endswith("x.md"), problem.line, problem.hint) == (True, 3, "did you mean `m`?")


def test_prerequisite_unknown_and_cycle(tmp_path):
    root = write_tree(tmp_path, {
        "modules/a.md": module_text(module_id="a", extra="prerequisites: [b]\nsources: [x]\n"),
        "modules/b.md": module_text(module_id="b", extra="prerequisites: [c]\nsources: [x]\n"),
        "modules/c.md": module_text(module_id="c", extra="prerequisites: [a, zz]\nsources: [x]\n"),
    })
    problems = load_content(root).problems
    cycle = find(problems, "prerequisite-cycle")
    assert cycle.path.endswith("a.md") and cycle.line == 5
    assert "a → b → c → a" in cycle.message
    unknown = find(problems, "prerequisite-unknown")
    assert unknown.path.endswith("c.md") and unknown.line == 5 and "`zz`" in unknown.message
    assert len([p for p in problems if p.code == "prerequisite-cycle"]) == 1


def test_id_duplicate_across_files(tmp_path):
    root = base_tree(tmp_path, **{"modules/n.md": module_text()})
    problems = load_content(root).problems
    assert ("modules/n.md", 2, "id-duplicate") in [(p.path[-12:], p.line, p.code) for p in problems]
    assert "modules/n.md" in find(problems, "filename-mismatch").path


def test_translation_orphan(tmp_path):
    root = base_tree(tmp_path, **{"quizzes/z.en.md": quiz_text(QUESTIONS, quiz_id="z", lang="en")})
    problem = find(load_content(root).problems, "translation-orphan")
    assert problem.path.endswith("z.en.md") and problem.line == 2


def test_translation_question_ids_differ(tmp_path):
    en = EN_QUESTIONS.replace("id=q2", "id=q3")
    problems = load_content(base_tree(tmp_path, **{"quizzes/q.en.md": quiz_text(en, lang="en")})).problems
    problem = find(problems, "translation-mismatch")
    assert problem.path.endswith("q.en.md")
    assert "missing `q2`" in problem.message and "extra `q3`" in problem.message
    assert problem.line == 12


def test_translation_question_order_differs(tmp_path):
    en = "### Q2 [[443]] <!-- id=q2 -->\n> e\n### Q1 <!-- id=q1 -->\n- [x] a\n- [ ] b\n> e\n"
    problems = load_content(base_tree(tmp_path, **{"quizzes/q.en.md": quiz_text(en, lang="en")})).problems
    assert "another order" in find(problems, "translation-mismatch").message


def mismatch_for(tmp_path, en_body: str, **kwargs):
    root = base_tree(tmp_path, **{"quizzes/q.en.md": quiz_text(en_body, lang="en", **kwargs)})
    return [(p.line, p.code) for p in load_content(root).errors]


def test_translation_correctness_differs(tmp_path):
    en = EN_QUESTIONS.replace("- [x] a en\n- [ ] b en", "- [ ] a en\n- [x] b en")
    assert mismatch_for(tmp_path, en) == [(8, "translation-mismatch")]


def test_translation_option_count_differs(tmp_path):
    en = EN_QUESTIONS.replace("- [ ] b en\n", "- [ ] b en\n- [ ] c en\n")
    assert (8, "translation-mismatch") in mismatch_for(tmp_path, en)


def test_translation_numeric_answer_differs(tmp_path):
    en = EN_QUESTIONS.replace("[[443]]", "[[80]]")
    assert mismatch_for(tmp_path, en) == [(12, "translation-mismatch")]


def test_translation_points_differ(tmp_path):
    en = EN_QUESTIONS.replace("id=q1", "id=q1 points=2")
    assert mismatch_for(tmp_path, en) == [(8, "translation-mismatch")]


def test_translation_text_answers_may_differ(tmp_path):
    root = base_tree(tmp_path, **{
        "quizzes/t.md": quiz_text("### Le mot [[bonjour]] <!-- id=a -->\n> e\n", quiz_id="t", module="m2"),
        "quizzes/t.en.md": quiz_text("### The word [[hello|hi]] <!-- id=a -->\n> e\n", quiz_id="t", lang="en", module="m2"),
    })
    assert load_content(root).problems == []


def test_translation_structural_key_differs(tmp_path):
    assert mismatch_for(tmp_path, EN_QUESTIONS, extra="attempts: 2\n") == [(7, "translation-mismatch")]
    root = base_tree(tmp_path, **{"quizzes/q.en.md": quiz_text(EN_QUESTIONS, lang="en", pass_mark="50%")})
    assert [(p.line, p.code) for p in load_content(root).errors] == [(6, "translation-mismatch")]


def test_translation_match_and_order_sizes(tmp_path):
    fr = ("### M <!-- id=m type=match -->\n| a | b |\n|-|-|\n| 1 | 2 |\n| 3 | 4 |\n> e\n"
          "### O <!-- id=o type=order -->\n1. a\n2. b\n> e\n")
    en = ("### M <!-- id=m type=match -->\n| a | b |\n|-|-|\n| 1 | 2 |\n| 3 | 4 |\n| | 5 |\n> e\n"
          "### O <!-- id=o type=order -->\n1. a\n2. b\n3. c\n> e\n")
    root = base_tree(tmp_path, **{"quizzes/s.md": quiz_text(fr, quiz_id="s", module="m3"),
                                  "quizzes/s.en.md": quiz_text(en, quiz_id="s", lang="en", module="m3")})
    assert errors(load_content(root).problems) == [(8, "translation-mismatch"), (15, "translation-mismatch")]


def test_translation_pools_differ(tmp_path):
    en = "## Pool <!-- pick=1 -->\n" + EN_QUESTIONS
    problems = mismatch_for(tmp_path, en)
    assert (1, "translation-mismatch") in problems


def test_module_translation_structure(tmp_path):
    root = base_tree(tmp_path, **{"modules/m.en.md": module_text(
        lang="en", extra="order: 4\nsources: [x]\n")})
    assert errors(load_content(root).problems) == [(5, "translation-mismatch")]


def test_asset_missing(tmp_path):
    root = base_tree(tmp_path, **{
        "modules/m.md": module_text("![ok](assets/ok.png)\n\n![absent](assets/absent.png)\n"),
        "modules/assets/ok.png": "png",
    })
    problems = load_content(root).problems
    assert [(p.line, p.code) for p in problems] == [(10, "asset-missing")]


def test_folder_empty(tmp_path):
    assert codes(load_content(tmp_path).problems) == ["folder-empty"]


def test_unreadable_bytes_are_reported(tmp_path):
    root = base_tree(tmp_path)
    (root / "quizzes/q.md").write_bytes(quiz_text(QUESTIONS).encode() + b"\n\xff\xfe junk\n")
    problem = find(load_content(root).problems, "encoding-invalid")
    assert problem.line == 15


def test_check_paths_single_file_does_not_report_unknown_module(tmp_path):
    root = write_tree(tmp_path, {"quizzes/q.md": quiz_text(QUESTIONS, module="absent")})
    content = check_paths([root / "quizzes/q.md"])
    assert content.problems == []
    assert list(content.quizzes) == [("q", "fr")]


def test_check_paths_content_folder_reports_unknown_module(tmp_path):
    root = write_tree(tmp_path, {"quizzes/q.md": quiz_text(QUESTIONS, module="absent")})
    assert codes(check_paths([root]).problems) == ["module-unknown"]


def test_check_paths_single_translation_is_compared_with_its_original_on_disk(tmp_path):
    en = EN_QUESTIONS.replace("[[443]]", "[[80]]")
    root = base_tree(tmp_path, **{"quizzes/q.en.md": quiz_text(en, lang="en")})
    content = check_paths([str(root / "quizzes/q.en.md")])
    assert codes(content.problems) == ["translation-mismatch"]
    assert list(content.quizzes) == [("q", "en")]


def test_check_paths_single_original_reports_broken_translation(tmp_path):
    en = EN_QUESTIONS.replace("id=q2", "id=q9")
    root = base_tree(tmp_path, **{"quizzes/q.en.md": quiz_text(en, lang="en")})
    assert codes(check_paths([root / "quizzes/q.md"]).problems) == ["translation-mismatch"]


def test_check_paths_orphan_translation_file(tmp_path):
    root = write_tree(tmp_path, {"quizzes/q.en.md": quiz_text(EN_QUESTIONS, lang="en")})
    assert codes(check_paths([root / "quizzes/q.en.md"]).problems) == ["translation-orphan"]


def test_check_paths_sniffs_kind_outside_content_folders(tmp_path):
    root = write_tree(tmp_path, {"drafts/q.md": quiz_text(QUESTIONS), "drafts/m.md": module_text()})
    content = check_paths([root / "drafts"])
    assert content.problems == []
    assert list(content.quizzes) == [("q", "fr")] and list(content.modules) == [("m", "fr")]


def test_check_paths_missing_file(tmp_path):
    content = check_paths([tmp_path / "absent.md"])
    assert codes(content.problems) == ["file-missing"]
    assert not content.ok()


def test_check_paths_mix_of_folder_and_files(tmp_path):
    root = base_tree(tmp_path)
    content = check_paths([root, root / "quizzes/q.md"])
    assert content.problems == []
    assert isinstance(content, ContentSet) and len(content.quizzes) == 2


def test_repository_curriculum_validates():
    """The real modules/ and quizzes/ of the repository must stay valid."""
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    if not (repo / "quizzes").is_dir():
        return
    content = load_content(repo)
    assert content.errors == [], [str(p) for p in content.errors]


def test_file_unreadable(tmp_path):
    from cyberaware.content.loader import _parse_file

    folder = tmp_path / "quizzes" / "q.md"
    folder.mkdir(parents=True)
    parsed = _parse_file(folder, "quiz", None)
    assert parsed.item is None
    assert codes(parsed.problems) == ["file-unreadable"]


def test_internal_error_is_reported_not_raised(monkeypatch):
    import cyberaware.content.quiz as quiz_module

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(quiz_module, "_parse_body", broken)
    quiz, problems = parse_quiz(quiz_text(QUESTIONS), "quizzes/q.md")
    assert quiz is None
    assert [(p.line, p.code) for p in problems] == [(1, "internal-error")]
    assert "boom" in problems[0].message


def test_a_module_has_at_most_one_quiz(tmp_path):
    from cyberaware.content import load_content

    (tmp_path / "modules").mkdir()
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "modules" / "m.md").write_text("---\nid: m\ntitle: M\nsources: [x]\n---\nBody\n", encoding="utf-8")
    quiz = ("---\nid: {id}\nmodule: m\ntitle: Q\n---\n### Q <!-- id=q -->\n\n- [x] a\n- [ ] b\n\n> why\n")
    (tmp_path / "quizzes" / "q1.md").write_text(quiz.format(id="q1"), encoding="utf-8")
    (tmp_path / "quizzes" / "q2.md").write_text(quiz.format(id="q2"), encoding="utf-8")
    content = load_content(tmp_path)
    codes = [(p.path.rsplit("/", 1)[-1], p.line, p.code) for p in content.errors]
    assert codes == [("q2.md", 3, "module-quiz-duplicate")]
