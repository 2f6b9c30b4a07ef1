"""Admin tools: coordinator scope and the audit log."""

from __future__ import annotations

import sqlalchemy as sa

from cyberaware.models import AuditEvent, CoordinatorFaculty, User
from tests.conftest import AuthActions, csrf_token


def test_admin_sets_a_coordinator_scope_and_it_is_audited(app, client, auth, make_user, dbq):
    admin = make_user("admin")
    coordinator = make_user("coordinator")
    auth.login(admin.email)
    token = csrf_token(client, f"/admin/users/{coordinator.id}/scope")
    response = client.post(f"/admin/users/{coordinator.id}/scope",
                           data={"faculties": "Faculté des sciences\n\n  IUT \nIUT\n", "csrf_token": token})
    assert response.status_code == 302
    rows = dbq.scalars(sa.select(CoordinatorFaculty.faculty).order_by(CoordinatorFaculty.faculty))
    assert rows == ["Faculté des sciences", "IUT"]
    event = dbq.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.scope"))
    assert event.actor_id == admin.id and event.details["faculties"] == ["Faculté des sciences", "IUT"]
    page = client.get("/admin/audit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "account.scope" in page and admin.email in page


def test_scope_is_only_for_coordinators(client, auth, make_user):
    admin = make_user("admin")
    student = make_user("student")
    auth.login(admin.email)
    assert client.get(f"/admin/users/{student.id}/scope").status_code == 302


def test_audit_log_is_for_admins_only(app, client, make_user):
    for role in ("student", "instructor", "coordinator"):
        user = make_user(role)
        other = app.test_client()
        AuthActions(other).login(user.email)
        assert other.get("/admin/audit").status_code == 403


def test_cli_set_scope(runner, make_user, dbq):
    coordinator = make_user("coordinator")
    result = runner.invoke(args=["users", "set-scope", coordinator.email, "IUT", "Faculté de droit"])
    assert result.exit_code == 0, result.output
    assert sorted(dbq.scalars(sa.select(CoordinatorFaculty.faculty))) == ["Faculté de droit", "IUT"]
    assert runner.invoke(args=["users", "set-scope", coordinator.email]).exit_code == 0
    assert dbq.count(CoordinatorFaculty) == 0
    student = make_user("student")
    assert runner.invoke(args=["users", "set-scope", student.email, "IUT"]).exit_code == 1


def test_role_change_is_audited(client, auth, make_user, dbq):
    admin = make_user("admin")
    target = make_user("student")
    auth.login(admin.email)
    token = csrf_token(client, "/admin/")
    client.post(f"/admin/users/{target.id}/role", data={"role": "coordinator", "csrf_token": token})
    event = dbq.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.role"))
    assert event.details == {"user_id": target.id, "before": "student", "after": "coordinator"}
    assert dbq.get(User, target.id).role == "coordinator"
