"""The student journey: modules, locks, attempts, grading, review, completion, attestation."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from cyberaware.extensions import db
from cyberaware.models import Attempt, Attestation, ModuleProgress, ModuleRecord, QuizRecord
from cyberaware.services.content_sync import sync_content
from tests.conftest import csrf_token


@pytest.fixture
def content(app):
    with app.app_context():
        report = sync_content(app.config["CONTENT_DIR"])
        assert report.succeeded, [str(p) for p in report.content.problems]


@pytest.fixture
def student(make_user, auth, content):
    user = make_user("student", first_name="Zoë", last_name="L’Hôpital")
    auth.login(user.email)
    return user


def start(client, slug):
    token = csrf_token(client, f"/learn/modules/{slug}")
    response = client.post(f"/learn/modules/{slug}/quiz", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def attempt_row(dbq, url):
    return dbq.scalar(sa.select(Attempt).where(Attempt.public_id == url.rsplit("/", 1)[1]))


def answers_for(attempt, right=True):
    """Form data answering every question of the intro quiz, rightly or wrongly."""
    data = {}
    for entry in attempt.layout:
        qid = entry["id"]
        if qid == "single-q":
            data[f"q-{qid}"] = str(entry["options"].index(1 if right else 0))
        elif qid == "multi-q":
            data[f"q-{qid}"] = [str(entry["options"].index(i)) for i in ((0, 1) if right else (2,))]
        elif qid == "numeric-q":
            data[f"q-{qid}-b0"] = "443" if right else "80"
        elif qid == "short-q":
            data[f"q-{qid}-b0"] = "  HAMECONNAGE " if right else "spam"
        elif qid == "match-q":
            for left in range(2):
                data[f"q-{qid}-m{left}"] = str(entry["right"].index(left if right else 2))
        elif qid == "order-q":
            for position, item in enumerate(entry["items"]):
                data[f"q-{qid}-o{position}"] = str(item + 1 if right else 1)
        elif qid == "sky":
            data[f"q-{qid}"] = str(entry["options"].index(0 if right else 1))
        elif qid == "sum":
            data[f"q-{qid}-b0"] = "4" if right else "5"
        elif qid == "adv":
            data[f"q-{qid}"] = str(entry["options"].index(0 if right else 1))
    return data


def submit(client, url, data, action="submit"):
    token = csrf_token(client, "/learn/")
    return client.post(url, data={**data, "csrf_token": token, "action": action})


def test_dashboard_lists_modules_in_order_with_status(client, student):
    html = client.get("/learn/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    titles = re.findall(r'<h3><a href="/learn/modules/([a-z-]+)">', html)
    assert titles == ["intro", "second", "reading", "expert"]
    assert "Not started" in html and "Next:" in html


def test_module_page_in_english_falls_back_to_french(client, student):
    token = csrf_token(client, "/learn/")
    client.post("/language/en", data={"csrf_token": token})
    assert "Text of <strong>the introduction</strong>" in client.get("/learn/modules/intro").get_data(as_text=True)
    html = client.get("/learn/modules/reading").get_data(as_text=True)
    assert "Un module sans quiz." in html and "shown in French" in html


def test_prerequisites_lock_a_module_with_a_message(client, student):
    response = client.get("/learn/modules/second", headers={"Accept-Language": "en"})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "opens once you have completed" in html and "Introduction (EN)" in html
    token = csrf_token(client, "/learn/")
    assert client.post("/learn/modules/second/quiz", data={"csrf_token": token}).status_code == 403


def test_opening_a_module_marks_it_in_progress(client, student, dbq):
    client.get("/learn/modules/intro")
    assert dbq.count(ModuleProgress, ModuleProgress.completed_at.is_(None)) == 1
    assert "In progress" in client.get("/learn/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_quiz_page_never_contains_answers_or_feedback(client, student):
    url = start(client, "intro")
    html = client.get(url).get_data(as_text=True)
    for secret in ["Explication", "Retour sur", "443", "hameçonnage", "phishing", "right answer", "{50%}",
                   "Programme malveillant\">", "choice-correct"]:
        assert secret not in html, secret
    # The match choices and order items are on the page, but nothing ties them to their answer.
    assert "Programme malveillant" in html and "Premier" in html


def test_reload_shows_the_same_attempt_and_resume_after_closing(client, student, dbq):
    url = start(client, "intro")
    first = client.get(url).get_data(as_text=True)
    assert client.get(url).get_data(as_text=True) == first
    assert start(client, "intro") == url  # one open attempt per student and quiz
    assert dbq.count(Attempt) == 1


def test_full_marks_pass_and_complete_the_module(client, student, dbq):
    url = start(client, "intro")
    attempt = attempt_row(dbq, url)
    response = submit(client, url, answers_for(attempt, right=True))
    assert response.status_code == 302
    attempt = attempt_row(dbq, url)
    assert attempt.passed and attempt.ratio == pytest.approx(1.0) and attempt.score == attempt.max_score == 6
    progress = dbq.scalar(sa.select(ModuleProgress))
    assert progress.completed_at is not None and progress.completed_via == "quiz"
    html = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Passed" in html and "Explication simple." in html and "right answer" in html


def test_wrong_answers_fail_and_review_shows_feedback(client, student, dbq):
    url = start(client, "intro")
    submit(client, url, answers_for(attempt_row(dbq, url), right=False))
    attempt = attempt_row(dbq, url)
    assert attempt.passed is False and attempt.score == 0
    html = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Not passed yet" in html and "Retour sur A." in html
    assert dbq.scalar(sa.select(ModuleProgress)).completed_at is None


def test_completion_is_kept_when_a_later_attempt_scores_lower(client, student, dbq):
    url = start(client, "intro")
    submit(client, url, answers_for(attempt_row(dbq, url), right=True))
    completed_at = dbq.scalar(sa.select(ModuleProgress)).completed_at
    url2 = start(client, "intro")
    assert url2 != url
    submit(client, url2, answers_for(attempt_row(dbq, url2), right=False))
    progress = dbq.scalar(sa.select(ModuleProgress))
    assert progress.completed_at == completed_at and progress.best_ratio == pytest.approx(1.0)
    assert progress.attempts_count == 2


def test_double_submit_is_recorded_once(client, student, dbq):
    url = start(client, "intro")
    data = answers_for(attempt_row(dbq, url), right=True)
    submit(client, url, data)
    first = attempt_row(dbq, url)
    replay = submit(client, url, answers_for(first, right=False))
    assert replay.status_code == 302
    again = attempt_row(dbq, url)
    assert again.score == first.score and again.submitted_at == first.submitted_at
    assert dbq.count(Attempt) == 1


def test_save_and_resume_keeps_answers(client, student, dbq):
    url = start(client, "intro")
    data = answers_for(attempt_row(dbq, url), right=True)
    submit(client, url, data, action="save")
    attempt = attempt_row(dbq, url)
    assert attempt.is_open and attempt.responses["numeric-q"] == ["443"]
    assert 'value="443"' in client.get(url).get_data(as_text=True)


def test_tampered_values_are_reported_and_score_zero(client, student, dbq):
    url = start(client, "intro")
    data = answers_for(attempt_row(dbq, url), right=True)
    data["q-single-q"] = "99"
    data["q-order-q-o0"] = "abc"
    data["q-not-in-attempt"] = "1"
    response = client.post(url, data={**data, "csrf_token": csrf_token(client, url), "action": "submit"},
                           follow_redirects=True, headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "not part of this attempt were ignored" in html and "could not be read" in html
    results = {r["id"]: r for r in attempt_row(dbq, url).results}
    assert results["single-q"]["score"] == 0 and results["order-q"]["score"] == 0
    assert results["numeric-q"]["score"] == 1


def test_another_students_attempt_is_not_found(app, client, student, dbq, make_user):
    url = start(client, "intro")
    other = app.test_client()
    intruder = make_user("student")
    from tests.conftest import AuthActions

    AuthActions(other).login(intruder.email)
    assert other.get(url).status_code == 404
    token = csrf_token(other, "/learn/")
    assert other.post(url, data={"csrf_token": token, "action": "submit"}).status_code == 404
    assert attempt_row(dbq, url).is_open


def complete_intro(client, dbq):
    url = start(client, "intro")
    submit(client, url, answers_for(attempt_row(dbq, url), right=True))


def test_attempt_limit_is_enforced(client, student, dbq):
    complete_intro(client, dbq)
    for _ in range(2):
        url = start(client, "second")
        submit(client, url, answers_for(attempt_row(dbq, url), right=False))
    token = csrf_token(client, "/learn/modules/second")
    response = client.post("/learn/modules/second/quiz", data={"csrf_token": token}, follow_redirects=True,
                           headers={"Accept-Language": "en"})
    assert "every attempt allowed" in response.get_data(as_text=True)
    assert dbq.count(Attempt, Attempt.quiz_id == dbq.scalar(
        sa.select(QuizRecord.id).where(QuizRecord.slug == "second-quiz"))) == 2


def test_review_after_last_attempt_hides_answers_until_then(client, student, dbq):
    complete_intro(client, dbq)
    url = start(client, "second")
    submit(client, url, answers_for(attempt_row(dbq, url), right=False))
    html = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Explication ciel." not in html and "once you have used every attempt" in html
    url2 = start(client, "second")
    submit(client, url2, answers_for(attempt_row(dbq, url2), right=False))
    assert "Explication ciel." in client.get(url2).get_data(as_text=True)


def test_time_limit_is_checked_on_the_server(app, client, student, dbq):
    complete_intro(client, dbq)
    url = start(client, "second")
    attempt = attempt_row(dbq, url)
    submit(client, url, {"q-sum-b0": "4"}, action="save")
    with app.app_context():
        row = db.session.get(Attempt, attempt.id)
        row.deadline_at = row.started_at - timedelta(minutes=5)
        db.session.commit()
    late = answers_for(attempt, right=True)
    response = client.post(url, data={**late, "csrf_token": csrf_token(client, "/learn/"), "action": "submit"},
                           follow_redirects=True, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    graded = attempt_row(dbq, url)
    assert not graded.is_open and graded.late is True
    assert "time was up" in response.get_data(as_text=True)
    results = {r["id"]: r for r in graded.results}
    assert results["sum"]["score"] == 1 and results["sky"]["score"] == 0  # only the saved answer counts


def test_non_numbers_in_numeric_fields_are_just_wrong(client, student, dbq):
    url = start(client, "intro")
    data = answers_for(attempt_row(dbq, url), right=True)
    data["q-numeric-q-b0"] = "four hundred; DROP TABLE"
    assert submit(client, url, data).status_code == 302
    results = {r["id"]: r for r in attempt_row(dbq, url).results}
    assert results["numeric-q"]["score"] == 0


def test_module_without_quiz_is_completed_when_marked_read(client, student, dbq):
    client.get("/learn/modules/reading")
    token = csrf_token(client, "/learn/modules/reading")
    client.post("/learn/modules/reading/read", data={"csrf_token": token})
    client.post("/learn/modules/reading/read", data={"csrf_token": token})
    rows = dbq.scalars(sa.select(ModuleProgress))
    assert len(rows) == 1 and rows[0].completed_via == "read"


def test_quiz_modules_cannot_be_marked_read(client, student, dbq):
    token = csrf_token(client, "/learn/modules/intro")
    client.post("/learn/modules/intro/read", data={"csrf_token": token})
    assert dbq.count(ModuleProgress, ModuleProgress.completed_at.is_not(None)) == 0


def finish_core(client, dbq):
    complete_intro(client, dbq)
    url = start(client, "second")
    submit(client, url, answers_for(attempt_row(dbq, url), right=True))
    token = csrf_token(client, "/learn/modules/reading")
    client.post("/learn/modules/reading/read", data={"csrf_token": token})


def test_attestation_requires_the_core_curriculum(client, student, dbq):
    response = client.get("/learn/attestation.pdf")
    assert response.status_code == 302 and dbq.count(Attestation) == 0


def test_attestation_downloads_and_verifies(app, client, student, dbq):
    finish_core(client, dbq)
    response = client.get("/learn/attestation.pdf?lang=fr")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    again = client.get("/learn/attestation.pdf?lang=fr")
    assert again.status_code == 200 and dbq.count(Attestation) == 1  # same content, same code
    attestation = dbq.scalar(sa.select(Attestation))
    public = app.test_client()
    page = public.get(f"/verify/{attestation.code.lower().replace('-', ' ')}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "genuine" in html and "L’Hôpital" in html and "Introduction" in html
    assert student.email not in html
    assert public.get("/verify/AAAA-BBBB-CCCC-DDDD-EEEE-FFFF").status_code == 404


def test_parallel_submissions_are_recorded_once(app, client, student, dbq):
    url = start(client, "intro")
    data = {**answers_for(attempt_row(dbq, url), right=True), "csrf_token": csrf_token(client, url),
            "action": "submit"}
    cookie = client.get_cookie("session").value
    statuses = []

    def post():
        c = app.test_client()
        c.set_cookie("session", cookie)
        statuses.append(c.post(url, data=data).status_code)

    threads = [threading.Thread(target=post) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302] * 50
    assert dbq.count(Attempt) == 1 and dbq.count(ModuleProgress, ModuleProgress.completed_at.is_not(None)) == 1
    assert dbq.scalar(sa.select(ModuleProgress)).attempts_count == 1


def test_the_dashboard_totals_follow_the_students_progress(client, student, dbq):
    from cyberaware.models import StudentSummary

    finish_core(client, dbq)
    summary = dbq.get(StudentSummary, student.id)
    assert summary.core_done == 3 and summary.last_core_at is not None
    assert summary.scored == 2 and summary.score_sum == pytest.approx(2.0)  # two quizzes at 100 %


def test_student_free_text_is_escaped_in_review_and_statistics(app, client, student, dbq, make_user):
    from tests.conftest import AuthActions

    url = start(client, "intro")
    data = answers_for(attempt_row(dbq, url), right=False)
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    data["q-short-q-b0"] = payload
    submit(client, url, data)
    review = client.get(url).get_data(as_text=True)
    assert "<script>alert" not in review and "onerror=alert" not in review.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;" in review
    instructor = app.test_client()
    AuthActions(instructor).login(make_user("instructor").email)
    stats = instructor.get("/analytics/quizzes/intro-quiz").get_data(as_text=True)
    assert "<script>alert" not in stats and "&lt;script&gt;" in stats  # shown, escaped


def test_an_unanswered_ordering_question_is_wrong_but_not_unreadable(client, student, dbq):
    url = start(client, "intro")
    submit(client, url, {})  # nothing answered
    results = {r["id"]: r for r in attempt_row(dbq, url).results}
    assert results["order-q"]["score"] == 0 and results["order-q"]["invalid"] is False
    html = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "could not be read" not in html


def test_parallel_starts_and_submissions_never_exceed_the_attempt_limit(app, client, student, dbq):
    """Ten students' worth of double clicks at once: the quiz allows two attempts, there are two."""
    from cyberaware.models import StudentSummary

    complete_intro(client, dbq)
    cookie = client.get_cookie("session").value
    token = csrf_token(client, "/learn/")
    outcomes = []

    def start_and_submit():
        c = app.test_client()
        c.set_cookie("session", cookie)
        started = c.post("/learn/modules/second/quiz", data={"csrf_token": token})
        location = started.headers.get("Location", "")
        if "/attempts/" not in location:
            outcomes.append("refused")
            return
        row = attempt_row(dbq, location)
        submitted = c.post(location, data={**answers_for(row, right=False), "csrf_token": token, "action": "submit"})
        outcomes.append(submitted.status_code)

    for _ in range(3):
        threads = [threading.Thread(target=start_and_submit) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    quiz_id = dbq.scalar(sa.select(QuizRecord.id).where(QuizRecord.slug == "second-quiz"))
    attempts = dbq.scalar(sa.select(sa.func.count()).select_from(Attempt).where(Attempt.quiz_id == quiz_id))
    numbers = dbq.scalar(sa.select(sa.func.count(sa.distinct(Attempt.number))).where(Attempt.quiz_id == quiz_id))
    assert attempts == 2 and numbers == 2
    assert "refused" in outcomes and set(outcomes) <= {"refused", 302}
    progress = dbq.scalar(sa.select(ModuleProgress).join(ModuleProgress.module).where(ModuleRecord.slug == "second"))
    assert progress.attempts_count == 2 and progress.completed_at is None  # both failed: not completed
    assert dbq.get(StudentSummary, student.id).core_done == 1  # intro only, counted once
