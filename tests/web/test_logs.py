"""Logs carry user ids, never personal data or secrets (GDPR; docs/security.md)."""

from __future__ import annotations

import logging
import re

import pytest

from tests.conftest import TEST_PASSWORD, csrf_token
from tests.web.test_student import answers_for, attempt_row, content, start, submit  # noqa: F401

NAME = ("Zoë", "L’Hôpital")


@pytest.fixture
def app_config():
    # Not TESTING: the e-mail fallback then behaves as in production (a notice, never the message).
    return {"TESTING": False}


def test_a_whole_student_journey_logs_no_personal_data(app, client, auth, make_user, content, dbq, caplog):
    caplog.set_level(logging.DEBUG)
    student = make_user("student", email="zoe.lhopital@etu.univ-amu.fr", first_name=NAME[0], last_name=NAME[1])
    wrong = client.post("/login", data={"email": student.email, "password": "a wrong passphrase!",
                                        "csrf_token": csrf_token(client, "/login")})
    assert wrong.status_code == 200
    token = csrf_token(client, "/reset-password")
    client.post("/reset-password", data={"email": student.email, "csrf_token": token}).close()
    token = csrf_token(client, "/register")
    client.post("/register", data={"first_name": "Néo", "last_name": "Secretname", "email": "neo.new@etu.univ-amu.fr",
                                   "password": "une phrase de passe longue", "confirm": "une phrase de passe longue",
                                   "csrf_token": token}).close()
    auth.login(student.email)
    url = start(client, "intro")
    submit(client, url, answers_for(attempt_row(dbq, url), right=True))
    client.get("/settings/my-data.json")
    token = csrf_token(client, "/settings/delete-account")
    assert client.post("/settings/delete-account", data={"password": TEST_PASSWORD, "confirm": "y",
                                                         "csrf_token": token}).status_code == 302

    text = caplog.text
    assert "user_id=" in text  # the events are logged, by id
    for secret in (student.email, "neo.new@etu.univ-amu.fr", "zoe.lhopital", *NAME, "Néo", "Secretname",
                   TEST_PASSWORD, "a wrong passphrase!", "une phrase de passe longue"):
        assert secret not in text, secret
    assert not re.search(r"/reset-password/\S{20,}|/activate/\S{20,}", text)  # no live link in the logs
