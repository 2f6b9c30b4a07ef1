"""A gunicorn worker killed (SIGKILL) during load loses no acknowledged submission.

For real: gunicorn with two sync workers on loopback, students logging in and submitting quiz
attempts over HTTP from several threads, workers killed mid-load (the master starts new ones),
then every submission the server acknowledged (302 to its result page) is checked in the database,
along with the per-module attempt counts (nothing lost, nothing counted twice). Runs on SQLite
and, when CYBERAWARE_TEST_DATABASE_URL is set, on a PostgreSQL database of its own.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import BACKENDS, POSTGRES_URL, TEST_PASSWORD, _config

REPO = Path(__file__).resolve().parents[2]
STUDENTS = 8


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003 - keep the 302 to read it
        return None


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect())

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode(errors="replace")

    def token(self, path: str) -> str:
        status, _location, html = self.request(path)
        assert status == 200, (path, status)
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(params=BACKENDS)
def fault_database(request, tmp_path):
    """A database of the test's own, with the schema, the test curriculum and the students."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fault.sqlite'}"
        admin_url = None
    else:
        name = f"cyberaware_fault_{uuid.uuid4().hex[:8]}"
        admin_url = POSTGRES_URL
        with sa.create_engine(admin_url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    from cyberaware import create_app
    from cyberaware.auth import service
    from cyberaware.extensions import db
    from cyberaware.services.content_sync import sync_content

    app = create_app(_config(url))
    with app.app_context():
        db.create_all()
        sync_content(app.config["CONTENT_DIR"])
        for number in range(STUDENTS):
            service.create_user(f"load{number}@etu.univ-amu.fr", "student", TEST_PASSWORD)
        db.session.commit()
    yield url, app
    with app.app_context():
        db.engine.dispose()
    if admin_url:
        with sa.create_engine(admin_url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture
def gunicorn(fault_database, tmp_path):
    url, _app = fault_database
    port = _free_port()
    env = {**os.environ, "CYBERAWARE_ENV": "production", "SECRET_KEY": uuid.uuid4().hex,
           "CYBERAWARE_DATABASE_URL": url, "CYBERAWARE_SECURE_COOKIES": "0",
           "CYBERAWARE_CONTENT_DIR": str(REPO / "tests" / "data" / "content")}
    log = (tmp_path / "gunicorn.log").open("w")  # a file, not a pipe: a full pipe would block the server
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "1",
         "--access-logfile", "-", "wsgi:app"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if Browser(f"http://127.0.0.1:{port}").request("/login")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text())
    yield server, f"http://127.0.0.1:{port}"
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


def _workers(master_pid: int) -> set[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return {int(pid) for pid in children}


def test_killing_workers_during_load_loses_no_acknowledged_submission(gunicorn, fault_database):
    server, base = gunicorn
    _url, app = fault_database
    acknowledged: list[tuple[str, str]] = []  # (e-mail, attempt public id) answered 302 to the result
    failures: list[str] = []
    stop = threading.Event()

    def student(email: str) -> None:
        browser = Browser(base)
        logged_in = False
        while not stop.is_set():
            try:
                if not logged_in:
                    token = browser.token("/login")
                    status, _loc, _html = browser.request("/login", {"email": email, "password": TEST_PASSWORD,
                                                                     "csrf_token": token})
                    logged_in = status == 302
                    continue
                token = browser.token("/learn/modules/intro")
                status, location, _html = browser.request("/learn/modules/intro/quiz", {"csrf_token": token})
                if status != 302 or "/attempts/" not in location:
                    failures.append(f"start {status}")
                    continue
                path = urllib.parse.urlsplit(location).path
                status, result, _html = browser.request(path, {"csrf_token": token, "action": "submit"})
                if status == 302 and urllib.parse.urlsplit(result).path == path:
                    acknowledged.append((email, path.rsplit("/", 1)[1]))
                else:
                    failures.append(f"submit {status}")
            except (OSError, AssertionError) as error:  # the worker died under this request
                failures.append(type(error).__name__)

    threads = [threading.Thread(target=student, args=(f"load{n}@etu.univ-amu.fr",)) for n in range(STUDENTS)]
    for thread in threads:
        thread.start()
    killed = []
    try:
        for _ in range(3):
            time.sleep(1.5)
            before = len(acknowledged)
            victim = sorted(_workers(server.pid))[0]
            os.kill(victim, signal.SIGKILL)
            killed.append((victim, before))
        time.sleep(2.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    print(f"\n{len(acknowledged)} acknowledged submissions, {len(killed)} workers killed, "
          f"{len(failures)} requests failed: {sorted(set(failures))}")
    deadline = time.monotonic() + 30  # the master notices each death and starts a new worker
    while len(_workers(server.pid)) != 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert all(victim not in _workers(server.pid) for victim, _ in killed)  # really killed, replaced
    assert len(_workers(server.pid)) == 2
    assert len(acknowledged) > len(killed) * 2, (len(acknowledged), failures[:10])  # load before and after
    assert acknowledged[-1] and killed[-1][1] < len(acknowledged)  # submissions went on after the last kill

    from cyberaware.extensions import db
    from cyberaware.models import Attempt, ModuleProgress, User

    with app.app_context():
        rows = db.session.execute(sa.select(User.email, Attempt.public_id, Attempt.submitted_at, Attempt.score)
                                  .join(Attempt, Attempt.user_id == User.id)).all()
        submitted = {public_id for _email, public_id, submitted_at, score in rows
                     if submitted_at is not None and score is not None}
        lost = [public_id for _email, public_id in acknowledged if public_id not in submitted]
        assert lost == []  # every acknowledged submission is in the database, graded
        assert len(set(acknowledged)) == len(acknowledged)  # never acknowledged twice
        counts = dict(db.session.execute(
            sa.select(User.email, ModuleProgress.attempts_count).join(ModuleProgress, ModuleProgress.user_id == User.id)
        ).all())
        per_student = {}
        for email, _public_id, submitted_at, _score in rows:
            per_student[email] = per_student.get(email, 0) + (submitted_at is not None)
        assert counts == {email: n for email, n in per_student.items() if n}  # counted once each, none lost
