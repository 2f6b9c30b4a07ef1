"""Quiz analytics through the pages, on attempts with hand-computed statistics."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa

from cyberaware.extensions import db
from cyberaware.models import QuizRecord, User
from cyberaware.services import attempts as service
from cyberaware.services.analytics import quiz_report
from cyberaware.services.content_sync import sync_content
from tests.conftest import AuthActions


def answer(attempt, right: set[str]) -> dict:
    """Responses (content-index space) to the intro quiz: right for ids in ``right``, else wrong."""
    responses = {}
    for entry in attempt.layout:
        qid = entry["id"]
        ok = qid in right
        responses[qid] = {
            "single-q": 1 if ok else 0,
            "multi-q": [0, 1] if ok else [2],
            "numeric-q": ["443"] if ok else ["80"],
            "short-q": ["phishing"] if ok else ["spam"],
            "match-q": {"0": 0, "1": 1} if ok else {"0": 2, "1": 2},
            "order-q": {"0": 1, "1": 2, "2": 3} if ok else {"0": 1, "1": 1, "2": 1},
        }[qid]
    return responses


# Four students; marks on single-q / numeric-q (other questions always wrong):
#   s1: 1 1   s2: 1 0   s3: 0 1   s4: 0 0  -> independent items, facility 50 %, discrimination 0
PATTERNS = [{"single-q", "numeric-q"}, {"single-q"}, {"numeric-q"}, set()]


@pytest.fixture
def attempts(app, make_user):
    with app.app_context():
        assert sync_content(app.config["CONTENT_DIR"]).succeeded
        quiz = db.session.scalar(sa.select(QuizRecord).where(QuizRecord.slug == "intro-quiz"))
        for index, right in enumerate(PATTERNS):
            user = db.session.get(User, make_user("student").id)
            attempt = service.start_or_resume(user, quiz, "fr", rng=random.Random(index))
            service.submit(attempt, answer(attempt, right))
        # a second attempt of the first student (counted only with "all attempts")
        user = db.session.scalar(sa.select(User).where(User.role == "student").order_by(User.id))
        attempt = service.start_or_resume(user, quiz, "fr")
        service.submit(attempt, answer(attempt, set()))
        return quiz.id


def test_report_numbers(app, attempts):
    with app.app_context():
        quiz = db.session.get(QuizRecord, attempts)
        report = quiz_report(quiz)
        assert report.attempts == 4 and report.students == 4 and report.pass_rate == 0
        items = {item.stats.question_id: item.stats for item in report.questions}
        assert items["single-q"].facility == pytest.approx(0.5)
        assert items["single-q"].discrimination == pytest.approx(0.0, abs=1e-9)
        assert items["multi-q"].facility == 0 and "too-hard" in items["multi-q"].flags
        # Mean score: totals 2,1,1,0 of 6 points -> 1/6
        assert report.mean_ratio == pytest.approx(1 / 6)
        shares = dict(next(i for i in report.questions if i.stats.question_id == "single-q").option_shares)
        assert shares == {0: pytest.approx(0.5), 1: pytest.approx(0.5), 2: 0.0}
        single = next(i for i in report.questions if i.stats.question_id == "single-q")
        assert single.unpicked == [2] and "option-never-chosen" in single.stats.flags
        short = next(i for i in report.questions if i.stats.question_id == "short-q")
        assert short.frequent_answers == [("spam", 4, False)]
        all_attempts = quiz_report(quiz, first_only=False)
        assert all_attempts.attempts == 5 and all_attempts.students == 4


def test_pages_for_instructors_and_coordinators_only(app, attempts, make_user):
    for role, expected in (("instructor", 200), ("coordinator", 200), ("admin", 200), ("student", 403)):
        client = app.test_client()
        AuthActions(client).login(make_user(role).email)
        assert client.get("/analytics/").status_code == expected, role
        assert client.get("/analytics/quizzes/intro-quiz").status_code == expected, role
        assert client.get("/analytics/quizzes/intro-quiz.csv").status_code == expected, role
    anonymous = app.test_client()
    assert anonymous.get("/analytics/quizzes/intro-quiz").status_code == 302


def test_page_and_csv(app, attempts, make_user):
    client = app.test_client()
    AuthActions(client).login(make_user("instructor").email)
    html = client.get("/analytics/quizzes/intro-quiz", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "50.0 %" in html and "<svg" in html and "Cronbach" in html
    assert "nobody chose it" in html
    csv_bytes = client.get("/analytics/quizzes/intro-quiz.csv").data
    assert csv_bytes.startswith("\ufeff".encode())
    lines = csv_bytes.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("question;type;points")
    single = next(line for line in lines if line.startswith("single-q;"))
    assert ";50,0;" in single
    assert client.get("/analytics/quizzes/nope").status_code == 404
    assert client.get("/analytics/quizzes/intro-quiz?version=999999").status_code == 404


def test_rebuilt_totals_equal_the_running_totals(app, attempts, runner):
    with app.app_context():
        quiz = db.session.get(QuizRecord, attempts)
        before = quiz_report(quiz, first_only=False)
        snapshot = [(i.stats.question_id, i.stats.n, i.stats.facility, i.stats.discrimination) for i in before.questions]
    result = runner.invoke(args=["analytics", "rebuild"])
    assert result.exit_code == 0 and "5 submitted attempts" in result.output
    with app.app_context():
        quiz = db.session.get(QuizRecord, attempts)
        after = quiz_report(quiz, first_only=False)
        rebuilt = [(i.stats.question_id, i.stats.n, i.stats.facility, i.stats.discrimination) for i in after.questions]
        assert [r[:2] for r in rebuilt] == [r[:2] for r in snapshot]
        for (_, _, facility, discrimination), (_, _, facility0, discrimination0) in zip(rebuilt, snapshot):
            assert facility == pytest.approx(facility0)
            assert (discrimination is None) == (discrimination0 is None)
            if discrimination is not None:
                assert discrimination == pytest.approx(discrimination0)
        assert (after.attempts, after.mean_ratio, after.median_ratio) == (before.attempts, before.mean_ratio,
                                                                          before.median_ratio)
