"""Rate limits on login, registration and password reset, per address and per account."""

from __future__ import annotations

import socket
import uuid

import pytest

from tests.conftest import csrf_token

LIMITS = {"RATELIMIT_ENABLED": True, "LOGIN_LIMITS": "3 per minute", "RESET_LIMITS": "2 per minute",
          "RATELIMIT_STORAGE_URI": "memory://"}


@pytest.fixture
def app_config():
    return dict(LIMITS)


def login(client, email, address="10.0.0.1"):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": "wrong password!", "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def test_login_is_limited_per_address(client, make_user):
    user = make_user("student")
    statuses = [login(client, f"user{i}-{user.email}").status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/login").status_code == 200  # the page itself stays open


def test_login_is_limited_per_account_whatever_the_address(client, make_user):
    user = make_user("student")
    statuses = [login(client, user.email, address=f"10.0.1.{i}").status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = make_user("student")
    assert login(client, other.email, address="10.0.1.99").status_code == 200  # another account is not blocked


def test_password_reset_is_limited(client, make_user):
    user = make_user("student")
    codes = []
    for _ in range(3):
        token = csrf_token(client, "/reset-password")
        codes.append(client.post("/reset-password", data={"email": user.email, "csrf_token": token}).status_code)
    assert codes == [200, 200, 429]


def test_the_429_page_uses_the_layout(client, make_user):
    user = make_user("student")
    for _ in range(3):
        login(client, user.email)
    response = login(client, user.email)
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and "<main" in html and "Retry-After" in response.headers


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_limits_are_shared_between_app_instances_through_redis(database, make_user):
    """Two app instances (two workers or servers) with the same Redis see one counter."""
    from cyberaware import create_app
    from tests.conftest import _config

    prefix = f"test-{uuid.uuid4().hex}"
    config = {**LIMITS, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "RATELIMIT_KEY_PREFIX": prefix}
    first, second = create_app(_config(database, **config)), create_app(_config(database, **config))
    user = make_user("student")
    codes = [login(first.test_client(), user.email).status_code for _ in range(2)]
    codes += [login(second.test_client(), user.email).status_code for _ in range(2)]
    assert codes == [200, 200, 200, 429]
