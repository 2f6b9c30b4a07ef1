"""Roster import: the coordinator page (dry run, then confirm), `flask users import`, matching rules."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from cyberaware.models import AuditEvent, CoordinatorFaculty, User
from tests.conftest import TEST_PASSWORD, csrf_token
from tests.web.test_mail_and_cli import Sink, smtp_sink  # noqa: F401  (fixture)

HEADER = "Numéro étudiant;Courriel;Nom;Prénom;Composante;Diplôme;Année;Groupe"
SCIENCES = "Faculté des sciences"
LAW = "Faculté de droit et de science politique"


@pytest.fixture
def app_config(tmp_path: Path) -> dict:
    return {"ROSTER_UPLOAD_DIR": str(tmp_path / "uploads")}


def roster(*lines: str, header: str = HEADER, encoding: str = "utf-8-sig") -> bytes:
    return "\r\n".join((header, *lines, "")).encode(encoding)


def student_line(number: str, email: str, last: str = "Dupont", first: str = "Zoé", faculty: str = SCIENCES,
                 programme: str = "Licence Informatique", year: str = "L1", group: str = "G1") -> str:
    return ";".join((number, email, last, first, faculty, programme, year, group))


def upload(client, data: bytes, name: str = "roster.csv", skip: bool = False):
    form = {"csrf_token": csrf_token(client, "/coordinator/roster"), "roster": (io.BytesIO(data), name)}
    if skip:
        form["skip_invalid"] = "y"
    return client.post("/coordinator/roster", data=form, content_type="multipart/form-data")


def confirm_fields(html: str) -> dict[str, str]:
    fields = {}
    for name in ("csrf_token", "token", "sha256"):
        match = re.search(rf'name="{name}" type="hidden" value="([^"]+)"', html)
        assert match, f"no {name} on the preview page"
        fields[name] = match.group(1)
    return fields


def students(dbq) -> dict[str, User]:
    return {user.student_number or user.email: user
            for user in dbq.scalars(sa.select(User).where(User.role == "student"))}


@pytest.fixture
def coordinator(make_user, auth):
    """A logged-in coordinator whose interface is in English (the messages the tests read)."""
    user = make_user("coordinator", email="coord@univ-amu.fr", locale="en")
    auth.login(user.email)
    return user


# --- the page ---------------------------------------------------------------------------------------

def test_dry_run_then_confirm_creates_the_students(client, coordinator, dbq, app):
    data = roster(student_line("1001", "Zoe.Dupont@etu.univ-amu.fr"),
                  student_line("1002", "leo.martin@etu.univ-amu.fr", "Martin", "Léo", LAW, "Licence Droit", "L2", ""))
    page = client.get("/coordinator/roster")
    assert page.status_code == 200 and 'type="file"' in page.get_data(as_text=True)

    preview = upload(client, data, name="L1 sciences.csv")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert '<td id="count-created">2</td>' in html and '<td id="count-rejected">0</td>' in html
    assert "zoe.dupont@etu.univ-amu.fr" in html and "Faculté de droit" in html
    assert dbq.count(User, User.role == "student") == 0  # a dry run saves nothing
    assert data not in html.encode()  # the confirmation does not carry the file

    response = client.post("/coordinator/roster/confirm", data=confirm_fields(html))
    assert response.status_code == 302 and response.headers["Location"] == "/coordinator/roster"
    created = students(dbq)
    assert set(created) == {"1001", "1002"}
    zoe = created["1001"]
    assert (zoe.email, zoe.first_name, zoe.faculty, zoe.programme, zoe.year_of_study, zoe.group_name) == \
        ("zoe.dupont@etu.univ-amu.fr", "Zoé", SCIENCES, "Licence Informatique", "L1", "G1")
    assert zoe.password_hash is None and zoe.email_verified_at is not None and zoe.active
    assert created["1002"].group_name is None
    assert "2 students created" in client.get("/coordinator/roster").get_data(as_text=True)
    assert list((Path(app.config["ROSTER_UPLOAD_DIR"])).iterdir()) == []  # the upload is deleted


def test_preview_shows_updates_with_changed_fields_and_rejected_lines(client, coordinator, make_user):
    make_user("student", email="a@etu.univ-amu.fr", student_number="1", faculty=SCIENCES, group_name="G1",
              programme="Licence Informatique", year_of_study="L1", first_name="Zoé", last_name="Dupont")
    data = roster(student_line("1", "a@etu.univ-amu.fr", group="G2"), "2;not-an-address;X;Y;;;;",
                  student_line("3", "c@etu.univ-amu.fr"), student_line("3", "d@etu.univ-amu.fr"))
    html = upload(client, data).get_data(as_text=True)
    assert '<td id="count-updated">1</td>' in html and '<td id="count-rejected">3</td>' in html
    assert re.search(r"group: <del>G1</del> → <ins>G2</ins>", html)
    assert re.search(r'<th scope="row">3</th>\s*<td><span class="roster-reason" data-code="bad-email">', html)
    assert "also on line(s) 5" in html and "also on line(s) 4" in html
    assert 'name="skip_invalid"' in html


def test_rejected_lines_refuse_the_confirmation_unless_skipped(client, coordinator, dbq):
    data = roster(student_line("1", "a@etu.univ-amu.fr"), student_line("2", "bad address"))
    fields = confirm_fields(upload(client, data).get_data(as_text=True))
    refused = client.post("/coordinator/roster/confirm", data=fields)
    assert refused.status_code == 422 and "Nothing was imported" in refused.get_data(as_text=True)
    assert dbq.count(User, User.role == "student") == 0 and dbq.count(AuditEvent) == 0
    applied = client.post("/coordinator/roster/confirm", data={**fields, "skip_invalid": "y"})
    assert applied.status_code == 302
    assert set(students(dbq)) == {"1"}


def test_skip_invalid_chosen_on_upload_is_kept_on_the_preview(client, coordinator, dbq):
    data = roster(student_line("1", "a@etu.univ-amu.fr"), student_line("2", "bad address"))
    html = upload(client, data, skip=True).get_data(as_text=True)
    assert re.search(r'<input checked id="skip_invalid" name="skip_invalid"', html)


def test_unreadable_file_shows_the_reason_and_changes_nothing(client, coordinator, dbq):
    response = upload(client, b"PK\x03\x04 an xlsx workbook", name="roster.xlsx")
    assert response.status_code == 422
    assert "Save it as CSV" in response.get_data(as_text=True)
    missing = upload(client, "Nom;Prénom\r\nDupont;Zoé\r\n".encode())
    assert missing.status_code == 422 and "Required column missing" in missing.get_data(as_text=True)
    assert dbq.count(User, User.role == "student") == 0


def test_tampered_or_reused_confirmations_are_refused(client, coordinator, dbq, make_user, auth, app):
    fields = confirm_fields(upload(client, roster(student_line("1", "a@etu.univ-amu.fr"))).get_data(as_text=True))
    other_hash = {**fields, "sha256": "0" * 64}
    assert client.post("/coordinator/roster/confirm", data=other_hash).status_code == 400
    unknown = {**fields, "token": "A" * 43}
    assert client.post("/coordinator/roster/confirm", data=unknown).status_code == 400
    traversal = {**fields, "token": "../../etc/passwd"}
    assert client.post("/coordinator/roster/confirm", data=traversal).status_code == 400
    # the stored file changed after the preview: its hash no longer matches
    stored = Path(app.config["ROSTER_UPLOAD_DIR"]) / f"{fields['token']}.csv"
    original = stored.read_bytes()
    stored.write_bytes(original.replace(b"a@etu", b"z@etu"))
    assert client.post("/coordinator/roster/confirm", data=fields).status_code == 400
    stored.write_bytes(original)
    assert dbq.count(User, User.role == "student") == 0

    # another coordinator cannot apply someone else's upload
    client.post("/logout", data={"csrf_token": csrf_token(client, "/settings")})
    other = make_user("coordinator", email="other@univ-amu.fr")
    auth.login(other.email)
    stolen = {**fields, "csrf_token": csrf_token(client, "/coordinator/roster")}
    assert client.post("/coordinator/roster/confirm", data=stolen).status_code == 400
    assert dbq.count(User, User.role == "student") == 0

    client.post("/logout", data={"csrf_token": csrf_token(client, "/settings")})
    auth.login(coordinator.email)
    mine = {**fields, "csrf_token": csrf_token(client, "/coordinator/roster")}
    assert client.post("/coordinator/roster/confirm", data=mine).status_code == 302
    assert client.post("/coordinator/roster/confirm", data=mine).status_code == 400  # used once
    assert dbq.count(User, User.role == "student") == 1


def test_expired_uploads_are_refused_and_purged(client, coordinator, dbq, app, monkeypatch):
    import cyberaware.coordinator.roster as views

    fields = confirm_fields(upload(client, roster(student_line("1", "a@etu.univ-amu.fr"))).get_data(as_text=True))
    later = views.time.time() + views.UPLOAD_MAX_AGE + 1
    monkeypatch.setattr(views.time, "time", lambda: later)
    assert client.post("/coordinator/roster/confirm", data=fields).status_code == 400
    upload(client, roster(student_line("2", "b@etu.univ-amu.fr")))  # a new upload purges the stale one
    folder = Path(app.config["ROSTER_UPLOAD_DIR"])
    assert not (folder / f"{fields['token']}.csv").exists()
    assert dbq.count(User, User.role == "student") == 0


def test_posts_without_csrf_token_are_refused(client, coordinator, dbq):
    data = roster(student_line("1", "a@etu.univ-amu.fr"))
    no_token = client.post("/coordinator/roster", data={"roster": (io.BytesIO(data), "r.csv")},
                           content_type="multipart/form-data")
    assert no_token.status_code == 400
    fields = confirm_fields(upload(client, data).get_data(as_text=True))
    del fields["csrf_token"]
    assert client.post("/coordinator/roster/confirm", data=fields).status_code == 400
    assert dbq.count(User, User.role == "student") == 0


def test_students_and_anonymous_users_cannot_import(client, make_user, auth):
    assert client.get("/coordinator/roster").status_code == 302
    student = make_user("student")
    auth.login(student.email)
    assert client.get("/coordinator/roster").status_code == 403


def test_rosters_larger_than_the_default_request_limit_are_accepted(client, coordinator, app):
    filler = "x" * 100_000
    data = roster(*(f"{n};s{n}@etu.univ-amu.fr;{filler}" for n in range(60)), header="Numéro étudiant;Courriel;Remarque")
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]
    response = upload(client, data)
    assert response.status_code == 200 and '<td id="count-created">60</td>' in response.get_data(as_text=True)


def test_rosters_over_20_mb_are_refused(client, coordinator, dbq):
    response = upload(client, b"Num\xc3\xa9ro \xc3\xa9tudiant;Courriel\r\n" + b"x" * (21 * 1024 * 1024))
    assert response.status_code == 413
    assert dbq.count(User, User.role == "student") == 0


# --- scope --------------------------------------------------------------------------------------------

def test_a_scoped_coordinator_imports_only_students_of_their_faculties(client, make_user, auth, app, dbq):
    from cyberaware.extensions import db

    scoped = make_user("coordinator", email="iut@univ-amu.fr", locale="en")
    with app.app_context():
        db.session.add(CoordinatorFaculty(user_id=scoped.id, faculty="IUT"))
        db.session.commit()
    make_user("student", email="law@etu.univ-amu.fr", student_number="9", faculty=LAW)
    auth.login(scoped.email)
    data = roster(student_line("1", "a@etu.univ-amu.fr", faculty="IUT"),
                  student_line("2", "b@etu.univ-amu.fr", faculty=SCIENCES),
                  student_line("3", "c@etu.univ-amu.fr", faculty=""),
                  student_line("9", "law@etu.univ-amu.fr", faculty="IUT"))  # would move a law student to IUT
    html = upload(client, data).get_data(as_text=True)
    assert '<td id="count-created">1</td>' in html and '<td id="count-rejected">3</td>' in html
    assert "outside your scope" in html and "The faculty is missing" in html
    assert "You may import only students of: IUT" in html
    assert client.post("/coordinator/roster/confirm", data={**confirm_fields(html), "skip_invalid": "y"}
                       ).status_code == 302
    assert {n: u.faculty for n, u in students(dbq).items()} == {"1": "IUT", "9": LAW}


def test_an_admin_imports_every_faculty(client, make_user, auth, dbq):
    admin = make_user("admin", email="admin@univ-amu.fr")
    auth.login(admin.email)
    data = roster(student_line("1", "a@etu.univ-amu.fr", faculty="IUT"),
                  student_line("2", "b@etu.univ-amu.fr", faculty="Polytech Marseille"))
    html = upload(client, data).get_data(as_text=True)
    assert '<td id="count-created">2</td>' in html
    assert client.post("/coordinator/roster/confirm", data=confirm_fields(html)).status_code == 302
    assert dbq.count(User, User.role == "student") == 2


# --- matching rules (through the service) ---------------------------------------------------------------

def plan_of(app, data: bytes):
    from cyberaware.roster import parse_roster
    from cyberaware.services.roster import plan_import

    with app.app_context():
        return plan_import(parse_roster(data))


@pytest.fixture(params=["in-queries", "whole-table"])
def lookup(request, monkeypatch):
    """Run a test with both ways of loading existing accounts (small and large files)."""
    from cyberaware.services import roster as service

    if request.param == "whole-table":
        monkeypatch.setattr(service, "WHOLE_TABLE_FROM", 0)
    else:
        monkeypatch.setattr(service, "CHUNK", 2)  # several IN queries even for a few lines
    return request.param


def test_upsert_matches_the_student_number_then_the_email(app, make_user, runner, dbq, tmp_path, lookup):
    by_number = make_user("student", email="old@etu.univ-amu.fr", student_number="1", faculty=SCIENCES)
    by_email = make_user("student", email="self@etu.univ-amu.fr", first_name="Ana", last_name="Lima")
    data = roster(student_line("1", "new@etu.univ-amu.fr", faculty=SCIENCES),
                  student_line("2", "SELF@etu.univ-amu.fr", last="", first=""),
                  student_line("3", "three@etu.univ-amu.fr"))
    plan = plan_of(app, data)
    assert [row.line for row in plan.created] == [4]
    updates = {row.line: row for row in plan.updated}
    assert updates[2].matched_by == "student_number" and updates[2].user_id == by_number.id
    assert updates[2].changes["email"] == ("old@etu.univ-amu.fr", "new@etu.univ-amu.fr")
    assert "faculty" not in updates[2].changes
    assert updates[3].matched_by == "email" and updates[3].user_id == by_email.id
    assert updates[3].changes["student_number"] == (None, "2")
    assert "first_name" not in updates[3].changes  # an empty name is not a change

    path = tmp_path / "roster.csv"
    path.write_bytes(data)
    result = runner.invoke(args=["users", "import", str(path), "--no-invitations"])
    assert result.exit_code == 0, result.output
    assert dbq.get(User, by_number.id).email == "new@etu.univ-amu.fr"
    merged = dbq.get(User, by_email.id)
    assert (merged.student_number, merged.first_name, merged.faculty) == ("2", "Ana", SCIENCES)
    assert merged.password_hash is not None  # an existing account keeps its password
    assert dbq.count(User) == 3

    again = runner.invoke(args=["users", "import", str(path), "--dry-run"])
    assert "to create: 0\nto update: 0\nunchanged: 3\nrejected: 0" in again.output


def test_an_empty_cell_clears_the_group_but_an_absent_column_changes_nothing(app, make_user):
    make_user("student", email="a@etu.univ-amu.fr", student_number="1", group_name="G1", programme="Licence")
    cleared = plan_of(app, roster(student_line("1", "a@etu.univ-amu.fr", group="", programme="Licence",
                                               last="User1", first="Test", year="", faculty="")))
    assert cleared.updated[0].changes == {"group_name": ("G1", None)}
    absent = plan_of(app, roster("1;a@etu.univ-amu.fr", header="Numéro étudiant;Courriel"))
    assert [row.line for row in absent.unchanged] == [2]


def test_conflicting_and_staff_lines_are_rejected(app, make_user, lookup):
    make_user("student", email="a@etu.univ-amu.fr", student_number="1")
    make_user("student", email="b@etu.univ-amu.fr", student_number="2")
    make_user("coordinator", email="staff@univ-amu.fr")
    make_user("instructor", email="prof@univ-amu.fr", student_number="77")
    plan = plan_of(app, roster(
        student_line("1", "b@etu.univ-amu.fr"),     # number of one student, e-mail of another
        student_line("5", "a@etu.univ-amu.fr"),     # e-mail of a student who has another number
        student_line("6", "staff@univ-amu.fr"),     # a staff account's e-mail
        student_line("77", "x@etu.univ-amu.fr"),    # a staff account's number
        student_line("2", "b2@etu.univ-amu.fr"),    # fine: a new address for student 2
    ))
    assert {line.line: line.code for line in plan.rejected} == {2: "conflict", 3: "number-mismatch",
                                                                4: "staff-account", 5: "staff-account"}
    assert [row.line for row in plan.updated + plan.unchanged] == [6]


# --- the command ----------------------------------------------------------------------------------------

def test_cli_dry_run_prints_the_plan_and_changes_nothing(runner, dbq, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster(student_line("1", "a@etu.univ-amu.fr"), student_line("2", "nope")))
    result = runner.invoke(args=["users", "import", str(path), "--dry-run", "--skip-invalid"])
    assert result.exit_code == 0, result.output
    assert "to create: 1\nto update: 0\nunchanged: 0\nrejected: 1\n" in result.output
    assert "line 3: “nope” is not a valid e-mail address. [bad-email]" in result.output
    assert "dry run: nothing was changed" in result.output
    assert dbq.count(User) == 0 and dbq.count(AuditEvent) == 0


def test_cli_refuses_a_file_with_invalid_lines_and_changes_nothing(runner, dbq, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster(student_line("1", "a@etu.univ-amu.fr"), student_line("1", "b@etu.univ-amu.fr"),
                            student_line("3", "c@etu.univ-amu.fr")))
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert "line 2: The student number 1 is also on line(s) 3." in result.output
    assert "refused: 2 invalid line(s)" in result.output
    assert dbq.count(User) == 0 and dbq.count(AuditEvent) == 0
    dry = runner.invoke(args=["users", "import", str(path), "--dry-run"])
    assert dry.exit_code == 1 and "would be refused" in dry.output


def test_cli_skip_invalid_imports_the_valid_lines(runner, dbq, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster(student_line("1", "a@etu.univ-amu.fr"), student_line("2", "bad"),
                            student_line("3", "c@etu.univ-amu.fr"), encoding="cp1252"))
    result = runner.invoke(args=["users", "import", str(path), "--skip-invalid", "--no-invitations"])
    assert result.exit_code == 0, result.output
    assert "imported: 2 created, 0 updated, 0 unchanged, 1 invalid line(s) skipped; 0 invitation(s) sent" \
        in result.output
    assert {n: u.first_name for n, u in students(dbq).items()} == {"1": "Zoé", "3": "Zoé"}


def test_cli_reports_an_unreadable_file(runner, dbq, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\x00\x01\x02binary")
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1 and "binary data" in result.output and "Nothing was changed" in result.output


def test_cli_refuses_invitations_without_a_public_url_in_production(app, runner, tmp_path, dbq):
    app.testing = False
    path = tmp_path / "roster.csv"
    path.write_bytes(roster(student_line("1", "a@etu.univ-amu.fr")))
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1 and "CYBERAWARE_PUBLIC_URL" in result.output
    assert dbq.count(User) == 0


# --- invitations and audit ------------------------------------------------------------------------------

def test_created_students_get_an_invitation_that_sets_their_password(app, runner, client, auth, smtp_sink,
                                                                      make_user, tmp_path):
    sink, port = smtp_sink
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SENDER="CyberAware <no-reply@univ-amu.fr>")
    make_user("student", email="known@etu.univ-amu.fr", student_number="9")
    path = tmp_path / "roster.csv"
    path.write_bytes(roster(student_line("1", "new@etu.univ-amu.fr"), student_line("9", "known@etu.univ-amu.fr")))
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 invitation(s) sent" in result.output
    assert [recipients for _sender, recipients, _body in sink.messages] == [["new@etu.univ-amu.fr"]]
    body = re.sub(r"=\r?\n", "", sink.messages[0][2])
    link = re.search(r"http://localhost(/reset-password/[A-Za-z0-9._=-]+)", body).group(1)
    password = "a passphrase from the roster"
    token = csrf_token(client, link)
    assert client.post(link, data={"password": password, "confirm": password, "csrf_token": token}
                       ).status_code == 302
    assert auth.login("new@etu.univ-amu.fr", password).status_code == 302


def test_the_page_sends_invitations_through_the_log(client, coordinator, caplog):
    data = roster(student_line("1", "a@etu.univ-amu.fr"))
    html = upload(client, data).get_data(as_text=True)
    with caplog.at_level("INFO", logger="cyberaware.mail"):
        client.post("/coordinator/roster/confirm", data=confirm_fields(html))
    mails = [record.getMessage() for record in caplog.records if record.name == "cyberaware.mail"]
    assert len(mails) == 1 and "To: a@etu.univ-amu.fr" in mails[0] and "/reset-password/" in mails[0]


def test_each_import_writes_an_audit_event_without_personal_data(client, coordinator, dbq, make_user):
    make_user("student", email="b@etu.univ-amu.fr", student_number="2", group_name="G9")
    data = roster(student_line("1", "a@etu.univ-amu.fr"), student_line("2", "b@etu.univ-amu.fr"),
                  student_line("3", "bad"))
    html = upload(client, data, name="../../L1 sciences.csv").get_data(as_text=True)
    client.post("/coordinator/roster/confirm", data={**confirm_fields(html), "skip_invalid": "y"})
    [event] = dbq.scalars(sa.select(AuditEvent))
    assert (event.action, event.actor_id, event.rows) == ("roster.import", coordinator.id, 2)
    assert event.details == {"file": "L1 sciences.csv", "created": 1, "updated": 1, "unchanged": 0, "skipped": 1,
                             "invitations": True}
    assert "etu.univ-amu.fr" not in str(event.details)


def test_cli_import_is_audited_as_the_command_line(runner, dbq, tmp_path):
    path = tmp_path / "promo.csv"
    path.write_bytes(roster(student_line("1", "a@etu.univ-amu.fr")))
    assert runner.invoke(args=["users", "import", str(path), "--no-invitations"]).exit_code == 0
    [event] = dbq.scalars(sa.select(AuditEvent))
    assert (event.actor_id, event.actor_label, event.details["file"], event.details["invitations"]) == \
        (None, "cli", "promo.csv", False)


def test_a_stale_plan_is_rolled_back_entirely(app, make_user, dbq):
    from cyberaware.extensions import db
    from cyberaware.roster import parse_roster
    from cyberaware.services.roster import ImportFailed, apply_import, plan_import

    with app.app_context():
        plan = plan_import(parse_roster(roster(student_line("1", "a@etu.univ-amu.fr"),
                                               student_line("2", "b@etu.univ-amu.fr"))))
    make_user("student", email="b@etu.univ-amu.fr", password=TEST_PASSWORD)  # registered meanwhile
    with app.app_context(), pytest.raises(ImportFailed):
        apply_import(plan, None, skip_invalid=False, send_invitations=False)
    with app.app_context():
        db.session.rollback()
    assert dbq.count(User, User.student_number.is_not(None)) == 0 and dbq.count(AuditEvent) == 0


def test_large_imports_leave_invitations_to_the_scheduled_job(app, runner, tmp_path, dbq, monkeypatch):
    from cyberaware.services import roster as roster_service

    monkeypatch.setattr(roster_service, "INLINE_INVITATIONS", 1)
    path = tmp_path / "big.csv"
    path.write_text("student number;email;last name;first name\n"
                    "1001;a1@etu.univ-amu.fr;A;One\n1002;a2@etu.univ-amu.fr;B;Two\n", encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert dbq.count(User, User.invited_at.is_not(None)) == 0
    sent = runner.invoke(args=["users", "invite", "--pending", "--limit", "1"])
    assert sent.exit_code == 0 and "invitations sent: 1" in sent.output
    assert dbq.count(User, User.invited_at.is_not(None)) == 1
    runner.invoke(args=["users", "invite", "--pending"])
    assert dbq.count(User, User.invited_at.is_not(None)) == 2
    again = runner.invoke(args=["users", "invite", "--pending"])
    assert "invitations sent: 0" in again.output
