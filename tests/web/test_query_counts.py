"""N+1 guards: the number of SQL statements a page runs does not grow with the number of modules,
of attempts or of students (issue #9).

Each test builds the same situation twice, with a small and a larger curriculum (or more attempts,
or more students), and compares the statements counted on the engine (``before_cursor_execute``)
for every page: a query per module, per attempt or per student shows up as a difference.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cyberaware.extensions import db
from cyberaware.models import ModuleProgress, ModuleRecord, QuizRecord, User
from cyberaware.services.content_sync import sync_content
from cyberaware.services.summaries import refresh_student_summary
from tests.conftest import TEST_PASSWORD, AuthActions, csrf_token, empty_all_tables

FEW, MANY = 2, 7


def write_curriculum(root: Path, modules: int) -> Path:
    """``modules`` core modules, each with a two-question quiz (unlimited attempts), the last one
    without a quiz; module ``m1`` onwards require ``m0``. Plus one advanced module with a quiz that
    nobody passes, so that no student ever qualifies for the expert track (same work everywhere)."""
    (root / "modules").mkdir(parents=True)
    (root / "quizzes").mkdir()
    for index in range(modules):
        prerequisites = "prerequisites: [m0]\n" if index else ""
        (root / "modules" / f"m{index}.md").write_text(
            f"---\nid: m{index}\ntitle: Module {index}\nlang: fr\norder: {index}\nduration: 10m\n{prerequisites}"
            f"sources:\n  - \"ANSSI, *Guide*, 2024\"\n---\n## Partie\n\nTexte **{index}**.\n", encoding="utf-8")
        if index == modules - 1:
            continue  # a module completed by reading
        (root / "quizzes" / f"q{index}.md").write_text(
            f"---\nid: q{index}\nmodule: m{index}\ntitle: Quiz {index}\nlang: fr\npass: 50%\n"
            "review: after_submit\n---\n"
            "### Le ciel est bleu <!-- id=sky -->\n\n- [x] Vrai\n- [ ] Faux\n\n> Explication.\n\n"
            "### Deux plus deux font [[4]] <!-- id=sum -->\n\n> Explication.\n", encoding="utf-8")
    (root / "modules" / "adv.md").write_text(
        "---\nid: adv\ntitle: Avancé\nlang: fr\norder: 100\nlevel: advanced\nprerequisites: [m0]\n"
        "sources: [ANSSI]\n---\nTexte.\n", encoding="utf-8")
    (root / "quizzes" / "adv-quiz.md").write_text(
        "---\nid: adv-quiz\nmodule: adv\ntitle: Quiz avancé\nlang: fr\nlevel: advanced\n---\n"
        "### Le ciel est vert <!-- id=green -->\n\n- [ ] Vrai\n- [x] Faux\n", encoding="utf-8")
    return root


@contextmanager
def counting(app: Any) -> Iterator[list[str]]:
    """Collect the SQL statements sent on the app's engine inside the block."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def count(app: Any, client: Any, method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
    """(statements, response) of one request."""
    with counting(app) as statements:
        response = client.open(url, method=method, **kwargs)
    assert response.status_code in (200, 302), (url, response.status_code)
    return len(statements), response


def fresh(app: Any, root: Path) -> None:
    """Empty every table and sync the curriculum under ``root``."""
    with app.app_context():
        empty_all_tables(db)
        assert sync_content(root).succeeded


def student_pages(app: Any, make_user: Any, root: Path, attempts: int = 1,
                  completed_modules: int | None = None) -> dict[str, int]:
    """Statements of each student page, after completing ``completed_modules`` modules (default:
    all but the first, through the services) and ``attempts`` attempts at the first quiz."""
    fresh(app, root)
    user = make_user("student")
    with app.app_context():
        student = db.session.get(User, user.id)
        from cyberaware.services import attempts as service

        records = list(db.session.scalars(sa.select(ModuleRecord).where(ModuleRecord.level == "core")
                                          .order_by(ModuleRecord.position)))
        done = len(records) - 1 if completed_modules is None else completed_modules
        service.mark_started(student, records[0])  # the same work on the first visit in every case
        for record in records[1:1 + done]:
            service.mark_read(student, record)  # progress on every module but m0
        quiz = db.session.scalar(sa.select(QuizRecord).where(QuizRecord.slug == "q0"))
        for _ in range(attempts - 1):
            service.submit(service.start_or_resume(student, quiz, "fr"), {})
    client = app.test_client()
    AuthActions(client).login(user.email, TEST_PASSWORD)
    token = csrf_token(client, "/learn/")
    counts = {"dashboard": count(app, client, "GET", "/learn/")[0],
              "module": count(app, client, "GET", "/learn/modules/m0")[0]}
    counts["start quiz"], response = count(app, client, "POST", "/learn/modules/m0/quiz",
                                           data={"csrf_token": token})
    attempt_url = response.headers["Location"]
    counts["quiz"] = count(app, client, "GET", attempt_url)[0]
    counts["submit"] = count(app, client, "POST", attempt_url, data={
        "csrf_token": token, "action": "submit", "q-sky": "0", "q-sum-b0": "4"})[0]
    counts["result"], response = count(app, client, "GET", attempt_url)
    assert "Explication" in response.get_data(as_text=True)  # the review is shown
    counts["attestation"] = count(app, client, "GET", "/learn/attestation")[0]
    return counts


def test_student_pages_do_not_query_per_module(app, make_user, tmp_path):
    few = student_pages(app, make_user, write_curriculum(tmp_path / "few", FEW))
    many = student_pages(app, make_user, write_curriculum(tmp_path / "many", MANY))
    assert few == many


def test_student_pages_do_not_query_per_attempt(app, make_user, tmp_path):
    root = write_curriculum(tmp_path / "c", FEW + 1)
    assert student_pages(app, make_user, root, attempts=1) == student_pages(app, make_user, root, attempts=4)


def test_student_pages_stay_cheap(app, make_user, tmp_path):
    """The pages students hit most: a fixed, small number of statements (user, curriculum,
    progress, expert flag...). Raise a bound only with a reason."""
    counts = student_pages(app, make_user, write_curriculum(tmp_path / "c", MANY))
    assert counts["dashboard"] <= 5, counts
    assert counts["module"] <= 8, counts
    assert counts["quiz"] <= 6, counts
    assert counts["result"] <= 7, counts


def coordinator_pages(app: Any, make_user: Any, root: Path, students: int, scoped: bool = False) -> dict[str, int]:
    """Statements of the coordinator's dashboard (all students, filtered, and a scoped coordinator)
    with ``students`` students who each have progress on every module."""
    fresh(app, root)
    start = datetime(2025, 1, 6, 9)
    people = [make_user("student", faculty=("Sciences", "Lettres")[i % 2], programme=f"P{i % 3}",
                        year_of_study="L1", group_name=f"G{i}") for i in range(students)]
    with app.app_context():
        module_ids = list(db.session.scalars(sa.select(ModuleRecord.id)))
        for i, person in enumerate(people):
            for j, module_id in enumerate(module_ids):
                done = (i + j) % 3 != 0
                db.session.add(ModuleProgress(user_id=person.id, module_id=module_id,
                                              started_at=start + timedelta(days=i + j),
                                              completed_at=start + timedelta(days=i + j + 1) if done else None,
                                              best_ratio=0.5 + j / 100 if done else None))
            db.session.flush()
            refresh_student_summary(person.id)
        db.session.commit()
    coordinator = make_user("coordinator", email=f"coord-{students}-{len(module_ids)}@univ-amu.fr")
    client = app.test_client()
    AuthActions(client).login(coordinator.email, TEST_PASSWORD)
    counts = {"dashboard": count(app, client, "GET", "/coordinator/dashboard")[0],
              "dashboard (filtered)": count(app, client, "GET",
                                            "/coordinator/dashboard?faculty=Sciences&from=2025-01-01&to=2025-02-01")[0]}
    html = client.get("/coordinator/dashboard").get_data(as_text=True)
    assert re.search(rf"<dd>{students}</dd>", html)
    return counts


def test_coordinator_dashboard_does_not_query_per_module_or_student(app, make_user, tmp_path):
    few = coordinator_pages(app, make_user, write_curriculum(tmp_path / "few", FEW), students=2)
    many_modules = coordinator_pages(app, make_user, write_curriculum(tmp_path / "many", MANY), students=2)
    many_students = coordinator_pages(app, make_user, write_curriculum(tmp_path / "few2", FEW), students=9)
    assert few == many_modules == many_students


@pytest.fixture
def per_module_query(monkeypatch):
    """Introduces an N+1 on purpose: one extra statement per published module on the student
    dashboard (to check that the tests above can fail)."""
    from cyberaware.services import curriculum

    original = curriculum.published_modules

    def one_query_per_module() -> list[ModuleRecord]:
        records = original()
        for record in records:
            db.session.execute(sa.select(ModuleRecord.slug).where(ModuleRecord.id == record.id))
        return records

    monkeypatch.setattr(curriculum, "published_modules", one_query_per_module)


def test_a_query_per_module_is_caught(app, make_user, tmp_path, per_module_query):
    few = student_pages(app, make_user, write_curriculum(tmp_path / "few", FEW))
    many = student_pages(app, make_user, write_curriculum(tmp_path / "many", MANY))
    assert many["dashboard"] - few["dashboard"] == MANY - FEW
    assert few != many
