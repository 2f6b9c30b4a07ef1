"""Coordinators' completion dashboard, exports (web, CLI, API) and API tokens.

A small hand-made roster (five students, two faculties) with progress rows whose numbers are
computed by hand in the comments, so every figure on the page and in the files can be checked.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from cyberaware.exports import BOM
from cyberaware.extensions import db
from cyberaware.services.summaries import rebuild_student_summaries, refresh_student_summary
from cyberaware.models import ApiToken, AuditEvent, CoordinatorFaculty, ModuleProgress, ModuleRecord, User
from cyberaware.services.content_sync import sync_content
from tests.conftest import csrf_token

D = datetime


@pytest.fixture
def content(app):
    with app.app_context():
        report = sync_content(app.config["CONTENT_DIR"])
        assert report.succeeded, [str(p) for p in report.content.problems]


def add_progress(app, user, slug, started, completed=None, best=None):
    with app.app_context():
        module_id = db.session.scalar(sa.select(ModuleRecord.id).where(ModuleRecord.slug == slug))
        db.session.add(ModuleProgress(user_id=user.id, module_id=module_id, started_at=started,
                                      completed_at=completed, best_ratio=best,
                                      completed_via="quiz" if best is not None else "read"))
        db.session.flush()
        refresh_student_summary(user.id)  # as the attempt service does when progress changes
        db.session.commit()


@pytest.fixture
def roster(app, make_user, content):
    """Core modules: intro, second (quizzes) and reading (no quiz); advanced: expert.

    A Sciences/L Info/L1/G1: intro 01-06 (80 %), second 01-08 (100 %), reading 01-08 -> finished 01-08
    B Sciences/L Info/L1/G2: intro 01-07 (60 %), second in progress (40 %)
    C Sciences/L Maths/L2/G1: nothing
    D Lettres/L Hist/L1/G1: intro 02-03 (90 %), second 02-04 (70 %), reading 02-05, expert 02-10 (100 %)
    E Lettres/L Hist/L1/G1: intro in progress since 01-20 (20 %); a last name that looks like a formula
    """
    people = {
        "A": make_user(email="a@etu.univ-amu.fr", last_name="Durand", first_name="Anne", student_number="100",
                       faculty="Sciences", programme="L Info", year_of_study="L1", group_name="G1"),
        "B": make_user(email="b@etu.univ-amu.fr", last_name="Martin", first_name="Bruno", student_number="200",
                       faculty="Sciences", programme="L Info", year_of_study="L1", group_name="G2"),
        "C": make_user(email="c@etu.univ-amu.fr", last_name="Bernard", first_name="Chloé", student_number="300",
                       faculty="Sciences", programme="L Maths", year_of_study="L2", group_name="G1"),
        "D": make_user(email="d@etu.univ-amu.fr", last_name="Albert", first_name="David", student_number="400",
                       faculty="Lettres", programme="L Hist", year_of_study="L1", group_name="G1"),
        "E": make_user(email="e@etu.univ-amu.fr", last_name="=HYPERLINK(\"http://x\")", first_name="-Eve",
                       student_number="500", faculty="Lettres", programme="L Hist", year_of_study="L1",
                       group_name="G1"),
    }
    a, b, d, e = people["A"], people["B"], people["D"], people["E"]
    add_progress(app, a, "intro", D(2025, 1, 5), D(2025, 1, 6, 10), 0.8)
    add_progress(app, a, "second", D(2025, 1, 7), D(2025, 1, 8, 9), 1.0)
    add_progress(app, a, "reading", D(2025, 1, 8), D(2025, 1, 8, 11))
    add_progress(app, b, "intro", D(2025, 1, 6), D(2025, 1, 7, 12), 0.6)
    add_progress(app, b, "second", D(2025, 1, 8), None, 0.4)
    add_progress(app, d, "intro", D(2025, 2, 2), D(2025, 2, 3, 8), 0.9)
    add_progress(app, d, "second", D(2025, 2, 3), D(2025, 2, 4, 8), 0.7)
    add_progress(app, d, "reading", D(2025, 2, 4), D(2025, 2, 5, 8))
    add_progress(app, d, "expert", D(2025, 2, 6), D(2025, 2, 10, 8), 1.0)
    add_progress(app, e, "intro", D(2025, 1, 20), None, 0.2)
    return people


@pytest.fixture
def coordinator(make_user):
    return make_user("coordinator", email="coord@univ-amu.fr")


@pytest.fixture
def lettres_coordinator(app, make_user):
    user = make_user("coordinator", email="lettres@univ-amu.fr")
    with app.app_context():
        db.session.add(CoordinatorFaculty(user_id=user.id, faculty="Lettres"))
        db.session.commit()
    return user


def report_for(app, viewer_id, **filters):
    from cyberaware import reports

    with app.app_context():
        viewer = db.session.get(User, viewer_id)
        return reports.completion_report(db.session, viewer, reports.make_filters(viewer, **filters))


def stats_by_slug(report):
    return {s.module.slug: s for s in report.module_stats}


# --- numbers --------------------------------------------------------------------------------------


def test_overall_and_per_module_numbers(app, roster, coordinator):
    report = report_for(app, coordinator.id)
    assert report.students == 5 and report.finished == 2  # A and D
    assert report.completion_rate == pytest.approx(0.4)
    by_slug = stats_by_slug(report)
    intro = by_slug["intro"]
    assert (intro.not_started, intro.in_progress, intro.completed) == (1, 1, 3)
    assert intro.completion_rate == pytest.approx(0.6)
    assert intro.mean_best == pytest.approx((0.8 + 0.6 + 0.9 + 0.2) / 4)
    second = by_slug["second"]
    assert (second.not_started, second.in_progress, second.completed) == (2, 1, 2)
    assert second.mean_best == pytest.approx((1.0 + 0.4 + 0.7) / 3)
    assert by_slug["reading"].mean_best is None and by_slug["reading"].completed == 2
    assert by_slug["expert"].completed == 1 and by_slug["expert"].not_started == 4
    assert [s.module.slug for s in report.module_stats] == ["intro", "second", "reading", "expert"]


def test_per_faculty_programme_year_group(app, roster, coordinator):
    report = report_for(app, coordinator.id)
    faculties = {g.key: g for g in report.by_faculty}
    assert faculties[("Sciences",)].students == 3 and faculties[("Sciences",)].finished == 1
    assert faculties[("Sciences",)].completion_rate == pytest.approx(1 / 3)
    assert faculties[("Sciences",)].mean_best == pytest.approx((0.8 + 1.0 + 0.6 + 0.4) / 4)
    assert faculties[("Lettres",)].completion_rate == pytest.approx(0.5)
    assert faculties[("Lettres",)].mean_best == pytest.approx((0.9 + 0.7 + 1.0 + 0.2) / 4)
    years = {g.key: (g.students, g.finished) for g in report.by_year}
    assert years == {("L1",): (4, 2), ("L2",): (1, 0)}
    programmes = {g.key: (g.students, g.finished) for g in report.by_programme}
    assert programmes == {("L Info",): (2, 1), ("L Maths",): (1, 0), ("L Hist",): (2, 1)}
    groups = {g.key: g.students for g in report.by_group}
    assert groups == {("L Info", "L1", "G1"): 1, ("L Info", "L1", "G2"): 1, ("L Maths", "L2", "G1"): 1,
                      ("L Hist", "L1", "G1"): 2}


def test_date_range_counts_completions_within_it(app, roster, coordinator):
    from datetime import date

    report = report_for(app, coordinator.id, date_from=date(2025, 1, 7), date_to=date(2025, 1, 31))
    intro = stats_by_slug(report)["intro"]
    # B completed in range, A before it, E in progress, C and D (started in February) not started
    assert (intro.completed, intro.completed_before, intro.in_progress, intro.not_started) == (1, 1, 1, 2)
    assert report.students == 5 and report.finished == 1  # A finished on 01-08; D in February
    assert report.bucket == "day" and report.over_time[0].start == date(2025, 1, 7)
    assert len(report.over_time) == 25
    assert [b.completions for b in report.over_time[:3]] == [1, 2, 0]


def test_completions_over_time_per_week_without_dates(app, roster, coordinator):
    from datetime import date

    report = report_for(app, coordinator.id)
    assert report.bucket == "week"
    points = [(b.start, b.completions) for b in report.over_time]
    assert points == [(date(2025, 1, 6), 4), (date(2025, 1, 13), 0), (date(2025, 1, 20), 0),
                      (date(2025, 1, 27), 0), (date(2025, 2, 3), 3), (date(2025, 2, 10), 1)]


def test_roster_filters_select_students(app, roster, coordinator):
    report = report_for(app, coordinator.id, programmes=["L Info"], groups=["G2"])
    assert report.students == 1 and stats_by_slug(report)["intro"].completed == 1


def test_dashboard_page_shows_charts_and_tables(client, auth, roster, coordinator):
    auth.login(coordinator.email)
    response = client.get("/coordinator/dashboard", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('role="img"') >= 6 and "<script" not in html and "style=" not in html
    assert re.search(r"<dt>Students</dt><dd>5</dd>", html)
    assert "40.0 %" in html  # core completion rate
    assert '<option value="Lettres">Lettres</option>' in html and "<caption>" in html
    filtered = client.get("/coordinator/dashboard?faculty=Lettres&programme=L+Hist").get_data(as_text=True)
    assert re.search(r"<dd>2</dd>", filtered) and '<option selected value="Lettres">' in filtered
    assert "/coordinator/export/students.csv?faculty=Lettres&amp;programme=L+Hist" in filtered


def test_breakdowns_too_long_for_a_chart_keep_their_table(client, auth, roster, coordinator, monkeypatch):
    from cyberaware.coordinator import dashboard

    monkeypatch.setattr(dashboard, "MAX_CHART_ROWS", 1)
    auth.login(coordinator.email)
    html = client.get("/coordinator/dashboard", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="chart-group' not in html and 'id="chart-faculty' not in html
    assert re.search(r"\d+ rows: too many for a chart", html)
    group_table = html[html.index('id="group-heading"'):]
    assert group_table.count("<tr") >= 3  # every group still listed
    assert 'id="chart-modules' in html  # the per-module charts stay


def test_coordinator_home_redirects_to_dashboard(client, auth, coordinator):
    auth.login(coordinator.email)
    assert client.get("/coordinator/").headers["Location"].endswith("/coordinator/dashboard")


def test_students_cannot_see_the_dashboard(client, auth, roster):
    auth.login("a@etu.univ-amu.fr")
    assert client.get("/coordinator/dashboard").status_code == 403
    assert client.get("/coordinator/export/students.csv").status_code == 403


def test_bad_dates_are_a_clear_400(client, auth, coordinator):
    auth.login(coordinator.email)
    response = client.get("/coordinator/dashboard?from=2025-13-01", headers={"Accept-Language": "en"})
    assert response.status_code == 400 and "2025-13-01" in response.get_data(as_text=True)
    response = client.get("/coordinator/dashboard?from=2025-02-01&to=2025-01-01", headers={"Accept-Language": "en"})
    assert response.status_code == 400 and "start date is after the end date" in response.get_data(as_text=True)


# --- scope ----------------------------------------------------------------------------------------


def test_scoped_coordinator_sees_and_exports_only_their_faculty(client, auth, roster, lettres_coordinator):
    auth.login(lettres_coordinator.email)
    html = client.get("/coordinator/dashboard").get_data(as_text=True)
    assert "Sciences" not in html and "L Info" not in html
    assert re.search(r"<dd>2</dd>", html)
    body = client.get("/coordinator/export/students.csv").get_data(as_text=True)
    assert "d@etu.univ-amu.fr" in body and "e@etu.univ-amu.fr" in body
    assert "a@etu.univ-amu.fr" not in body and "Sciences" not in body
    aggregate = client.get("/coordinator/export/aggregate.csv").get_data(as_text=True)
    assert "Sciences" not in aggregate and "Lettres" in aggregate


def test_filter_outside_scope_is_refused_with_a_message(client, auth, roster, lettres_coordinator, dbq):
    auth.login(lettres_coordinator.email)
    for path in ("/coordinator/dashboard?faculty=Sciences", "/coordinator/export/students.csv?faculty=Sciences",
                 "/coordinator/export/aggregate.xlsx?faculty=Lettres&faculty=Sciences"):
        response = client.get(path, headers={"Accept-Language": "en"})
        assert response.status_code == 403, path
        assert "You may not see these faculties: Sciences" in response.get_data(as_text=True)
    assert dbq.count(AuditEvent, AuditEvent.action.like("export.%")) == 0


# --- exports --------------------------------------------------------------------------------------


def read_csv(body: bytes, delimiter=";"):
    assert body.startswith(BOM.encode("utf-8"))
    text = body.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def test_student_csv_export(client, auth, roster, coordinator, dbq):
    auth.login(coordinator.email)
    response = client.get("/coordinator/export/students.csv", headers={"Accept-Language": "en"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response.data)
    header, data = rows[0], rows[1:]
    assert header[:10] == ["Last name", "First name", "E-mail", "Student number", "Faculty", "Programme",
                           "Year", "Group", "Core completed (%)", "Modules completed"]
    assert header[10:13] == ["Introduction (EN) — status", "Introduction (EN) — best score (%)",
                             "Introduction (EN) — completion date"]
    assert header[-1] == "Expert track" and len(header) == 10 + 4 * 3 + 1
    assert not any("hash" in h.lower() or "token" in h.lower() for h in header)
    by_email = {row[2]: row for row in data}
    assert set(by_email) == {f"{x}@etu.univ-amu.fr" for x in "abcde"}
    a, b, d, e = (by_email[f"{x}@etu.univ-amu.fr"] for x in "abde")
    assert a[8:10] == ["100", "3"] and a[10:13] == ["completed", "80", "2025-01-06"]
    assert b[8:10] == ["33,3", "1"] and b[13:16] == ["in progress", "40", ""]
    assert d[9] == "4" and d[19:22] == ["completed", "100", "2025-02-10"]
    assert e[0] == "'=HYPERLINK(\"http://x\")" and e[1] == "'-Eve"  # neutralised
    assert by_email["c@etu.univ-amu.fr"][10] == "not started"
    event = dbq.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export.students.csv"))
    assert event.rows == 5 and event.actor_id == coordinator.id and event.details["via"] == "web"


def test_csv_with_comma_separator_and_filters(client, auth, roster, coordinator):
    auth.login(coordinator.email)
    body = client.get("/coordinator/export/students.csv?sep=comma&faculty=Sciences&programme=L+Info").data
    rows = read_csv(body, delimiter=",")
    assert len(rows) == 3 and {r[2] for r in rows[1:]} == {"a@etu.univ-amu.fr", "b@etu.univ-amu.fr"}
    assert rows[2][8] == "33.3" or rows[1][8] == "33.3"  # decimal point with the comma separator
    assert client.get("/coordinator/export/students.csv?sep=tab").status_code == 400


def test_xlsx_exports_have_the_same_numbers(client, auth, roster, coordinator, dbq):
    auth.login(coordinator.email)
    response = client.get("/coordinator/export/students.xlsx", headers={"Accept-Language": "en"})
    assert response.status_code == 200 and response.data[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    by_email = {r[2]: r for r in rows[1:]}
    b = by_email["b@etu.univ-amu.fr"]
    assert b[8] == pytest.approx(33.3) and b[9] == 1 and b[10] == "completed" and b[11] == 60
    assert by_email["a@etu.univ-amu.fr"][12] == datetime(2025, 1, 6)
    assert by_email["e@etu.univ-amu.fr"][0].startswith("'=")
    aggregate = client.get("/coordinator/export/aggregate.xlsx", headers={"Accept-Language": "en"})
    rows = [list(r) for r in load_workbook(io.BytesIO(aggregate.data), read_only=True).active.iter_rows(values_only=True)]
    assert rows[0][:8] == ["Faculty", "Programme", "Year", "Group", "Students", "Finished the core curriculum",
                           "Core curriculum (%)", "Mean best score (%)"]
    total = rows[-1]
    assert total[0] == "All" and total[4:8] == [5, 2, 40, 70] and total[8:12] == [60, 40, 40, 20]
    hist = next(r for r in rows if r[1] == "L Hist")
    assert hist[4:7] == [2, 1, 50] and hist[8] == 50
    assert dbq.count(AuditEvent, AuditEvent.action.in_(["export.students.xlsx", "export.aggregate.xlsx"])) == 2


def test_aggregate_csv_rows_per_group(client, auth, roster, coordinator):
    auth.login(coordinator.email)
    rows = read_csv(client.get("/coordinator/export/aggregate.csv", headers={"Accept-Language": "en"}).data)
    info_g2 = next(r for r in rows if r[1:4] == ["L Info", "L1", "G2"])
    assert info_g2[4:8] == ["1", "0", "0", "50"] and info_g2[8:10] == ["100", "0"]
    assert rows[-1][:8] == ["All", "", "", "", "5", "2", "40", "70"]


def test_cli_export_with_admin_scope(app, runner, roster, tmp_path, dbq):
    output = tmp_path / "students.csv"
    result = runner.invoke(args=["report", "completion", "--format", "csv", "--output", str(output),
                                 "--faculty", "Lettres", "--lang", "en"])
    assert result.exit_code == 0, result.output
    rows = read_csv(output.read_bytes())
    assert {r[2] for r in rows[1:]} == {"d@etu.univ-amu.fr", "e@etu.univ-amu.fr"}
    xlsx = tmp_path / "aggregate.xlsx"
    result = runner.invoke(args=["report", "completion", "--format", "xlsx", "--kind", "aggregate", "--output",
                                 str(xlsx), "--from", "2025-01-07", "--to", "2025-01-31"])
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(xlsx, read_only=True).active.iter_rows(values_only=True))
    assert rows[-1][4:7] == (5, 1, 20)
    events = dbq.scalars(sa.select(AuditEvent).where(AuditEvent.actor_label == "cli").order_by(AuditEvent.id))
    assert [(e.action, e.rows) for e in events] == [("export.students.csv", 2), ("export.aggregate.xlsx", 5)]
    assert events[1].details["filters"] == {"date_from": "2025-01-07", "date_to": "2025-01-31"}
    bad = runner.invoke(args=["report", "completion", "--format", "csv", "--output", str(output), "--from", "x"])
    assert bad.exit_code != 0


# --- API tokens -----------------------------------------------------------------------------------


def create_token(client, name="Power BI", expires="90"):
    token = csrf_token(client, "/coordinator/tokens")
    response = client.post("/coordinator/tokens", data={"csrf_token": token, "name": name, "expires": expires})
    assert response.status_code == 200
    match = re.search(r'id="new-token-value" type="text" readonly value="([^"]+)"', response.get_data(as_text=True))
    assert match
    return match.group(1)


def test_api_token_create_use_revoke(app, client, auth, roster, lettres_coordinator, dbq):
    auth.login(lettres_coordinator.email)
    token = create_token(client)
    row = dbq.scalar(sa.select(ApiToken))
    assert row.token_hash != token and len(row.token_hash) == 64 and token.startswith(row.prefix)
    assert token not in client.get("/coordinator/tokens").get_data(as_text=True)  # shown once

    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    response = api.get("/api/v1/completion/students.csv", headers=headers)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    emails = {r[2] for r in read_csv(response.data)[1:]}
    assert emails == {"d@etu.univ-amu.fr", "e@etu.univ-amu.fr"}  # the owner's scope
    data = api.get("/api/v1/completion/aggregate.json", headers=headers).get_json()
    assert data["students"] == 2 and data["by_faculty"][0]["faculty"] == "Lettres"
    assert api.get("/api/v1/completion/students.csv?faculty=Sciences", headers=headers).status_code == 403
    assert dbq.get(ApiToken, row.id).last_used_at is not None
    events = dbq.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("api.%")))
    assert {e.action for e in events} == {"api.students.csv", "api.aggregate.json"}
    assert all(e.actor_id == lettres_coordinator.id and e.details["token_id"] == row.id for e in events)
    assert token not in str([e.details for e in events])

    revoke = csrf_token(client, "/coordinator/tokens")
    assert client.post(f"/coordinator/tokens/{row.id}/revoke", data={"csrf_token": revoke}).status_code == 302
    assert dbq.get(ApiToken, row.id).revoked_at is not None
    assert api.get("/api/v1/completion/students.csv", headers=headers).status_code == 401
    actions = {e.action for e in dbq.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("token.%")))}
    assert actions == {"token.create", "token.revoke"}


def test_api_refuses_missing_unknown_and_expired_tokens(app, client, auth, roster, coordinator, dbq):
    api = app.test_client()
    assert api.get("/api/v1/completion/students.csv").status_code == 401
    response = api.get("/api/v1/completion/students.csv", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and "Bearer" in response.headers["WWW-Authenticate"]
    auth.login(coordinator.email)
    token = create_token(client, expires="30")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/completion/aggregate.csv", headers=headers).status_code == 200
    with app.app_context():
        db.session.execute(sa.update(ApiToken).values(expires_at=datetime.now() - timedelta(minutes=1)))
        db.session.commit()
    assert api.get("/api/v1/completion/aggregate.csv", headers=headers).status_code == 401
    assert "expired" in client.get("/coordinator/tokens", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_api_token_dies_with_its_owner_role(app, client, auth, roster, coordinator):
    auth.login(coordinator.email)
    token = create_token(client)
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == coordinator.id).values(role="instructor"))
        db.session.commit()
    assert app.test_client().get("/api/v1/completion/students.csv",
                                 headers={"Authorization": f"Bearer {token}"}).status_code == 401


# --- cost does not grow with the number of students ----------------------------------------------


def count_dashboard_statements(app, client, n_students, make_user):
    from sqlalchemy import event

    with app.app_context():
        module_ids = list(db.session.scalars(sa.select(ModuleRecord.id)))
        db.session.execute(sa.insert(User), [
            {"email": f"bulk{n_students}-{i}@etu.univ-amu.fr", "role": "student", "faculty": f"F{i % 3}",
             "programme": f"P{i % 5}", "year_of_study": "L1", "group_name": f"G{i % 4}", "first_name": "",
             "last_name": f"N{i}", "session_token": f"t{n_students}-{i}"} for i in range(n_students)])
        ids = list(db.session.scalars(sa.select(User.id).where(User.email.like(f"bulk{n_students}-%"))))
        db.session.execute(sa.insert(ModuleProgress), [
            {"user_id": uid, "module_id": mid, "started_at": D(2025, 1, 1), "completed_at": D(2025, 1, 2 + k % 20),
             "best_ratio": 0.5} for k, uid in enumerate(ids) for mid in module_ids])
        rebuild_student_summaries()
        db.session.commit()
        engine = db.engine
    statements = []

    def listener(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get("/coordinator/dashboard").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_dashboard_query_count_does_not_grow_with_students(app, client, auth, content, coordinator, make_user):
    auth.login(coordinator.email)
    few = count_dashboard_statements(app, client, 10, make_user)
    many = count_dashboard_statements(app, client, 100, make_user)
    assert few == many and few <= 12
