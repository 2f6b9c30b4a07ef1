"""End-to-end suite: the real application under gunicorn on loopback, a fresh SQLite database,
the real curriculum, a real SMTP sink, driven by Debian's Chromium through Playwright.

Everything here is session-scoped: the server, the mail sink and the browser start once.
Missing tools FAIL the suite (they never skip it): run ``tests/e2e/setup.sh`` first
(``make test`` does). Deselect the suite explicitly with ``-m "not e2e"``.

Playwright never downloads a browser: it launches ``/usr/bin/chromium`` (or ``$CYBERAWARE_E2E_CHROMIUM``).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import Axe, Mailbox, REPO_ROOT

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

E2E_DIR = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CYBERAWARE_E2E_CHROMIUM", "/usr/bin/chromium")
AXE_JS = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "violet kayak lantern meadow"

STAFF = {
    "instructor": "prof.e2e@univ-amu.fr",
    "coordinator": "coord.e2e@univ-amu.fr",
}
#: The scoped coordinator sees only these faculties (the roster test imports students of both).
COORDINATOR_FACULTIES = ("Faculté des sciences E2E", "Faculté de droit E2E")

AXE_SECONDS = [0.0]
SETUP_HINT = "run `bash tests/e2e/setup.sh` (installs Debian's chromium and axe-core), or deselect with -m 'not e2e'"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: end-to-end browser tests (real server, Chromium, axe-core)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def e2e_tools() -> None:
    """Fail, with the fix, when a tool of the suite is missing."""
    problems = []
    if not Path(CHROMIUM).exists():
        problems.append(f"{CHROMIUM} is missing (Debian package `chromium`)")
    if not AXE_JS.exists():
        problems.append(f"{AXE_JS.relative_to(REPO_ROOT)} is missing (`npm ci --prefix tests/e2e`)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        problems.append("the Python package playwright is missing (requirements-dev.txt)")
    if problems:
        pytest.fail("end-to-end suite cannot run: " + "; ".join(problems) + f" — {SETUP_HINT}", pytrace=False)


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server on loopback that keeps every message the application sends."""
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


class Server:
    """The running application: its base URL, environment and log."""

    def __init__(self, base_url: str, env: dict[str, str], log_path: Path, data_dir: Path) -> None:
        self.base_url = base_url
        self.env = env
        self.log_path = log_path
        self.data_dir = data_dir

    def flask(self, *args: str) -> str:
        """Run ``flask ARGS`` against the server's database (the real CLI)."""
        result = subprocess.run([sys.executable, "-m", "flask", *args], cwd=REPO_ROOT, env=self.env,
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise AssertionError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def url(self, path: str) -> str:
        return self.base_url + path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="session")
def server(e2e_tools: None, mailbox: Mailbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """gunicorn (2 workers) on a free loopback port, production settings, a migrated empty database,
    the curriculum of modules/ and quizzes/ synced, and the staff accounts made with the CLI."""
    data_dir = tmp_path_factory.mktemp("e2e-server")
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CYBERAWARE_", "FLASK_"))}
    env.update({
        "FLASK_APP": "cyberaware",
        "CYBERAWARE_ENV": "production",  # the real thing: the test server differs only by what follows
        "SECRET_KEY": secrets.token_hex(32),
        "CYBERAWARE_DATABASE_URL": f"sqlite:///{data_dir / 'e2e.sqlite'}",
        "CYBERAWARE_CONTENT_DIR": str(REPO_ROOT),
        "CYBERAWARE_REGISTRATION_DOMAINS": "etu.univ-amu.fr,univ-amu.fr",
        "CYBERAWARE_SMTP_HOST": "127.0.0.1",
        "CYBERAWARE_SMTP_PORT": str(mailbox.port),
        "CYBERAWARE_MAIL_FROM": "CyberAware <no-reply@univ-amu.fr>",
        "CYBERAWARE_SECURE_COOKIES": "0",  # plain HTTP on loopback
        "CYBERAWARE_RATELIMIT": "0",  # the suite logs in far more often than a person
        "CYBERAWARE_ROSTER_UPLOAD_DIR": str(data_dir / "roster-uploads"),
        "PYTHONUNBUFFERED": "1",
    })
    log_path = data_dir / "server.log"
    srv = Server(f"http://127.0.0.1:{port}", env, log_path, data_dir)
    srv.flask("db", "upgrade")
    synced = srv.flask("content", "sync")
    assert "14 new quiz versions" in synced, synced
    srv.flask("users", "create", STAFF["instructor"], "--role", "instructor", "--password", PASSWORD,
              "--first-name", "Inès", "--last-name", "Professeure")
    srv.flask("users", "create", STAFF["coordinator"], "--role", "coordinator", "--password", PASSWORD,
              "--first-name", "Claude", "--last-name", "Coordination")
    srv.flask("users", "set-scope", STAFF["coordinator"], *COORDINATOR_FACULTIES)

    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "--workers", "2", "--bind", f"127.0.0.1:{port}",
             "--access-logfile", "-", "--error-logfile", "-", "wsgi:app"],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(srv.url("/healthz"), timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server did not start:\n{srv.log()}")
            time.sleep(0.2)
        yield srv
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    errors = [line for line in srv.log().splitlines() if "Traceback" in line or " 500 " in line]
    assert not errors, "the server logged errors:\n" + srv.log()[-5000:]


@pytest.fixture(scope="session")
def browser(e2e_tools: None) -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (no browser download, ever)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe(e2e_tools: None) -> Iterator[Axe]:
    """Runs axe-core (tests/e2e/node_modules, pinned in package-lock.json) on a page."""
    runner = Axe(AXE_JS)
    yield runner
    AXE_SECONDS[0] = runner.seconds


@pytest.fixture
def new_context(browser: Any, server: Server) -> Iterator[Any]:
    """Factory of browser contexts on the server (French browser, desktop size by default);
    every context is closed after the test."""
    contexts = []

    def factory(**options: Any) -> Any:
        settings = {"base_url": server.base_url, "locale": "fr-FR", "viewport": {"width": 1280, "height": 800},
                    "accept_downloads": True, **options}
        context = browser.new_context(**settings)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Any) -> Any:
    """A page in a fresh context (JavaScript on)."""
    return new_context().new_page()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.e2e.helpers import AUDITS

    if AUDITS:
        pages = {label.rsplit(" [", 1)[0] for label, *_ in AUDITS}
        blocking = sum(count for *_, count in AUDITS)
        terminalreporter.write_line(f"axe-core: {len(AUDITS)} audits of {len(pages)} pages (fr and en), "
                                    f"{blocking} serious/critical violations, {AXE_SECONDS[0]:.1f} s in axe")
