"""The expert track: flags on completion and in bulk, the student's invitation and consent,
the coordinators' review, scope and exports."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from cyberaware.extensions import db
from cyberaware.models import AuditEvent, CoordinatorFaculty, ExpertFlag, ModuleProgress, ModuleRecord, User
from cyberaware.services import attempts as attempt_service
from cyberaware.services import expert
from cyberaware.services.content_sync import sync_content
from tests.conftest import csrf_token
from tests.web.test_student import answers_for, attempt_row, start, submit

CONTENT = Path(__file__).resolve().parents[1] / "data" / "content"
ALL_DONE = {"intro": 1.0, "second": 1.0, "reading": "read", "expert": 1.0}
EN = {"Accept-Language": "en"}


@pytest.fixture
def content(app):
    with app.app_context():
        report = sync_content(app.config["CONTENT_DIR"])
        assert report.succeeded, [str(p) for p in report.content.problems]


def give_progress(app, user_id, results, when=None):
    """Insert progress rows directly (no signal): slug -> best ratio (completed via its quiz when it
    reaches the pass mark), ``"read"`` (completed without quiz) or ``None`` (started only)."""
    when = when or datetime(2025, 3, 1, 10, 0)
    pass_marks = {"intro": 0.8, "second": 0.5, "expert": 0.7}
    with app.app_context():
        ids = dict(db.session.execute(sa.select(ModuleRecord.slug, ModuleRecord.id)).all())
        for slug, result in results.items():
            row = ModuleProgress(user_id=user_id, module_id=ids[slug], started_at=when)
            if result == "read":
                row.completed_at, row.completed_via = when, "read"
            elif result is not None:
                row.best_ratio = row.grade_ratio = result
                row.attempts_count = 1
                if result >= pass_marks[slug]:
                    row.completed_at, row.completed_via = when, "quiz"
            db.session.add(row)
        db.session.commit()


def flag_for(dbq, user):
    return dbq.scalar(sa.select(ExpertFlag).where(ExpertFlag.user_id == user.id))


def recompute(app):
    with app.app_context():
        counts = expert.recompute()
        db.session.commit()
        return counts


def post(client, path, data=None, token_from="/learn/"):
    # In English, like the pages the tests read: flashed messages are rendered in the POST's language.
    return client.post(path, data={"csrf_token": csrf_token(client, token_from), **(data or {})},
                       headers={"Accept-Language": "en"})


# --- flags on completion -------------------------------------------------------------------------


def test_completing_every_module_through_the_pages_flags_the_student(client, auth, make_user, content, dbq):
    student = make_user("student")
    auth.login(student.email)
    for slug in ("intro", "second"):
        url = start(client, slug)
        submit(client, url, answers_for(attempt_row(dbq, url), right=True))
    post(client, "/learn/modules/reading/read")
    assert flag_for(dbq, student) is None  # the advanced quiz is not passed yet
    url = start(client, "expert")
    submit(client, url, answers_for(attempt_row(dbq, url), right=True))
    flag = flag_for(dbq, student)
    assert flag is not None and flag.qualified
    assert flag.rules_met == {"core-complete": True, "core-mean": True, "advanced-passed": True}
    assert flag.qualified_at is not None and flag.evaluated_at is not None
    assert (flag.review_status, flag.consent, flag.consent_at) == ("pending", "none", None)


def test_the_signal_flags_a_student_when_the_last_module_is_completed_by_the_service(app, make_user, content, dbq):
    student = make_user("student")
    give_progress(app, student.id, {"intro": 0.9, "second": 0.9, "expert": 0.8})
    assert flag_for(dbq, student) is None
    with app.app_context():
        record = db.session.scalar(sa.select(ModuleRecord).where(ModuleRecord.slug == "reading"))
        attempt_service.mark_read(db.session.get(User, student.id), record)  # commits the completion
    flag = flag_for(dbq, student)
    assert flag.qualified and flag.rules_met["core-mean"]  # exactly 90 % is enough


def test_a_mean_below_90_percent_records_nothing_on_completion(app, make_user, content, dbq):
    student = make_user("student")
    give_progress(app, student.id, {"intro": 0.9, "second": 0.898, "expert": 1.0})
    with app.app_context():
        record = db.session.scalar(sa.select(ModuleRecord).where(ModuleRecord.slug == "reading"))
        attempt_service.mark_read(db.session.get(User, student.id), record)
    assert flag_for(dbq, student) is None
    assert dbq.count(ModuleProgress, ModuleProgress.completed_at.is_not(None)) == 4


def test_staff_taking_quizzes_are_never_flagged(app, make_user, content, dbq):
    instructor = make_user("instructor")
    give_progress(app, instructor.id, {"intro": 1.0, "second": 1.0, "expert": 1.0})
    with app.app_context():
        record = db.session.scalar(sa.select(ModuleRecord).where(ModuleRecord.slug == "reading"))
        attempt_service.mark_read(db.session.get(User, instructor.id), record)
        assert expert.recompute()["students"] == 0
        db.session.commit()
    assert dbq.count(ExpertFlag) == 0


def test_a_malformed_rules_file_never_blocks_a_completion(app, make_user, content, dbq, tmp_path, caplog):
    broken = tmp_path / "content"
    shutil.copytree(CONTENT, broken)
    (broken / "quizzes" / "expert-track.yml").write_text("rules:\n  - id: x\n    kind: all_perfect\n", "utf-8")
    app.config["CONTENT_DIR"] = str(broken)
    student = make_user("student")
    give_progress(app, student.id, ALL_DONE | {"reading": None})
    with app.app_context():
        record = db.session.scalar(sa.select(ModuleRecord).where(ModuleRecord.slug == "reading"))
        attempt_service.mark_read(db.session.get(User, student.id), record)
    assert dbq.count(ModuleProgress, ModuleProgress.completed_at.is_not(None)) == 4
    assert dbq.count(ExpertFlag) == 0
    assert "expert track not evaluated" in caplog.text and "unknown kind 'all_perfect'" in caplog.text


# --- recompute ---------------------------------------------------------------------------------------


def test_flask_expert_recompute_flags_in_bulk_and_keeps_the_first_qualification_date(app, runner, make_user,
                                                                                      content, dbq):
    qualified = make_user("student")
    below = make_user("student")
    no_advanced = make_user("student")
    make_user("student")  # never started anything
    give_progress(app, qualified.id, ALL_DONE)
    give_progress(app, below.id, ALL_DONE | {"second": 0.798})  # mean 89.9 %
    give_progress(app, no_advanced.id, ALL_DONE | {"expert": 0.5})

    result = runner.invoke(args=["expert", "recompute"])
    assert result.exit_code == 0, result.output
    assert "students evaluated: 3; qualified: 1; new flags: 1; flags updated: 0; no longer qualified: 0" \
           in result.output
    assert [f.user_id for f in dbq.scalars(sa.select(ExpertFlag))] == [qualified.id]
    first = flag_for(dbq, qualified).qualified_at
    event = dbq.scalar(sa.select(AuditEvent).where(AuditEvent.action == "expert.recompute"))
    assert event.actor_label == "cli" and event.rows == 1 and event.details["qualified"] == 1

    with app.app_context():  # the student's best score drops (e.g. a regraded quiz): no longer qualified
        db.session.execute(sa.update(ModuleProgress).where(ModuleProgress.user_id == qualified.id)
                           .values(best_ratio=0.5))
        db.session.commit()
    assert recompute(app) == {"students": 3, "qualified": 0, "new": 0, "lost": 1, "updated": 1}
    flag = flag_for(dbq, qualified)
    assert not flag.qualified and flag.rules_met["core-mean"] is False and flag.qualified_at == first

    with app.app_context():
        db.session.execute(sa.update(ModuleProgress).where(ModuleProgress.user_id.in_([qualified.id, below.id]))
                           .values(best_ratio=1.0))
        db.session.commit()
    counts = recompute(app)
    assert (counts["qualified"], counts["new"], counts["updated"]) == (2, 1, 1)
    assert flag_for(dbq, qualified).qualified_at == first


def test_recompute_agrees_with_the_evaluation_of_each_student(app, make_user, content, dbq):
    cases = {
        "exact-90": (ALL_DONE | {"intro": 0.8, "second": 1.0}, True),
        "below-90": (ALL_DONE | {"intro": 0.8, "second": 0.998}, False),
        "core-missing": (ALL_DONE | {"reading": None}, False),
        "advanced-missing": ({"intro": 1.0, "second": 1.0, "reading": "read"}, False),
        "advanced-failed": (ALL_DONE | {"expert": 0.69}, False),
    }
    users = {}
    for name, (results, _qualifies) in cases.items():
        users[name] = make_user("student")
        give_progress(app, users[name].id, results)
    recompute(app)
    for name, (_results, qualifies) in cases.items():
        flag = flag_for(dbq, users[name])
        assert (flag is not None and flag.qualified) == qualifies, name
        with app.app_context():
            assert expert.student_status(db.session.get(User, users[name].id)).qualified == qualifies, name


def test_recompute_reports_a_malformed_rules_file_with_its_line(app, runner, tmp_path, content):
    broken = tmp_path / "content"
    shutil.copytree(CONTENT, broken)
    (broken / "quizzes" / "expert-track.yml").write_text("rules:\n  - id: x\n    kind: all_perfect\n", "utf-8")
    app.config["CONTENT_DIR"] = str(broken)
    result = runner.invoke(args=["expert", "recompute"])
    assert result.exit_code != 0
    assert "line 3: rule 'x': unknown kind 'all_perfect'" in result.output


def test_pages_say_when_the_rules_file_is_malformed(app, client, auth, make_user, tmp_path, content):
    broken = tmp_path / "content"
    shutil.copytree(CONTENT, broken)
    (broken / "quizzes" / "expert-track.yml").write_text("rules:\n  - id: x\n    kind: all_perfect\n", "utf-8")
    app.config["CONTENT_DIR"] = str(broken)
    student = make_user("student")
    auth.login(student.email)
    response = client.get("/learn/expert-track", headers=EN)
    assert response.status_code == 503 and "being updated" in response.get_data(as_text=True)
    auth.logout()
    login_coordinator(make_user, auth)
    html = client.get("/coordinator/expert", headers=EN).get_data(as_text=True)
    assert "rules file has errors" in html and "line 3: rule &#39;x&#39;: unknown kind" in html


def test_without_a_rules_file_the_defaults_apply_and_the_log_says_so(app, make_user, content, tmp_path, caplog,
                                                                     client, auth):
    bare = tmp_path / "content"
    shutil.copytree(CONTENT, bare)
    (bare / "quizzes" / "expert-track.yml").unlink()
    app.config["CONTENT_DIR"] = str(bare)
    student = make_user("student")
    auth.login(student.email)
    html = client.get("/learn/expert-track", headers=EN).get_data(as_text=True)
    assert "Complete every core module." in html and "test wording" not in html
    assert "not found: using the default rules" in caplog.text


# --- the student's page ------------------------------------------------------------------------------


def test_a_student_who_does_not_qualify_sees_the_rules_and_no_invitation(app, client, auth, make_user, content):
    student = make_user("student")
    give_progress(app, student.id, {"intro": 1.0, "second": 0.6})
    auth.login(student.email)
    html = client.get("/learn/expert-track").get_data(as_text=True)  # French by default
    assert "Terminer tous les modules essentiels." in html and "Réussir tous les quiz des modules avancés." in html
    html = client.get("/learn/expert-track", headers=EN).get_data(as_text=True)
    assert "Finish all the core modules (test wording)." in html  # the test curriculum's file, not the defaults
    assert "2 of 3." in html and "Your mean: 80 % (needed: 90 %)." in html
    assert "Join the expert track" not in html and "No thanks" not in html
    response = post(client, "/learn/expert-track/join")
    assert response.status_code == 302
    assert "meet every rule" in client.get("/learn/expert-track", headers=EN).get_data(as_text=True)


def test_a_better_score_without_a_new_completion_is_caught_when_the_student_visits(app, client, auth, make_user,
                                                                                    content, dbq):
    student = make_user("student")
    give_progress(app, student.id, ALL_DONE | {"second": 0.6})  # completed, but the mean is 80 %
    recompute(app)
    assert flag_for(dbq, student) is None
    with app.app_context():  # a retake scores 100 %: the module was already completed, so no signal
        db.session.execute(sa.update(ModuleProgress).where(ModuleProgress.user_id == student.id)
                           .values(best_ratio=1.0))
        db.session.commit()
    auth.login(student.email)
    assert "Join the expert track" in client.get("/learn/expert-track", headers=EN).get_data(as_text=True)
    flag = flag_for(dbq, student)
    assert flag.qualified and flag.rules_met["core-mean"] and flag.consent == "none"


def test_the_student_joins_then_withdraws_and_each_time_is_recorded(app, client, auth, make_user, content, dbq):
    student = make_user("student")
    give_progress(app, student.id, ALL_DONE)
    recompute(app)
    auth.login(student.email)
    html = client.get("/learn/expert-track", headers=EN).get_data(as_text=True)
    assert "You are invited to the expert track" in html and "Join the expert track" in html and "No thanks" in html

    before = datetime.utcnow() - timedelta(seconds=1)
    assert post(client, "/learn/expert-track/join").status_code == 302
    flag = flag_for(dbq, student)
    assert flag.consent == "given" and flag.consent_at >= before
    joined_at = flag.consent_at
    html = client.get("/learn/expert-track", headers=EN).get_data(as_text=True)
    assert "Withdraw my consent" in html and "Join the expert track" not in html

    assert post(client, "/learn/expert-track/withdraw").status_code == 302
    flag = flag_for(dbq, student)
    assert flag.consent == "withdrawn" and flag.consent_at >= joined_at
    html = client.get("/learn/expert-track", headers=EN).get_data(as_text=True)
    assert "You withdrew your consent" in html and "Join the expert track" in html and "No thanks" not in html


def test_declining_is_recorded_and_the_student_can_change_their_mind(app, client, auth, make_user, content, dbq):
    student = make_user("student")
    give_progress(app, student.id, ALL_DONE)  # no recompute: joining evaluates the student first
    auth.login(student.email)
    post(client, "/learn/expert-track/decline")
    flag = flag_for(dbq, student)
    assert flag.consent == "declined" and flag.consent_at is not None and flag.qualified
    post(client, "/learn/expert-track/decline")
    assert "already answered" in client.get("/learn/expert-track", headers=EN).get_data(as_text=True)
    post(client, "/learn/expert-track/withdraw")
    assert flag_for(dbq, student).consent == "declined"  # nothing to withdraw
    post(client, "/learn/expert-track/join")
    assert flag_for(dbq, student).consent == "given"


def test_consent_changes_need_a_csrf_token(app, client, auth, make_user, content, dbq):
    student = make_user("student")
    give_progress(app, student.id, ALL_DONE)
    recompute(app)
    auth.login(student.email)
    assert client.post("/learn/expert-track/join", data={}).status_code == 400
    assert client.post("/learn/expert-track/join", data={"csrf_token": "forged"}).status_code == 400
    assert flag_for(dbq, student).consent == "none"


def test_the_page_is_for_students_only(client, auth, make_user, content):
    coordinator = make_user("coordinator")
    auth.login(coordinator.email)
    assert client.get("/learn/expert-track").status_code == 403


# --- coordinators -----------------------------------------------------------------------------------


@pytest.fixture
def flagged(app, make_user, content):
    """Four qualified students in two faculties, in various review and consent states."""
    people = {
        "ana": make_user("student", first_name="Ana", last_name="Arles", faculty="Sciences", programme="L3 Info",
                         year_of_study="3", group_name="G1", student_number="1001"),
        "ben": make_user("student", first_name="Ben", last_name="=HYPERLINK(\"http://x\")", faculty="Sciences",
                         programme="L3 Info", year_of_study="3", group_name="G2", student_number="1002"),
        "cleo": make_user("student", first_name="Cléo", last_name="Corte", faculty="Droit", programme="M1 Droit",
                          year_of_study="4", group_name="G1", student_number="1003"),
        "dan": make_user("student", first_name="Dan", last_name="Digne", faculty="Sciences",
                         programme="L2 Maths", year_of_study="2", group_name="G3", student_number="1004"),
    }
    for user in people.values():
        give_progress(app, user.id, ALL_DONE)
    recompute(app)
    return people


def set_flag(app, user, **values):
    with app.app_context():
        db.session.execute(sa.update(ExpertFlag).where(ExpertFlag.user_id == user.id).values(**values))
        db.session.commit()


def login_coordinator(make_user, auth, *faculties):
    coordinator = make_user("coordinator", scope_faculties=[CoordinatorFaculty(faculty=f) for f in faculties])
    auth.login(coordinator.email)
    return coordinator


def flag_id(dbq, user):
    return flag_for(dbq, user).id


def test_the_list_shows_flagged_students_within_scope_with_filters(client, auth, make_user, flagged, dbq):
    login_coordinator(make_user, auth, "Sciences")
    html = client.get("/coordinator/expert", headers=EN).get_data(as_text=True)
    assert "3 flagged students" in html and "Arles" in html and "Digne" in html and "Corte" not in html
    assert "core-complete" in html and "Finish all the core modules (test wording)." in html
    assert client.get("/coordinator/expert?programme=L2+Maths", headers=EN).get_data(as_text=True).count(
        "flagged student") == 1
    html = client.get("/coordinator/expert?programme=L2+Maths", headers=EN).get_data(as_text=True)
    assert "Digne" in html and "Arles" not in html
    html = client.get("/coordinator/expert?group=G1&year=3", headers=EN).get_data(as_text=True)
    assert "1 flagged students" in html and "Arles" in html


def test_a_faculty_outside_scope_is_refused_and_nothing_shown(client, auth, make_user, flagged, dbq):
    login_coordinator(make_user, auth, "Sciences")
    for path in ("/coordinator/expert?faculty=Droit", "/coordinator/expert/export.csv?faculty=Droit"):
        response = client.get(path, headers=EN)
        html = response.get_data(as_text=True)
        assert response.status_code == 403 and "outside your scope" in html and "Corte" not in html
    assert dbq.count(AuditEvent, AuditEvent.action == "expert.export") == 0


def test_confirm_and_dismiss_with_a_note_are_audited(client, auth, make_user, flagged, dbq):
    coordinator = login_coordinator(make_user, auth)
    path = f"/coordinator/expert/{flag_id(dbq, flagged['ana'])}"
    response = post(client, path, {"note": "Excellent, à rencontrer.", "confirm": "Confirm"}, token_from=path)
    assert response.status_code == 302
    flag = flag_for(dbq, flagged["ana"])
    assert (flag.review_status, flag.review_note, flag.reviewed_by_id) == ("confirmed", "Excellent, à rencontrer.",
                                                                           coordinator.id)
    assert flag.reviewed_at is not None
    path = f"/coordinator/expert/{flag_id(dbq, flagged['dan'])}"
    post(client, path, {"note": "", "dismiss": "Dismiss"}, token_from=path)
    assert flag_for(dbq, flagged["dan"]).review_status == "dismissed"
    events = dbq.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("expert.%")).order_by(AuditEvent.id))
    events = [e for e in events if e.action != "expert.recompute"]
    assert [(e.action, e.rows, e.actor_id, e.details["user_id"]) for e in events] == [
        ("expert.confirm", 1, coordinator.id, flagged["ana"].id),
        ("expert.dismiss", 1, coordinator.id, flagged["dan"].id)]
    assert "rencontrer" not in str(events[0].details)  # the note stays on the flag
    assert "Excellent, à rencontrer." in client.get(f"/coordinator/expert/{flag_id(dbq, flagged['ana'])}")\
        .get_data(as_text=True)


def test_a_flag_outside_scope_is_not_found(client, auth, make_user, flagged, dbq):
    login_coordinator(make_user, auth, "Sciences")
    path = f"/coordinator/expert/{flag_id(dbq, flagged['cleo'])}"
    assert client.get(path).status_code == 404
    token = csrf_token(client, f"/coordinator/expert/{flag_id(dbq, flagged['ana'])}")
    assert client.post(path, data={"csrf_token": token, "confirm": "Confirm"}).status_code == 404
    assert flag_for(dbq, flagged["cleo"]).review_status == "pending"


def test_a_review_without_csrf_token_changes_nothing(client, auth, make_user, flagged, dbq):
    login_coordinator(make_user, auth)
    path = f"/coordinator/expert/{flag_id(dbq, flagged['ana'])}"
    assert client.post(path, data={"confirm": "Confirm"}).status_code in (200, 400)
    assert flag_for(dbq, flagged["ana"]).review_status == "pending"
    assert dbq.count(AuditEvent, AuditEvent.action == "expert.confirm") == 0


def test_students_cannot_reach_the_coordinator_pages(client, auth, flagged):
    auth.login(flagged["ana"].email)
    assert client.get("/coordinator/expert").status_code == 403
    assert client.get("/coordinator/expert/export.csv?audience=external").status_code == 403


def read_csv(response):
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_the_internal_export_lists_flagged_students_in_scope_neutralised(app, client, auth, make_user, flagged, dbq):
    login_coordinator(make_user, auth, "Sciences")
    response = client.get("/coordinator/expert/export.csv?audience=internal", headers=EN)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:4] == ["Last name", "First name", "E-mail", "Student number"]
    assert sorted(row[3] for row in rows[1:]) == ["1001", "1002", "1004"]  # not Droit's student
    ben = next(row for row in rows if row[3] == "1002")
    assert ben[0] == "'=HYPERLINK(\"http://x\")"
    assert "core-complete, core-mean, advanced-passed" in ben
    event = dbq.scalar(sa.select(AuditEvent).where(AuditEvent.action == "expert.export"))
    assert event.rows == 3 and event.details == {"audience": "internal"}


def test_the_external_export_holds_only_consenting_confirmed_students(app, client, auth, make_user, flagged, dbq):
    now = datetime(2025, 4, 2, 9, 30)
    set_flag(app, flagged["ana"], review_status="confirmed", consent="given", consent_at=now)
    set_flag(app, flagged["ben"], review_status="confirmed", consent="withdrawn", consent_at=now)
    set_flag(app, flagged["cleo"], review_status="pending", consent="given", consent_at=now)
    set_flag(app, flagged["dan"], review_status="confirmed", consent="none")
    login_coordinator(make_user, auth)
    rows = read_csv(client.get("/coordinator/expert/export.csv?audience=external", headers=EN))
    assert rows[0] == ["Last name", "First name", "E-mail", "Faculty", "Programme", "Year", "Qualified on",
                       "Consent date"]
    assert [row[:2] for row in rows[1:]] == [["Arles", "Ana"]]
    assert rows[1][3:6] == ["Sciences", "L3 Info", "3"] and rows[1][7] == "2025-04-02"
    assert "1001" not in rows[1] and "G1" not in rows[1]  # no student number, no group
    event = dbq.scalar(sa.select(AuditEvent).where(AuditEvent.action == "expert.export"))
    assert event.rows == 1 and event.details["audience"] == "external"
    assert client.get("/coordinator/expert/export.csv?audience=everyone").status_code == 400


def test_expert_status_by_user_gives_one_short_status(app, make_user, flagged):
    set_flag(app, flagged["ana"], review_status="confirmed", consent="given")
    set_flag(app, flagged["ben"], review_status="dismissed", consent="given")
    set_flag(app, flagged["cleo"], review_status="confirmed")
    nobody = make_user("student")
    with app.app_context():
        statuses = expert.expert_status_by_user([u.id for u in flagged.values()] + [nobody.id])
    assert statuses == {flagged["ana"].id: "joined", flagged["ben"].id: "dismissed",
                        flagged["cleo"].id: "confirmed", flagged["dan"].id: "qualified"}
