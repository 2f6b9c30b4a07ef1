"""Benchmark: the analytics page of one quiz with 80,000 submitted attempts.

Builds a SQLite file database (or uses --database-url for PostgreSQL) with the shipped
curriculum, 80,000 students and one submitted attempt each (with its per-question answers) on
the first quiz, then times:
- the report computation (cyberaware.services.analytics.quiz_report),
- the whole page through the test client,
- a bare Flask "hello" app through its test client, in the same run, as the baseline.

Usage: .venv/bin/python bench/bench_analytics.py [--attempts 80000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def bare_flask_seconds(requests: int) -> float:
    """Seconds per request of a bare Flask app answering "hello"."""
    from flask import Flask

    bare = Flask("bare")
    bare.add_url_rule("/", "hello", lambda: "hello")
    client = bare.test_client()
    start = time.perf_counter()
    for _ in range(requests):
        client.get("/")
    return (time.perf_counter() - start) / requests


def build(url: str, attempts: int) -> None:
    import sqlalchemy as sa

    from cyberaware import create_app
    from cyberaware.attempts import draw_layout, grade_attempt
    from cyberaware.config import TestingConfig
    from cyberaware.extensions import db
    from cyberaware.models import Attempt, AttemptAnswer, QuizRecord, User, utcnow
    from cyberaware.services.attempts import quiz_content
    from cyberaware.services.content_sync import sync_content

    app = create_app(type("Bench", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url, "CONTENT_DIR": str(ROOT)}))
    with app.app_context():
        db.drop_all()
        db.create_all()
        sync_content(ROOT)
        quiz = db.session.scalar(sa.select(QuizRecord).order_by(QuizRecord.id).limit(1))
        version = quiz.current_version
        content = quiz_content(version, "fr")
        rng = random.Random(7)
        now = utcnow()
        db.session.execute(sa.insert(User), [
            {"email": f"s{i}@etu.univ-amu.fr", "role": "student", "first_name": "S", "last_name": str(i),
             "session_token": f"{i:032d}", "active": True, "created_at": now} for i in range(attempts)])
        user_ids = list(db.session.scalars(sa.select(User.id).order_by(User.id)))
        # Students answer each question right with a probability that depends on their ability.
        chunk_attempts, chunk_answers = [], []
        for index, user_id in enumerate(user_ids):
            layout = draw_layout(content, rng)
            ability = rng.random()
            responses = {}
            for entry in layout:
                q = content.question(entry["id"])
                right = rng.random() < 0.3 + 0.65 * ability
                if q.type == "single":
                    correct = next(i for i, o in enumerate(q.options) if o.correct)
                    responses[q.id] = correct if right else (correct + 1) % len(q.options)
                elif q.type == "multi":
                    responses[q.id] = [i for i, o in enumerate(q.options) if o.correct] if right else []
                else:
                    responses[q.id] = None
            grade = grade_attempt(content, layout, responses)
            started = now - timedelta(minutes=rng.randint(5, 30))
            chunk_attempts.append({"id": index + 1, "public_id": f"b{index}", "user_id": user_id, "quiz_id": quiz.id,
                                   "version_id": version.id, "lang": "fr", "number": 1, "started_at": started,
                                   "submitted_at": started + timedelta(minutes=rng.randint(2, 20)),
                                   "layout": layout, "responses": {}, "results": None, "score": grade.score,
                                   "max_score": grade.max_score, "ratio": grade.ratio, "passed": grade.passed,
                                   "late": False})
            for r in grade.results:
                chunk_answers.append({"attempt_id": index + 1, "version_id": version.id, "question_id": r["id"],
                                      "score": r["score"], "max_score": r["max"], "response_key": r["key"]})
            if len(chunk_attempts) >= 5000:
                db.session.execute(sa.insert(Attempt), chunk_attempts)
                db.session.execute(sa.insert(AttemptAnswer), chunk_answers)
                chunk_attempts, chunk_answers = [], []
        if chunk_attempts:
            db.session.execute(sa.insert(Attempt), chunk_attempts)
            db.session.execute(sa.insert(AttemptAnswer), chunk_answers)
        db.session.commit()
        from cyberaware.services.analytics import rebuild_tallies

        start = time.perf_counter()
        rebuild_tallies()
        print(f"built: {attempts} attempts on {quiz.slug} ({len(content.questions)} questions); "
              f"running totals rebuilt in {time.perf_counter() - start:.1f} s")


def measure(url: str, runs: int = 5) -> None:
    import sqlalchemy as sa

    from cyberaware import create_app
    from cyberaware.auth import service as accounts
    from cyberaware.config import TestingConfig
    from cyberaware.extensions import db
    from cyberaware.models import QuizRecord
    from cyberaware.services.analytics import quiz_report

    app = create_app(type("Bench", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url, "CONTENT_DIR": str(ROOT),
                                                      "WTF_CSRF_ENABLED": False}))
    with app.app_context():
        quiz = db.session.scalar(sa.select(QuizRecord).order_by(QuizRecord.id).limit(1))
        slug = quiz.slug
        report_times = []
        for _ in range(runs):
            start = time.perf_counter()
            quiz_report(quiz)
            report_times.append(time.perf_counter() - start)
        if accounts.find_user_by_email("bench-instructor@univ-amu.fr") is None:
            accounts.create_user("bench-instructor@univ-amu.fr", "instructor", "bench instructor passphrase")
            db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "bench-instructor@univ-amu.fr", "password": "bench instructor passphrase"})
    page_times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(f"/analytics/quizzes/{slug}")
        page_times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    bare = bare_flask_seconds(2000)
    report, page = statistics.median(report_times), statistics.median(page_times)
    print(f"report computation: {report:.3f} s (median of {runs})")
    print(f"analytics page:     {page:.3f} s (median of {runs}); target < 2 s")
    print(f"bare Flask hello:   {bare * 1000:.3f} ms per request")
    print(f"page / bare request: {page / bare:.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=80_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
    start = time.perf_counter()
    build(url, args.attempts)
    print(f"build time: {time.perf_counter() - start:.1f} s")
    measure(url)


if __name__ == "__main__":
    main()
