"""E-mail through a real local SMTP sink, and the account commands."""

from __future__ import annotations

import re

import pytest
from aiosmtpd.controller import Controller

from cyberaware.models import User
from tests.conftest import csrf_token


class Sink:
    """Keeps every message aiosmtpd receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp_sink():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


def test_password_reset_email_goes_through_smtp(app, client, auth, make_user, smtp_sink):
    sink, port = smtp_sink
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SENDER="CyberAware <no-reply@univ-amu.fr>")
    user = make_user("student")
    token = csrf_token(client, "/reset-password")
    response = client.post("/reset-password", data={"email": user.email, "csrf_token": token})
    assert response.status_code == 200 and sink.messages == []  # nothing sent while the page is served
    response.close()  # what a WSGI server does once the page is sent
    assert len(sink.messages) == 1
    sender, recipients, content = sink.messages[0]
    assert sender == "no-reply@univ-amu.fr" and recipients == [user.email]
    body = re.sub(r"=\r?\n", "", content)  # undo quoted-printable soft breaks
    link = re.search(r"http://localhost(/reset-password/[A-Za-z0-9._=-]+)", body).group(1)
    new = "a passphrase from the mailbox"
    form_token = csrf_token(client, link)
    assert client.post(link, data={"password": new, "confirm": new, "csrf_token": form_token}).status_code == 302
    assert auth.login(user.email, new).status_code == 302


def test_unreachable_smtp_does_not_break_the_page(app, client, make_user):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens there
    user = make_user("student")
    token = csrf_token(client, "/reset-password")
    response = client.post("/reset-password", data={"email": user.email, "csrf_token": token})
    assert response.status_code == 200
    response.close()  # the failed SMTP conversation is logged, never raised


def test_users_create_and_set_role(runner, dbq):
    result = runner.invoke(args=["users", "create", "Prof@Univ-Amu.fr", "--role", "instructor",
                                 "--password", "a long enough passphrase"])
    assert result.exit_code == 0, result.output
    user = dbq.scalar(__import__("sqlalchemy").select(User).where(User.email == "prof@univ-amu.fr"))
    assert user.role == "instructor" and user.is_active
    result = runner.invoke(args=["users", "set-role", "prof@univ-amu.fr", "coordinator"])
    assert result.exit_code == 0 and dbq.get(User, user.id).role == "coordinator"


def test_users_create_prompts_for_the_password(runner, dbq):
    result = runner.invoke(args=["users", "create", "p2@univ-amu.fr"], input="a long enough passphrase\n" * 2)
    assert result.exit_code == 0, result.output
    assert dbq.count(User) == 1


def test_users_create_refuses_weak_passwords_and_duplicates(runner, dbq):
    assert runner.invoke(args=["users", "create", "x@univ-amu.fr", "--password", "short"]).exit_code == 1
    assert dbq.count(User) == 0
    runner.invoke(args=["users", "create", "x@univ-amu.fr", "--password", "a long enough passphrase"])
    again = runner.invoke(args=["users", "create", "X@univ-amu.fr", "--password", "a long enough passphrase"])
    assert again.exit_code == 1 and "already uses" in again.output
    assert runner.invoke(args=["users", "set-role", "nobody@univ-amu.fr", "admin"]).exit_code == 1


def test_demo_accounts_are_refused_outside_development(runner, dbq):
    result = runner.invoke(args=["demo", "accounts"])
    assert result.exit_code == 1 and "only in development" in result.output
    assert dbq.count(User) == 0


@pytest.mark.parametrize("app_config", [{"DEMO_ACCOUNTS_ALLOWED": True}], indirect=True)
def test_demo_accounts_are_idempotent(runner, dbq, client, auth):
    first = runner.invoke(args=["demo", "accounts"])
    second = runner.invoke(args=["demo", "accounts"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert dbq.count(User) == 4
    email, password = re.search(r"student\s+(\S+)\s+(\S+)", first.output).groups()
    assert auth.login(email, password).headers["Location"] == "/"


@pytest.mark.parametrize("app_config", [{"DEMO_ACCOUNTS_ALLOWED": True}], indirect=True)
def test_demo_cohort_takes_quizzes_through_the_real_service(app, runner, dbq):
    import sqlalchemy as sa

    from cyberaware.models import Attempt, StudentSummary
    from cyberaware.services.content_sync import sync_content

    with app.app_context():
        assert sync_content(app.config["CONTENT_DIR"]).succeeded
    result = runner.invoke(args=["demo", "cohort", "--students", "6"])
    assert result.exit_code == 0, result.output
    assert dbq.count(User, User.email.like("demo.student%")) == 6
    assert dbq.count(Attempt, Attempt.submitted_at.is_(None)) == 0
    assert dbq.count(StudentSummary) == dbq.scalar(sa.select(sa.func.count(sa.distinct(Attempt.user_id))))
    again = runner.invoke(args=["demo", "cohort", "--students", "6"])
    assert "already present" in again.output and dbq.count(User, User.email.like("demo.student%")) == 6


def test_demo_cohort_is_refused_outside_development(runner, dbq):
    assert runner.invoke(args=["demo", "cohort"]).exit_code == 1
    assert dbq.count(User) == 0
