"""Every question type parses into the expected dataclass fields."""

from __future__ import annotations

from content_helpers import codes, parse_body

from cyberaware.content import Quiz, blank_placeholder


def only_question(body: str):
    quiz, problems = parse_body(body)
    assert quiz is not None, problems
    assert codes(problems, "error") == [], [str(p) for p in problems]
    assert len(quiz.questions) == 1
    return quiz.questions[0]


def test_single_choice_with_feedback_and_explanation():
    question = only_question(
        "### Quelle phrase de passe est la plus robuste ? <!-- id=strongest -->\n\n"
        "- [ ] `P@ssw0rd!`\n"
        "  > Les substitutions sont connues.\n"
        "- [x] cheval agrafe batterie\n"
        "- [ ] Marseille2025\n\n"
        "> La longueur fait la robustesse.\n"
    )
    assert question.id == "strongest"
    assert question.type == "single"
    assert question.line == 8
    assert question.prompt_html == "Quelle phrase de passe est la plus robuste ?"
    assert [o.correct for o in question.options] == [False, True, False]
    assert question.options[0].html == "<code>P@ssw0rd!</code>"
    assert question.options[0].feedback_html == "<p>Les substitutions sont connues.</p>"
    assert question.options[1].feedback_html == ""
    assert question.explanation_html == "<p>La longueur fait la robustesse.</p>"
    assert question.points == 1.0


def test_true_false_is_a_two_option_single_choice():
    question = only_question("### Un lien raccourci est sûr <!-- id=tf -->\n\n- [ ] Vrai\n- [x] Faux\n\n> Non.\n")
    assert question.type == "single"
    assert [(o.html, o.correct) for o in question.options] == [("Vrai", False), ("Faux", True)]


def test_explanation_directly_after_the_options():
    question = only_question("### Q <!-- id=q1 -->\n- [ ] a\n- [x] b\n> Parce que.\n")
    assert len(question.options) == 2
    assert question.explanation_html == "<p>Parce que.</p>"


def test_uppercase_x_and_star_bullets():
    question = only_question("### Q <!-- id=q1 -->\n\n* [X] a\n* [ ] b\n\n> e\n")
    assert [o.correct for o in question.options] == [True, False]


def test_multi_all_or_nothing():
    question = only_question(
        "### Cochez <!-- id=m type=multi points=2 -->\n\n- [x] a\n- [x] b\n- [ ] c\n\n> e\n"
    )
    assert question.type == "multi"
    assert question.points == 2.0
    assert [o.correct for o in question.options] == [True, True, False]
    assert all(o.weight is None for o in question.options)


def test_multi_weighted_with_negative_weight():
    question = only_question(
        "### Cochez <!-- id=m type=multi -->\n\n"
        "- [x] Activer la double authentification {50%}\n"
        "- [x] Utiliser un gestionnaire {50 %}\n"
        "- [ ] Noter sur un post-it {-25%}\n"
        "  > Un post-it se perd.\n"
        "- [ ] Autre\n\n> e\n"
    )
    assert [o.weight for o in question.options] == [0.5, 0.5, -0.25, None]
    assert question.options[0].html == "Activer la double authentification"
    assert question.options[2].feedback_html == "<p>Un post-it se perd.</p>"


def test_multi_weights_with_decimals():
    question = only_question(
        "### Q <!-- id=m type=multi -->\n\n- [x] a {33.4%}\n- [x] b {33,3%}\n- [x] c {33.3%}\n- [ ] d\n\n> e\n"
    )
    assert [o.weight for o in question.options][:3] == [0.334, 0.333, 0.333]


def test_short_answer_with_alternatives_in_heading():
    question = only_question("### Le sigle du RGPD en anglais est [[GDPR|G.D.P.R.]] <!-- id=s -->\n\n> e\n")
    assert question.type == "short"
    assert question.prompt_html == f"Le sigle du RGPD en anglais est {blank_placeholder(0)}"
    assert question.blanks[0].kind == "text"
    assert question.blanks[0].accepted == ["GDPR", "G.D.P.R."]


def test_short_answer_with_regex_in_body():
    question = only_question(
        "### Complétez <!-- id=s -->\n\nUn courriel piégé est du [[/hame[cç]onnage|phishing/]].\n\n> e\n"
    )
    assert question.type == "short"
    assert question.blanks[0].kind == "regex"
    assert question.blanks[0].pattern == "hame[cç]onnage|phishing"
    assert blank_placeholder(0) in question.body_html
    assert "phishing" not in question.body_html and "phishing" not in question.prompt_html


def test_short_answer_mixing_text_and_numeric_blanks():
    question = only_question("### Q <!-- id=s -->\n\nLe port [[443]] sert à [[HTTPS]].\n\n> e\n")
    assert question.type == "short"
    assert [b.kind for b in question.blanks] == ["numeric", "text"]
    assert "443" not in question.body_html and "HTTPS" not in question.body_html


def test_blank_answer_never_leaks_into_html():
    question = only_question("### Le mot secret est [[zanzibar]] <!-- id=s -->\n\nEt [[tombouctou]] aussi.\n\n> e\n")
    html = question.prompt_html + question.body_html
    assert "zanzibar" not in html and "tombouctou" not in html
    assert blank_placeholder(0) in question.prompt_html
    assert blank_placeholder(1) in question.body_html


def test_blanks_inside_fenced_code_are_left_alone():
    question = only_question("### Q [[1]] <!-- id=s -->\n\n```\nx = [[2]]\n```\n\n> e\n")
    assert len(question.blanks) == 1
    assert "[[2]]" in question.body_html


def numeric_blank(spec: str):
    question = only_question(f"### Valeur : [[{spec}]] <!-- id=n -->\n\n> e\n")
    assert question.type == "numeric"
    return question.blanks[0]


def test_numeric_exact():
    blank = numeric_blank("443")
    assert (blank.kind, blank.value, blank.tolerance) == ("numeric", 443.0, 0.0)


def test_numeric_tolerance_plus_minus_sign():
    blank = numeric_blank("3.14 ± 0.01")
    assert (blank.value, blank.tolerance) == (3.14, 0.01)


def test_numeric_tolerance_ascii():
    blank = numeric_blank("3.14 +- 0.01")
    assert (blank.value, blank.tolerance) == (3.14, 0.01)


def test_numeric_range():
    blank = numeric_blank("1..5")
    assert (blank.low, blank.high, blank.value) == (1.0, 5.0, None)


def test_numeric_decimal_comma():
    blank = numeric_blank("3,14")
    assert blank.value == 3.14


def test_numeric_negative_and_negative_range():
    assert numeric_blank("-40").value == -40.0
    blank = numeric_blank("-10..-2")
    assert (blank.low, blank.high) == (-10.0, -2.0)


def test_numeric_explicit_type():
    question = only_question("### Q [[12]] <!-- id=n type=numeric -->\n\n> e\n")
    assert question.type == "numeric"


def test_match_with_distractor():
    question = only_question(
        "### Associez <!-- id=mt type=match -->\n\n"
        "| Attaque | Description |\n|---|---|\n"
        "| Hameçonnage | Courriel **frauduleux** |\n"
        "| Rançongiciel | Chiffre vos fichiers |\n"
        "| | Canal auxiliaire acoustique |\n\n> e\n"
    )
    assert question.type == "match"
    assert question.match_headers == ["Attaque", "Description"]
    assert question.match_left == ["Hameçonnage", "Rançongiciel"]
    assert question.match_right == [
        "Courriel <strong>frauduleux</strong>", "Chiffre vos fichiers", "Canal auxiliaire acoustique",
    ]


def test_order_question():
    question = only_question(
        "### Dans l'ordre <!-- id=o type=order points=2 -->\n\n"
        "1. Débrancher le réseau\n2. Prévenir le support\n3. Conserver les preuves\n\n> e\n"
    )
    assert question.type == "order"
    assert question.points == 2.0
    assert question.order_items == ["Débrancher le réseau", "Prévenir le support", "Conserver les preuves"]


def test_question_body_before_answers_is_rendered():
    question = only_question(
        "### Ce courriel est-il légitime ? <!-- id=b -->\n\n"
        "![Le courriel](assets/mail.png)\n\n| De | Objet |\n|---|---|\n| x | y |\n\n"
        "- [ ] Oui\n- [x] Non\n\n> e\n"
    )
    assert 'src="/content/assets/mail.png"' in question.body_html
    assert "<table>" in question.body_html
    assert len(question.options) == 2


def test_order_list_in_body_of_choice_question_stays_in_body():
    question = only_question("### Q <!-- id=b -->\n\n1. un\n2. deux\n\n- [ ] a\n- [x] b\n\n> e\n")
    assert "<ol>" in question.body_html
    assert question.type == "single"


def test_multiline_option_and_multiline_feedback():
    question = only_question(
        "### Q <!-- id=b -->\n\n- [ ] une option\n  sur deux lignes\n  > retour\n  > suite\n- [x] b\n\n> e\n"
    )
    assert "une option\nsur deux lignes" in question.options[0].html
    assert question.options[0].feedback_html == "<p>retour\nsuite</p>"


def test_pools_and_draw():
    quiz, problems = parse_body(
        "### Toujours posée <!-- id=a -->\n- [x] a\n- [ ] b\n> e\n\n"
        "## Réflexes <!-- pick=1 -->\n\n"
        "### P1 <!-- id=p1 -->\n- [x] a\n- [ ] b\n> e\n"
        "### P2 <!-- id=p2 -->\n- [x] a\n- [ ] b\n> e\n\n"
        "## Fin du tirage\n\n"
        "### Encore <!-- id=z -->\n- [x] a\n- [ ] b\n> e\n",
        extra="draw: 2\n",
    )
    assert codes(problems) == []
    assert quiz.draw == 2
    assert [(p.id, p.title, p.pick, p.question_ids) for p in quiz.pools] == [
        ("reflexes", "Réflexes", 1, ["p1", "p2"]),
    ]
    assert [q.pool for q in quiz.questions] == [None, "reflexes", "reflexes", None]


def test_front_matter_fields():
    quiz, problems = parse_body(
        "### Q <!-- id=a -->\n- [x] a\n- [ ] b\n> e\n",
        extra="attempts: 3\ngrading: average\ntime_limit: 1h30m\nshuffle: [questions, options]\n"
              "review: after_pass\nlevel: advanced\n",
    )
    assert codes(problems) == []
    assert (quiz.id, quiz.module, quiz.title, quiz.lang) == ("q", "m", "Un quiz", "fr")
    assert quiz.pass_ratio == 0.8
    assert (quiz.attempts, quiz.grading, quiz.time_limit_seconds) == (3, "average", 5400)
    assert (quiz.shuffle_questions, quiz.shuffle_options) == (True, True)
    assert (quiz.review, quiz.level) == ("after_pass", "advanced")


def test_quiz_defaults():
    quiz, _ = parse_body("### Q <!-- id=a -->\n- [x] a\n- [ ] b\n> e\n")
    assert (quiz.attempts, quiz.grading, quiz.review, quiz.level) == (0, "highest", "after_submit", "core")
    assert (quiz.shuffle_questions, quiz.shuffle_options, quiz.draw, quiz.time_limit_seconds) == (
        False, False, None, None)


def test_intro_is_rendered():
    quiz, _ = parse_body("Testez **vos** réflexes.\n\n### Q <!-- id=a -->\n- [x] a\n- [ ] b\n> e\n")
    assert quiz.intro_html == "<p>Testez <strong>vos</strong> réflexes.</p>"


def test_roundtrip_every_question_type():
    quiz, problems = parse_body(
        "### S <!-- id=s -->\n- [x] a\n  > fb\n- [ ] b\n> e\n"
        "### M <!-- id=m type=multi -->\n- [x] a {100%}\n- [ ] b {-50%}\n> e\n"
        "### T [[mot|autre]] et [[/re+gex/]] <!-- id=t -->\n> e\n"
        "### N [[3 ± 1]] et [[1..2]] <!-- id=n points=1.5 -->\n> e\n"
        "### X <!-- id=x type=match -->\n| a | b |\n|-|-|\n| 1 | 2 |\n| 3 | 4 |\n| | 5 |\n> e\n"
        "## Pool <!-- pick=1 -->\n"
        "### O <!-- id=o type=order -->\n1. a\n2. b\n> e\n",
        extra="draw: 5\nshuffle: [options]\ntime_limit: 10m\n",
    )
    assert codes(problems) == []
    data = quiz.to_dict()
    again = Quiz.from_dict(data)
    assert again == quiz
    assert again.to_dict() == data
    assert [q.type for q in again.questions] == ["single", "multi", "short", "numeric", "match", "order"]
