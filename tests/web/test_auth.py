"""Accounts: login, logout, registration, verification, reset, settings, role guards."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from cyberaware.models import User
from tests.conftest import TEST_PASSWORD, csrf_token

GENERIC_LOGIN_ERROR = "Wrong e-mail address or password"


def test_login_page_renders_with_labels_and_csrf(client):
    html = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<label for="email">' in html and '<label for="password">' in html
    assert 'name="csrf_token"' in html
    assert 'class="skip-link"' in html and '<main id="main"' in html


def test_login_and_logout(client, auth, make_user):
    user = make_user("student")
    response = auth.login(user.email, headers={"Accept-Language": "en"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/learn/"
    assert client.get("/learn/").status_code == 200
    auth.logout()
    assert client.get("/learn/").status_code == 302


def test_logout_invalidates_a_copied_session_cookie(app, client, auth, make_user):
    user = make_user("student")
    auth.login(user.email)
    stolen = client.get_cookie("session").value
    auth.logout()
    other = app.test_client()
    other.set_cookie("session", stolen)
    assert other.get("/learn/").status_code == 302


def test_unknown_email_and_wrong_password_give_the_same_message(client, auth, make_user):
    user = make_user("student")
    unknown = auth.login("nobody@etu.univ-amu.fr", headers={"Accept-Language": "en"}).get_data(as_text=True)
    wrong = auth.login(user.email, "wrong password here", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert GENERIC_LOGIN_ERROR in unknown and GENERIC_LOGIN_ERROR in wrong
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731 - tokens and echoed e-mail differ
    assert strip(unknown).replace("nobody@etu.univ-amu.fr", "") == strip(wrong).replace(user.email, "")


def test_login_without_csrf_token_is_refused_cleanly(client, make_user):
    user = make_user("student")
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "<main" in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_tampered_next_parameter_never_redirects_off_site(client, auth, make_user, target):
    user = make_user("student")
    response = auth.login(user.email, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_safe_next_parameter_is_followed(client, auth, make_user):
    user = make_user("student")
    assert auth.login(user.email, next="/settings").headers["Location"] == "/settings"


def test_over_long_fields_get_an_error_not_a_500(client):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": "a" * 5000, "password": "b" * 5000, "csrf_token": token},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "Field cannot be longer" in response.get_data(as_text=True)


def test_remember_me_sets_a_remember_cookie(client, auth, make_user):
    user = make_user("student")
    auth.login(user.email, remember="y")
    assert client.get_cookie("remember_token") is not None


def register(client, **fields):
    token = csrf_token(client, "/register")
    data = {"first_name": "Léa", "last_name": "Martin", "email": "lea.martin@etu.univ-amu.fr",
            "password": "une phrase de passe longue", "confirm": "une phrase de passe longue", "csrf_token": token}
    data.update(fields)
    response = client.post("/register", data=data, headers={"Accept-Language": "en"})
    response.get_data()
    response.close()  # the account work and the e-mail happen once the response is sent
    return response


def test_registration_sends_a_verification_link_that_activates_the_account(client, auth, caplog, dbq):
    caplog.set_level("INFO", logger="cyberaware.mail")
    response = register(client)
    assert "Check your mailbox" in response.get_data(as_text=True)
    user = dbq.scalar(sa.select(User).where(User.email == "lea.martin@etu.univ-amu.fr"))
    assert user is not None and user.email_verified_at is None
    assert GENERIC_LOGIN_ERROR in auth.login(user.email, "une phrase de passe longue",
                                             headers={"Accept-Language": "en"}).get_data(as_text=True)
    link = re.search(r"http://localhost(/activate/\S+)", caplog.text).group(1)
    client.get(link)
    assert auth.login(user.email, "une phrase de passe longue").status_code == 302
    assert client.get(link, follow_redirects=True).status_code == 200  # a second use is harmless


def test_registration_refuses_other_domains(client, dbq):
    response = register(client, email="someone@gmail.com")
    assert "Registration is open to these addresses only" in response.get_data(as_text=True)
    assert dbq.count(User) == 0


def test_registration_refuses_short_and_common_passwords(client, dbq):
    short = register(client, password="short", confirm="short").get_data(as_text=True)
    assert "at least 12 characters" in short
    common = register(client, password="passwordpassword", confirm="passwordpassword").get_data(as_text=True)
    assert "too common" in common
    assert dbq.count(User) == 0


def test_duplicate_registration_reveals_nothing_and_creates_nothing(client, make_user, caplog, dbq):
    make_user("student", email="lea.martin@etu.univ-amu.fr")
    caplog.set_level("INFO", logger="cyberaware.mail")
    response = register(client)
    assert response.status_code == 200 and "Check your mailbox" in response.get_data(as_text=True)
    assert dbq.count(User) == 1
    assert "you already have one" in caplog.text


def reset_link(client, email, caplog):
    caplog.clear()
    token = csrf_token(client, "/reset-password")
    client.post("/reset-password", data={"email": email, "csrf_token": token}).close()
    match = re.search(r"http://localhost(/reset-password/\S+)", caplog.text)
    return match.group(1) if match else None


def test_password_reset_link_is_single_use(client, auth, make_user, caplog):
    caplog.set_level("INFO", logger="cyberaware.mail")
    user = make_user("student")
    link = reset_link(client, user.email, caplog)
    assert link
    token = csrf_token(client, link)
    new = "a brand new passphrase"
    response = client.post(link, data={"password": new, "confirm": new, "csrf_token": token})
    assert response.headers["Location"] == "/login"
    assert auth.login(user.email, new).status_code == 302
    auth.logout()
    assert client.get(link).headers["Location"] == "/reset-password"  # used: refused


def test_password_reset_for_unknown_address_looks_the_same(client, make_user, caplog):
    caplog.set_level("INFO", logger="cyberaware.mail")
    assert reset_link(client, "ghost@etu.univ-amu.fr", caplog) is None
    token = csrf_token(client, "/reset-password")
    html = client.post("/reset-password", data={"email": "ghost@etu.univ-amu.fr", "csrf_token": token},
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "If an account uses ghost@etu.univ-amu.fr" in html


def test_expired_and_forged_reset_links_are_refused(app, client, make_user, caplog):
    caplog.set_level("INFO", logger="cyberaware.mail")
    user = make_user("student")
    link = reset_link(client, user.email, caplog)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert client.get(link).headers["Location"] == "/reset-password"
    app.config["PASSWORD_RESET_MAX_AGE"] = 3600
    assert client.get(link[:-3] + "xyz").headers["Location"] == "/reset-password"


def test_settings_change_language_and_password(client, auth, make_user, dbq):
    user = make_user("student")
    auth.login(user.email)
    token = csrf_token(client, "/settings")
    client.post("/settings", data={"lang-locale": "en", "lang-submit": "Save", "lang-csrf_token": token})
    assert dbq.get(User, user.id).locale == "en"
    assert "Change the password" in client.get("/settings").get_data(as_text=True)
    token = csrf_token(client, "/settings")
    new = "another long passphrase"
    response = client.post("/settings", data={"pw-current": TEST_PASSWORD, "pw-password": new, "pw-confirm": new,
                                              "pw-submit": "x", "pw-csrf_token": token})
    assert response.status_code == 302
    assert client.get("/learn/").status_code == 200  # still logged in here
    auth.logout()
    assert auth.login(user.email, new).status_code == 302


def test_settings_refuses_a_wrong_current_password(client, auth, make_user, dbq):
    user = make_user("student")
    auth.login(user.email)
    token = csrf_token(client, "/settings")
    new = "another long passphrase"
    html = client.post("/settings", data={"pw-current": "not my password!", "pw-password": new, "pw-confirm": new,
                                          "pw-submit": "x", "pw-csrf_token": token},
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The current password is wrong." in html
    assert dbq.get(User, user.id).check_password(TEST_PASSWORD)


ROLE_HOMES = {"student": "/learn/", "instructor": "/instructor/", "coordinator": "/coordinator/", "admin": "/admin/"}
GUARDED_PAGES = ["/learn/", "/instructor/", "/coordinator/dashboard", "/admin/"]


@pytest.mark.parametrize("role", list(ROLE_HOMES))
def test_home_page_depends_on_the_role(client, auth, make_user, role):
    user = make_user(role)
    auth.login(user.email)
    assert client.get("/").headers["Location"] == ROLE_HOMES[role]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("student", {"/learn/"}),
        ("instructor", {"/instructor/"}),
        ("coordinator", {"/coordinator/dashboard"}),
        ("admin", {"/instructor/", "/coordinator/dashboard", "/admin/"}),
    ],
)
def test_role_guards(client, auth, make_user, role, allowed):
    user = make_user(role)
    auth.login(user.email)
    for path in GUARDED_PAGES:
        expected = 200 if path in allowed else 403
        assert client.get(path).status_code == expected, (role, path)


def test_anonymous_users_are_sent_to_login(client):
    for path in GUARDED_PAGES:
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_admin_changes_a_role_and_the_account_sessions_end(app, client, auth, make_user, dbq):
    admin = make_user("admin")
    target = make_user("student")
    other = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(other).login(target.email)
    assert other.get("/learn/").status_code == 200
    auth.login(admin.email)
    token = csrf_token(client, "/admin/")
    client.post(f"/admin/users/{target.id}/role", data={"role": "instructor", "csrf_token": token})
    assert dbq.get(User, target.id).role == "instructor"
    assert other.get("/learn/").status_code == 302  # logged out by the role change


def test_admin_role_change_rejects_tampered_values(client, auth, make_user, dbq):
    admin = make_user("admin")
    target = make_user("student")
    auth.login(admin.email)
    token = csrf_token(client, "/admin/")
    client.post(f"/admin/users/{target.id}/role", data={"role": "superuser", "csrf_token": token})
    assert dbq.get(User, target.id).role == "student"
    assert client.post("/admin/users/999999/role", data={"role": "admin", "csrf_token": token}).status_code == 404
