"""A real PostgreSQL restart: the app answers 503 during the outage and recovers by itself.

The test starts a private PostgreSQL server (Debian's binaries, its own data directory and port),
so stopping it disturbs neither the shared server nor the rest of the suite.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_PASSWORD, _config, csrf_token

PG_BIN = next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), None)

pytestmark = pytest.mark.skipif(
    PG_BIN is None or (os.geteuid() == 0 and shutil.which("runuser") is None),
    reason="needs Debian's PostgreSQL server binaries (package postgresql)",
)


class PrivatePostgreSQL:
    """A throw-away PostgreSQL server on a free loopback port."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="cyberaware-pg-"))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres account
            shutil.chown(self.directory, "postgres", "postgres")
        self._run("initdb", "-D", str(self.directory / "data"), "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, program: str, *args: str) -> None:
        command = [str(Path(PG_BIN) / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.directory / "data"), "-o", options, "-l",
                  str(self.directory / "log"), "-w", "start")

    def stop(self) -> None:
        """Stop it the way a restart does (open connections are cut)."""
        self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_postgresql():
    server = PrivatePostgreSQL()
    server.start()
    yield server
    server.remove()


def test_postgresql_restart_gives_503_then_recovers_without_restarting_the_app(private_postgresql, caplog):
    from cyberaware import create_app
    from cyberaware.auth import service
    from cyberaware.extensions import db
    from cyberaware.models import User

    app = create_app(_config(private_postgresql.url))
    with app.app_context():
        db.create_all()
        service.create_user("lea@etu.univ-amu.fr", "student", TEST_PASSWORD)
        db.session.commit()
    client = app.test_client()
    token = csrf_token(client, "/login")
    assert client.post("/login", data={"email": "lea@etu.univ-amu.fr", "password": TEST_PASSWORD,
                                       "csrf_token": token}).status_code == 302
    assert client.get("/learn/").status_code == 200  # the pool now holds a live connection
    settings_token = csrf_token(client, "/settings")

    # A restart while nobody uses the app leaves dead connections in the pool: the first request
    # afterwards must still succeed (pre-ping notices and reconnects).
    private_postgresql.stop()
    private_postgresql.start()
    assert client.get("/learn/").status_code == 200

    private_postgresql.stop()
    for path in ("/learn/", "/settings", "/learn/"):
        response = client.get(path, headers={"Accept-Language": "en"})
        assert response.status_code == 503, path
        assert response.headers["Retry-After"] == "30"
        assert "cannot reach its database" in response.get_data(as_text=True)
    # A change sent during the outage is refused, not half-applied; so is a form whose token has
    # expired (its error page cannot show the account either).
    assert client.post("/settings", data={"csrf_token": settings_token, "locale": "en"}).status_code == 503
    assert client.post("/settings", data={"csrf_token": "stale", "locale": "en"}).status_code in (400, 503)
    assert "lea@etu.univ-amu.fr" not in caplog.text  # the outage is logged without personal data

    private_postgresql.start()
    # The very first request after the restart succeeds: pre-ping replaces the dead connection.
    assert client.get("/learn/").status_code == 200
    assert client.get("/settings").status_code == 200  # and the session survived the outage
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
        db.engine.dispose()
