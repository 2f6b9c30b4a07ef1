"""Progressive delay after failed logins and repeated reset requests, and equal work (hence equal
timing) for known and unknown e-mail addresses on login, registration and password reset."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
import werkzeug.security
from limits.storage import MemoryStorage

from cyberaware.auth.throttle import DelayPolicy, Throttle
from cyberaware.models import User
from tests.conftest import TEST_PASSWORD, csrf_token
from tests.web.test_rate_limits import _redis_up

DELAYS = {"login-account": "2,1,8,3600", "login-address": "5,1,8,3600",
          "reset-account": "1,60,3600,86400", "reset-address": "20,60,3600,3600"}


@pytest.fixture
def app_config():
    return {"LOGIN_DELAY_ENABLED": True, "LOGIN_DELAYS": DELAYS, "RATELIMIT_STORAGE_URI": "memory://"}


def login(client, email, password="wrong password, again", address="10.0.0.1"):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       headers={"Accept-Language": "en"}, environ_base={"REMOTE_ADDR": address})


def pass_time(app, scope, subject):
    """Let the current wait of ``subject`` run out (what the clock would do)."""
    throttle = app.extensions["cyberaware.throttles"][scope]
    throttle.storage.clear(throttle._key("wait", subject))


# --- the policy, as plain functions -----------------------------------------------------------

def test_the_delay_doubles_after_the_free_failures_up_to_the_cap():
    policy = DelayPolicy(free=3, base=1, cap=900, window=3600)
    assert [policy.delay_after(n) for n in range(1, 16)] == [0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert policy.delay_after(10_000) == 900


@pytest.mark.parametrize("text", ["1,2,3", "a,b,c,d", "1,0,5,60", "1,10,5,60", "-1,1,5,60"])
def test_invalid_policies_are_refused_with_the_expected_form(text):
    with pytest.raises(ValueError, match="free|base"):
        DelayPolicy.parse(text)


def test_a_throttle_counts_failures_and_forgets_them():
    throttle = Throttle(MemoryStorage(), "login-account", DelayPolicy.parse("1,2,60,3600"))
    assert throttle.record_failure("a@x") == 0 and throttle.retry_after("a@x") == 0
    assert throttle.record_failure("a@x") == 2 and throttle.retry_after("a@x") in (1, 2)
    assert throttle.retry_after("b@x") == 0  # another subject is untouched
    throttle.forget("a@x")
    assert throttle.retry_after("a@x") == 0 and throttle.record_failure("a@x") == 0


def test_keys_carry_no_e_mail_address_and_the_apps_prefix():
    storage = MemoryStorage()
    Throttle(storage, "login-account", DelayPolicy.parse("0,1,60,3600"), "site-a/").record_failure("lea@etu.univ-amu.fr")
    assert storage.storage and not any("lea" in key or "univ-amu" in key for key in storage.storage)
    assert all(key.startswith("site-a/cyberaware-delay/") for key in storage.storage)
    other = Throttle(storage, "login-account", DelayPolicy.parse("0,1,60,3600"), "site-b/")
    assert other.retry_after("lea@etu.univ-amu.fr") == 0  # another app sharing the storage is not delayed


# --- on the login page -------------------------------------------------------------------------

def test_failed_logins_impose_a_growing_wait_that_even_the_right_password_must_respect(app, client, make_user):
    user = make_user("student")
    fresh = lambda: f"10.1.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"  # noqa: E731 - per account only
    assert [login(client, user.email, address=fresh()).status_code for _ in range(2)] == [200, 200]  # free
    assert login(client, user.email, address=fresh()).status_code == 200  # third failure: a 1 s wait starts
    waiting = login(client, user.email, password=TEST_PASSWORD, address=fresh())
    assert waiting.status_code == 429 and waiting.headers["Retry-After"] == "1"
    assert "wait 1 second before trying again" in waiting.get_data(as_text=True)
    assert client.get("/learn/").status_code == 302  # not logged in: the password was not even checked
    retry_after = []
    for _ in range(4):
        pass_time(app, "login-account", user.email)
        assert login(client, user.email, address=fresh()).status_code == 200
        retry_after.append(int(login(client, user.email, address=fresh()).headers["Retry-After"]))
    assert retry_after == [2, 4, 8, 8]  # doubles, up to the cap


def test_the_wait_really_ends_and_a_success_clears_the_count(app, client, make_user):
    import time

    user = make_user("student")
    for _ in range(3):
        login(client, user.email)
    assert login(client, user.email, password=TEST_PASSWORD).status_code == 429
    time.sleep(1.1)  # the real clock, once: the 1 s wait expires by itself
    assert login(client, user.email, password=TEST_PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/learn/")})
    assert [login(client, user.email).status_code for _ in range(3)] == [200, 200, 200]  # free again


def test_unknown_addresses_are_delayed_exactly_like_known_ones(client, make_user):
    user = make_user("student")
    known = [login(client, user.email, address="10.0.0.2").status_code for _ in range(4)]
    unknown = [login(client, "nobody@etu.univ-amu.fr", address="10.0.0.3").status_code for _ in range(4)]
    assert known == unknown == [200, 200, 200, 429]


def test_one_address_guessing_many_accounts_is_delayed_but_others_are_not(client, make_user):
    statuses = [login(client, f"guess{i}@etu.univ-amu.fr", address="10.9.9.9").status_code for i in range(7)]
    assert statuses == [200] * 6 + [429]
    user = make_user("student")
    assert login(client, user.email, password=TEST_PASSWORD, address="10.9.9.10").status_code == 302


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_the_delay_holds_across_app_instances_sharing_redis(database, make_user):
    from cyberaware import create_app
    from tests.conftest import _config

    config = {"LOGIN_DELAY_ENABLED": True, "LOGIN_DELAYS": DELAYS, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
              "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}/"}
    first, second = create_app(_config(database, **config)), create_app(_config(database, **config))
    email = f"redis-{uuid.uuid4().hex}@etu.univ-amu.fr"
    make_user("student", email=email)
    address = f"10.{uuid.uuid4().int % 250}.7.7"
    assert [login(first.test_client(), email, address=address).status_code for _ in range(3)] == [200] * 3
    assert login(second.test_client(), email, password=TEST_PASSWORD, address=address).status_code == 429
    first.extensions["cyberaware.throttles"].forget({"login-account": email, "login-address": address})
    assert login(second.test_client(), email, password=TEST_PASSWORD, address=address).status_code == 302


# --- on the reset page --------------------------------------------------------------------------

def reset(client, email, address="10.0.0.1"):
    token = csrf_token(client, "/reset-password")
    response = client.post("/reset-password", data={"email": email, "csrf_token": token},
                           headers={"Accept-Language": "en"}, environ_base={"REMOTE_ADDR": address})
    response.get_data()
    response.close()
    return response


def test_repeated_reset_requests_wait_longer_and_send_nothing(client, make_user, caplog):
    caplog.set_level("INFO", logger="cyberaware.mail")
    user = make_user("student")
    assert reset(client, user.email).status_code == 200
    assert reset(client, user.email).status_code == 200  # second request: a 60 s wait starts
    caplog.clear()
    refused = reset(client, user.email)
    assert refused.status_code == 429 and refused.headers["Retry-After"] in ("59", "60")
    assert re.search(r"Wait (59|60) seconds before asking again", refused.get_data(as_text=True))
    assert "reset-password/" not in caplog.text  # no e-mail for a refused request
    assert reset(client, "nobody@etu.univ-amu.fr").status_code == 200  # other addresses unaffected


# --- the same work for known and unknown addresses -------------------------------------------------

@pytest.fixture
def hashing(monkeypatch):
    """The hash methods run, in order (werkzeug's single hashing primitive is recorded)."""
    calls = []
    original = werkzeug.security._hash_internal

    def recording(method, salt, password):
        calls.append(method)
        return original(method, salt, password)

    monkeypatch.setattr(werkzeug.security, "_hash_internal", recording)
    return calls


@pytest.fixture
def statements(app):
    """SQL statements run while the app serves a request (not after the response)."""
    from cyberaware.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement.split()[0].upper())

    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


def test_login_checks_one_password_of_the_same_kind_whether_or_not_the_account_exists(client, make_user, hashing,
                                                                                      app):
    user = make_user("student")
    inactive = make_user("student", active=False)
    runs = {}
    for email in (user.email, inactive.email, "nobody@etu.univ-amu.fr"):
        hashing.clear()
        login(client, email, address=str(uuid.uuid4()))
        runs[email] = list(hashing)
    method = app.config["PASSWORD_HASH_METHOD"].split(":")[0]
    assert len({tuple(v) for v in runs.values()}) == 1 and len(runs[user.email]) == 1
    assert runs[user.email][0].startswith(method)


def test_reset_request_does_the_same_work_for_known_and_unknown_addresses(app, client, make_user, statements,
                                                                         caplog):
    caplog.set_level("INFO", logger="cyberaware.mail")
    user = make_user("student")
    served = {}
    for email in (user.email, "nobody@etu.univ-amu.fr"):
        token = csrf_token(client, "/reset-password")
        statements.clear()
        caplog.clear()
        response = client.post("/reset-password", data={"email": email, "csrf_token": token},
                               headers={"Accept-Language": "en"})
        served[email] = (response.status_code, list(statements), "reset-password/" in caplog.text)
        response.close()
    assert served[user.email] == served["nobody@etu.univ-amu.fr"] == (200, [], False)
    assert "reset-password/" not in caplog.text  # unknown: still nothing after the response


def test_registration_does_the_same_work_for_new_and_taken_addresses(app, client, make_user, statements, hashing,
                                                                     dbq):
    taken = make_user("student", email="taken@etu.univ-amu.fr")
    served = {}
    for email in (taken.email, "brand.new@etu.univ-amu.fr"):
        token = csrf_token(client, "/register")
        data = {"first_name": "Léa", "last_name": "Martin", "email": email, "password": "une phrase de passe longue",
                "confirm": "une phrase de passe longue", "csrf_token": token}
        statements.clear()
        hashing.clear()
        response = client.post("/register", data=data, headers={"Accept-Language": "en"})
        served[email] = (response.status_code, list(statements), list(hashing))
        response.close()
        served[email] += (len(hashing),)  # after the response: one hash in both cases
    assert served[taken.email] == served["brand.new@etu.univ-amu.fr"] == (200, [], [], 1)
    assert dbq.scalar(sa.select(User).where(User.email == "brand.new@etu.univ-amu.fr")) is not None
