"""The shipped curriculum loads, and every module and quiz works through the student pages."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from cyberaware.content import load_content
from cyberaware.models import Attempt, ModuleRecord
from cyberaware.services.content_sync import sync_content
from tests.conftest import csrf_token

REPO = Path(__file__).resolve().parents[2]


def test_curriculum_passes_the_strict_check():
    content = load_content(REPO)
    assert content.ok(strict=True), "\n".join(map(str, content.problems))
    assert len(content.module_ids()) >= 14 and len(content.quiz_ids()) >= 14
    for module_id in content.module_ids():
        assert set(content.module_translations(module_id)) == {"fr", "en"}, module_id
    for quiz_id in content.quiz_ids():
        translations = content.quiz_translations(quiz_id)
        assert set(translations) == {"fr", "en"}, quiz_id
        ids = {lang: [q.id for q in quiz.questions] for lang, quiz in translations.items()}
        assert ids["fr"] == ids["en"], quiz_id
        quiz = translations["fr"]
        assert len(quiz.questions) >= 10, quiz_id
        assert len({q.type for q in quiz.questions}) >= 3, quiz_id
        assert all(q.explanation_html for q in quiz.questions), quiz_id


@pytest.fixture
def app_config():
    return {"CONTENT_DIR": str(REPO)}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_shipped_quiz_renders_and_grades(app, client, auth, make_user, dbq, lang):
    with app.app_context():
        assert sync_content(REPO).succeeded
    user = make_user("student")
    auth.login(user.email)
    token = csrf_token(client, "/learn/")
    client.post(f"/language/{lang}", data={"csrf_token": token})
    slugs = dbq.scalars(sa.select(ModuleRecord.slug).order_by(ModuleRecord.position))
    for slug in slugs:
        page = client.get(f"/learn/modules/{slug}")
        assert page.status_code in (200, 403), slug
    # Start and submit every quiz directly (prerequisites aside, through the service).
    from cyberaware.models import QuizRecord, User
    from cyberaware.services import attempts as service

    with app.app_context():
        student = service.db.session.get(User, user.id)
        for quiz in service.db.session.scalars(sa.select(QuizRecord)):
            attempt = service.start_or_resume(student, quiz, lang)
            public_id = attempt.public_id
            html = client.get(f"/learn/attempts/{public_id}").get_data(as_text=True)
            assert "<fieldset" in html and "class=\"explanation\"" not in html and "choice-correct" not in html, quiz.slug
            response = client.post(f"/learn/attempts/{public_id}", data={"csrf_token": token, "action": "submit"})
            assert response.status_code == 302, quiz.slug
            result = client.get(f"/learn/attempts/{public_id}")
            assert result.status_code == 200, quiz.slug
    assert dbq.count(Attempt, Attempt.submitted_at.is_(None)) == 0
