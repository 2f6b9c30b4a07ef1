"""A student sees and erases their own data (GDPR)."""

from __future__ import annotations

import sqlalchemy as sa

from cyberaware.models import Attempt, Attestation, ModuleProgress, User
from tests.conftest import TEST_PASSWORD, csrf_token
from tests.web.test_student import answers_for, attempt_row, content, finish_core, start, student, submit  # noqa: F401


def test_data_download_holds_the_students_data_and_no_secret(client, student, dbq):
    url = start(client, "intro")
    submit(client, url, answers_for(attempt_row(dbq, url), right=True))
    response = client.get("/settings/my-data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert data["account"]["email"] == student.email
    assert data["modules"][0]["module"] == "intro" and data["modules"][0]["completed_at"]
    assert data["quiz_attempts"][0]["quiz"] == "intro-quiz" and data["quiz_attempts"][0]["passed"] is True
    text = response.get_data(as_text=True)
    assert "scrypt" not in text and "pbkdf2" not in text and "session_token" not in text


def test_erasure_anonymises_attempts_and_deletes_the_rest(app, client, student, dbq):
    finish_core(client, dbq)
    client.get("/learn/attestation.pdf")
    assert dbq.count(Attestation) == 1
    token = csrf_token(client, "/settings/delete-account")
    wrong = client.post("/settings/delete-account", data={"password": "not the password", "confirm": "y",
                                                          "csrf_token": token})
    assert wrong.status_code == 200 and dbq.count(User) == 1
    response = client.post("/settings/delete-account", data={"password": TEST_PASSWORD, "confirm": "y",
                                                             "csrf_token": token})
    assert response.status_code == 302
    assert dbq.count(User) == 0 and dbq.count(ModuleProgress) == 0 and dbq.count(Attestation) == 0
    attempts = dbq.scalars(sa.select(Attempt))
    assert attempts and all(a.user_id is None and a.responses == {} for a in attempts)
    assert client.get("/learn/").status_code == 302  # logged out


def test_staff_accounts_cannot_erase_themselves_here(client, auth, make_user):
    coordinator = make_user("coordinator")
    auth.login(coordinator.email)
    assert client.get("/settings/delete-account").status_code == 403
