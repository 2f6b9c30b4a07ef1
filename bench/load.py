"""Load scenarios against CyberAware under gunicorn, side by side with a bare Flask app (issue #9).

One command per database::

    .venv/bin/python bench/load.py --students 80000                      # SQLite, /tmp/bench/cyberaware.sqlite
    .venv/bin/python bench/load.py --students 80000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/cyberaware_bench

What it does, in this order:

1. makes sure the database holds the generated university (``bench/generate.py``): generates it
   when the number of students differs from ``--students``, the bench accounts are missing, the
   schema is not at the migrations' head (the app changed), or ``--regenerate`` is given;
2. start-up figures: ``python -c "from wsgi import app"`` wall time (median of 3), and
   ``flask content sync`` on a fresh database and again unchanged (CLI wall time, and the
   ``sync_content()`` call alone, in-process);
3. prepares the quiz scenarios with the app's own service: ``--sessions`` students who completed the
   first module get an open attempt at every core quiz (``start_or_resume``, the code behind the
   "Start the quiz" button; existing open attempts are reused), so every submission under load
   submits a different attempt, as a real student would;
4. serves ``bench/hello_app.py`` under gunicorn with ``gunicorn.conf.py`` (same workers, class and
   access log as the app) and measures it with wrk (the baseline), then CyberAware the same way
   (time to the first 200 is measured here), then hello again (the baseline is the mean of the two
   hello runs; their gap shows how steady the shared machine was);
5. logs every student of the pool, the coordinator and nobody else in through the real login form
   (GET /login, CSRF token from the page, POST) and replays with wrk (``bench/wrk/requests.lua``),
   at ``--connections`` (50) concurrent connections for ``--duration`` seconds after a warm-up
   (the coordinator dashboard: ``--dashboard-duration`` seconds, client timeout 300 s; after each
   run the script waits until gunicorn has served what wrk left queued, so runs do not overlap):
   login page, student dashboard, module page (the student's next module), quiz page (an open
   attempt), coordinator dashboard (every faculty), quiz submission (each request a different open
   attempt, answers in the form's own encoding, CSRF token of the session). The coordinator
   dashboard is also timed alone (one request at a time, median of 5) for its < 1 s target;
6. the per-student CSV export, measured as ONE timed, streamed request (not under 50 users: it is a
   20 MB download that a coordinator runs now and then), while the resident memory of every
   gunicorn worker is sampled from /proc (psutil) every 20 ms: the peak of the worker that served it;
7. with ``--profile``, a second pass samples the workers with py-spy during each scenario and
   names the hottest frames (self time and CyberAware/SQLAlchemy/Jinja2 functions);
8. writes ``bench/results/load-<dialect>.json`` and ``bench/results/load-<dialect>.md``.

Rate limits: on, as in production, stored in Redis (``--redis-url``, default
``redis://127.0.0.1:6379/15``) under a key prefix unique to the run; the login limits are raised
for the bench only (``LOGIN_LIMITS`` passed to ``create_app``), because the pool's hundreds of logins
all come from 127.0.0.1 (production: 10 a minute per address). Everything else is the production
configuration (``CYBERAWARE_ENV=production``, secure cookies, ``gunicorn.conf.py``).

Errors counted: socket errors (connect, read, write, timeout) and responses outside 2xx/3xx. The
status codes of every scenario are also listed: a page that answers 302 where 200 is expected
(a lost session) is flagged as an error too.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import generate as gen  # noqa: E402

VENV_BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "wrk" / "requests.lua"
CSRF_RE = [re.compile(r'name="csrf_token"[^>]*value="([^"]+)"'), re.compile(r'value="([^"]+)"[^>]*name="csrf_token"')]
UA = "cyberaware-bench"

#: Targets of issue #9, for the report.
TARGETS = {"page_ratio": 0.35, "submit_ratio": 0.15, "p95_ms": 100.0, "dashboard_s": 1.0, "export_s": 15.0,
           "export_mb": 300.0, "sync_s": 1.0, "start_s": 1.5}


# --- HTTP --------------------------------------------------------------------------------------

class Client:
    """A tiny HTTP/1.1 client on loopback with one cookie jar (the session cookie)."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.port, self.host = port, host
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str, form: list[tuple[str, str]] | dict | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        hdrs = {"User-Agent": UA, **(headers or {})}
        if self.cookies:
            hdrs["Cookie"] = self.cookie_header()
        body = None
        if form is not None:
            body = urlencode(form)
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=hdrs)
        response = conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                if val:
                    self.cookies[key.strip()] = val.strip()
                else:
                    self.cookies.pop(key.strip(), None)
        result_headers = {k.lower(): v for k, v in response.getheaders()}
        conn.close()
        return response.status, result_headers, data

    def get(self, path: str, **kw: Any) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path, **kw)

    def post(self, path: str, form: Any, **kw: Any) -> tuple[int, dict[str, str], bytes]:
        return self.request("POST", path, form=form, **kw)


def csrf_token(html: bytes) -> str:
    text = html.decode("utf-8", "replace")
    for pattern in CSRF_RE:
        match = pattern.search(text)
        if match:
            return match.group(1)
    raise RuntimeError("no CSRF token in the page")


def login(port: int, email: str, password: str) -> Client:
    """Log in through the real form: GET /login for the CSRF token, POST it with the credentials."""
    client = Client(port)
    status, _h, body = client.get("/login")
    if status != 200:
        raise RuntimeError(f"GET /login answered {status}")
    status, headers, _b = client.post("/login", {"csrf_token": csrf_token(body), "email": email,
                                                 "password": password, "next": ""})
    if status != 302 or "/login" in headers.get("location", ""):
        raise RuntimeError(f"login of {email} failed: {status} {headers.get('location')}")
    return client


# --- servers -----------------------------------------------------------------------------------

class Server:
    """gunicorn with the project's gunicorn.conf.py on a loopback port, as a child process."""

    def __init__(self, app_spec: str, port: int, env: dict[str, str], log: Path, ready_path: str = "/",
                 prefix: list[str] | None = None) -> None:
        self.port, self.log_path, self.prefixed = port, log, bool(prefix)
        self.log = open(log, "ab")
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [*(prefix or []), str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{port}",
             app_spec], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.first_200_s = self._wait(ready_path, started)

    def master(self) -> Any:
        """The gunicorn master (under a prefix such as py-spy: its child)."""
        import psutil

        process = psutil.Process(self.proc.pid)
        return process.children()[0] if self.prefixed else process

    def _wait(self, path: str, started: float) -> float:
        deadline = started + 90
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}); see {self.log_path}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", path, headers={"User-Agent": UA})
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.01)
        raise RuntimeError(f"gunicorn on port {self.port} never answered 200 on {path}; see {self.log_path}")

    def workers(self) -> list[Any]:
        import psutil

        try:
            return self.master().children()
        except (psutil.NoSuchProcess, IndexError):
            return []

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:  # gunicorn: graceful shutdown of the master and its workers
                self.master().send_signal(signal.SIGTERM)
            except Exception:
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def app_spec(overrides: dict[str, Any]) -> str:
    """gunicorn's factory syntax with literal arguments: ``cyberaware:create_app({...})``."""
    return f"cyberaware:create_app({overrides!r})"


def server_env(url: str, redis_url: str) -> dict[str, str]:
    env = gen.bench_env(url, CYBERAWARE_REDIS_URL=redis_url)
    env.pop("FLASK_APP", None)
    return env


# --- wrk -----------------------------------------------------------------------------------------

def drain(port: int) -> float:
    """Wait until the requests wrk left behind are served: gunicorn keeps serving what is queued on
    its socket after wrk has gone, and the next run must not pay for it. A request sent now is
    answered after them."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", "/", headers={"User-Agent": UA})
    conn.getresponse().read()
    conn.close()
    return time.perf_counter() - started


def run_wrk(port: int, lines: list[str], duration: float, connections: int, threads: int, once: bool = False,
            tmp: Path | None = None, timeout: float = 30) -> dict[str, Any]:
    """Replay ``lines`` (see bench/wrk/requests.lua) with wrk, then wait for the server to be idle
    again (:func:`drain`); returns wrk's figures as a dict."""
    tmp = tmp or Path(tempfile.mkdtemp(prefix="bench-wrk-"))
    requests_file = tmp / "requests.tsv"
    requests_file.write_text("\n".join(lines) + "\n")
    env = {**os.environ, "WRK_REQUESTS": str(requests_file), "WRK_THREADS": str(threads), "WRK_ONCE": "1" if once else "0"}
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s", "--timeout",
           f"{round(timeout)}s", "--latency", "-s", str(LUA), f"http://127.0.0.1:{port}"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + timeout + 120)
    drained = drain(port)
    for line in out.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            data = json.loads(line.removeprefix("WRK_JSON "))
            seconds = data["duration_us"] / 1e6
            data["rps"] = data["requests"] / seconds if seconds else 0.0
            data["socket_errors"] = sum(v for k, v in data["errors"].items() if k != "status")
            data["drain_s"] = drained
            return data
    raise RuntimeError(f"wrk gave no result: {out.stdout}\n{out.stderr}")


def line(method: str, path: str, cookie: str = "", body: str = "") -> str:
    for value in (path, cookie, body):
        assert "\t" not in value and "\n" not in value
    return f"{method}\t{path}\t{cookie}\t{body}"


# --- preparation (in-process, with the app's own code) ----------------------------------------------

def prepare_pool(url: str, sessions: int, seed: int) -> dict[str, Any]:
    """Pick ``sessions`` students who completed the first module, give each an open attempt at every
    core quiz with the app's service, and compute the module page each would open next."""
    import sqlalchemy as sa

    app = gen.make_app(url)
    from cyberaware.extensions import db
    from cyberaware.models import Attempt, ModuleProgress, ModuleRecord, QuizRecord, User
    from cyberaware.progress import next_recommended
    from cyberaware.services import attempts as attempt_service
    from cyberaware.services.curriculum import student_standings

    import logging

    logging.getLogger("cyberaware").setLevel(logging.WARNING)  # one line per started attempt otherwise
    rng = random.Random(seed)
    started = time.perf_counter()
    with app.app_context():
        first = db.session.scalar(sa.select(ModuleRecord).where(ModuleRecord.archived_at.is_(None),
                                                                 ModuleRecord.level == "core")
                                  .order_by(ModuleRecord.position))
        candidates = list(db.session.scalars(
            sa.select(User.id).join(ModuleProgress, ModuleProgress.user_id == User.id)
            .where(User.role == "student", User.password_hash.is_not(None), ModuleProgress.module_id == first.id,
                   ModuleProgress.completed_at.is_not(None), User.email != gen.STUDENT_EMAIL)
            .order_by(User.id)))
        chosen = sorted(rng.sample(candidates, min(sessions, len(candidates))))
        quizzes = list(db.session.scalars(
            sa.select(QuizRecord).join(ModuleRecord, ModuleRecord.id == QuizRecord.module_id)
            .where(QuizRecord.archived_at.is_(None), ModuleRecord.archived_at.is_(None), ModuleRecord.level == "core")
            .order_by(ModuleRecord.position)))
        pool = []
        created = reused = 0
        for user_id in chosen:
            user = db.session.get(User, user_id)
            items, _records = student_standings(user)
            nxt = next_recommended(items)
            slug = nxt.module.slug if nxt else items[0].module.slug
            attempts = []
            for quiz in quizzes:
                existing = attempt_service.open_attempt(user, quiz)
                try:
                    attempt = attempt_service.start_or_resume(user, quiz, user.locale or "fr", rng=rng)
                except attempt_service.AttemptRefused:
                    continue
                if existing is not None and existing.id == attempt.id:
                    reused += 1
                else:
                    created += 1
                content = attempt_service.attempt_quiz(attempt)
                ability = 0.55 + 0.4 * rng.random()
                responses = gen.simulate_responses(content, attempt.layout, ability, rng)
                fields = gen.form_fields(content, attempt.layout, responses)
                from cyberaware import attempts as rules

                reading = rules.read_answers(content, attempt.layout, _multidict(fields))
                if reading.problems or reading.foreign_fields:
                    raise RuntimeError(f"form encoding problem on attempt {attempt.id}: {reading.problems}")
                attempts.append({"id": attempt.id, "public_id": attempt.public_id, "fields": fields})
            pool.append({"user_id": user_id, "email": user.email, "module": slug, "attempts": attempts})
            db.session.commit()
        coordinator_id = db.session.scalar(sa.select(User.id).where(User.email == gen.COORDINATOR_EMAIL))
        open_total = db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)
                                       .where(Attempt.submitted_at.is_(None)))
    return {"pool": pool, "created": created, "reused": reused, "seconds": time.perf_counter() - started,
            "coordinator_id": coordinator_id, "open_attempts_in_db": open_total}


def _multidict(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for key, value in fields:
        result.setdefault(key, []).append(value)
    return result


_submitted_cache: dict[int, set[int]] = {}


def submitted_ids(url: str, attempt_ids: list[int]) -> set[int]:
    """Which of ``attempt_ids`` are submitted (computed once per list)."""
    key = id(attempt_ids)
    if key not in _submitted_cache:
        import sqlalchemy as sa

        engine = sa.create_engine(url)
        found: set[int] = set()
        with engine.connect() as conn:
            for offset in range(0, len(attempt_ids), 500):
                ids = ",".join(str(int(i)) for i in attempt_ids[offset:offset + 500])
                found.update(conn.execute(sa.text(
                    f"SELECT id FROM attempts WHERE submitted_at IS NOT NULL AND id IN ({ids})")).scalars())
        engine.dispose()
        _submitted_cache[key] = found
    return _submitted_cache[key]


def count_submitted(url: str, attempt_ids: list[int]) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    total = 0
    with engine.connect() as conn:
        for offset in range(0, len(attempt_ids), 500):
            ids = attempt_ids[offset:offset + 500]
            total += conn.execute(sa.text("SELECT count(*) FROM attempts WHERE submitted_at IS NOT NULL AND id IN (%s)"
                                          % ",".join(str(int(i)) for i in ids))).scalar()
    engine.dispose()
    return total


def data_state(url: str) -> tuple[int, bool, bool]:
    """(students, bench accounts present, schema at the migrations' head) of the database."""
    import sqlalchemy as sa
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    heads = set(ScriptDirectory.from_config(config).get_heads())
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            n = conn.execute(sa.text("SELECT count(*) FROM users WHERE role = 'student'")).scalar()
            known = conn.execute(sa.text("SELECT count(*) FROM users WHERE email IN (:a, :b, :c)"),
                                 {"a": gen.STUDENT_EMAIL, "b": gen.COORDINATOR_EMAIL, "c": gen.ADMIN_EMAIL}).scalar()
            current = set(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
        return int(n or 0), known == 3, current == heads
    except Exception:
        return 0, False, False
    finally:
        engine.dispose()


# --- start-up and content sync ---------------------------------------------------------------------

def measure_import(url: str, repeats: int = 3) -> list[float]:
    env = gen.bench_env(url)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from wsgi import app"], cwd=ROOT, env=env, check=True)
        times.append(time.perf_counter() - started)
    return times


def scratch_url(url: str) -> str:
    """A throw-away database next to ``url`` for the fresh content sync."""
    if gen.dialect_of(url) == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='bench-sync-')}/sync.sqlite"
    import sqlalchemy as sa

    base = sa.make_url(url)
    name = f"{base.database}_sync"
    engine = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def measure_sync(url: str) -> dict[str, float]:
    """`flask content sync` on a fresh database (after `flask db upgrade`) and unchanged, CLI wall
    time; and the sync_content() call alone, in a child process (fresh, then unchanged)."""
    fresh = scratch_url(url)
    result = {}
    flask = str(VENV_BIN / "flask")
    for attempt in ("cli", "inprocess"):
        gen.reset_database(fresh)
        env = gen.bench_env(fresh)
        subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        if attempt == "cli":
            for label in ("fresh", "unchanged"):
                started = time.perf_counter()
                subprocess.run([flask, "content", "sync"], cwd=ROOT, env=env, check=True, capture_output=True)
                result[f"cli_{label}_s"] = time.perf_counter() - started
        else:
            out = subprocess.run([sys.executable, __file__, "--child-sync", fresh], cwd=ROOT, env=env, check=True,
                                 capture_output=True, text=True)
            result.update(json.loads(out.stdout.strip().splitlines()[-1]))
    if gen.dialect_of(url) == "sqlite":
        gen.reset_database(fresh)
    return result


def child_sync(url: str) -> None:
    app = gen.make_app(url)
    from cyberaware.services.content_sync import sync_content

    figures = {}
    with app.app_context():
        for label in ("fresh", "unchanged"):
            started = time.perf_counter()
            report = sync_content(gen.ROOT)
            figures[f"inprocess_{label}_s"] = time.perf_counter() - started
            assert report.succeeded
    print(json.dumps(figures))


# --- export ----------------------------------------------------------------------------------------

def measure_export(server: Server, cookie_client: Client, path: str) -> dict[str, Any]:
    """One streamed download, timed, with every worker's RSS sampled every 20 ms."""
    import psutil

    workers = server.workers()
    before = {}
    for w in workers:
        try:
            before[w.pid] = w.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    peaks = dict(before)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for w in workers:
                try:
                    rss = w.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
                if rss > peaks.get(w.pid, 0):
                    peaks[w.pid] = rss
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    started = time.perf_counter()
    conn.request("GET", path, headers={"User-Agent": UA, "Cookie": cookie_client.cookie_header()})
    response = conn.getresponse()
    first_byte = time.perf_counter() - started
    size = rows = 0
    while True:
        chunk = response.read(65536)
        if not chunk:
            break
        size += len(chunk)
        rows += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    conn.close()
    stop.set()
    sampler.join()
    growth = {pid: peaks[pid] - before.get(pid, peaks[pid]) for pid in peaks}
    served_by = max(growth, key=lambda pid: growth[pid]) if growth else None
    return {"status": response.status, "seconds": seconds, "first_byte_s": first_byte, "bytes": size,
            "rows": max(rows - 1, 0), "worker_rss_before_mb": before.get(served_by, 0) / 2**20,
            "worker_rss_peak_mb": peaks.get(served_by, 0) / 2**20,
            "all_workers_peak_mb": max(peaks.values()) / 2**20 if peaks else 0}


# --- profiling ---------------------------------------------------------------------------------------

def summarize_profile(raw: Path, top: int = 12) -> dict[str, list[tuple[str, float]]]:
    """Collapsed stacks of py-spy (``--format raw``) -> hottest frames by self time and the
    app/SQL/template functions by inclusive time, in percent of the samples."""
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    import gzip

    content = gzip.decompress(raw.read_bytes()) if raw.suffix == ".gz" else raw.read_bytes()
    for text in content.decode("utf-8", "replace").splitlines():
        stack, _, count = text.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if not f.startswith("process ")]  # py-spy's per-process root
        if any("_find_and_load" in f or "load_wsgi" in f for f in frames):
            continue  # start-up imports, not the scenario
        if not frames:
            continue
        total += n
        if frames:
            self_time[_frame(frames[-1])] += n
        seen = set()
        for frame in frames:
            name = _frame(frame)
            if name in seen:
                continue
            seen.add(name)
            if any(k in frame for k in ("cyberaware/", "sqlalchemy/", "jinja2/", "psycopg/", "sqlite3", "werkzeug/",
                                         "flask_", "markupsafe", "babel/", "limits/", "redis/")):
                inclusive[name] += n
    if not total:
        return {"self": [], "inclusive": []}
    return {"self": [(k, round(100 * v / total, 1)) for k, v in self_time.most_common(top)],
            "inclusive": [(k, round(100 * v / total, 1)) for k, v in inclusive.most_common(top * 2)],
            "samples": total}


def write_profile_summary(dialect: str) -> dict[str, Any]:
    """Summaries of bench/results/profiles/<dialect>-<scenario>.txt, written next to them."""
    import gzip

    folder = RESULTS / "profiles"
    for raw in sorted(folder.glob(f"{dialect}-*.txt")):  # keep the raw stacks compressed
        Path(f"{raw}.gz").write_bytes(gzip.compress(raw.read_bytes()))
        raw.unlink()
    summary = {raw.name.removesuffix(".txt.gz").removeprefix(f"{dialect}-").replace("-", " "): summarize_profile(raw)
               for raw in sorted(folder.glob(f"{dialect}-*.txt.gz"))}
    (folder / f"summary-{dialect}.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary


def _frame(frame: str) -> str:
    # "function (path/to/file.py:123)" -> "function (file.py)" with the package for context
    match = re.match(r"(.*?) \((.*?)(?::\d+)?\)$", frame.strip())
    if not match:
        return frame.strip()
    func, path = match.groups()
    parts = path.split("/")
    where = "/".join(parts[-2:]) if len(parts) > 1 else path
    return f"{func} ({where})"


# --- the run --------------------------------------------------------------------------------------------

def fmt_ms(us: float) -> str:
    return f"{us / 1000:.1f}"


def main() -> None:  # noqa: C901 - one linear script
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=gen.DEFAULT_SQLITE)
    parser.add_argument("--students", type=int, default=80_000)
    parser.add_argument("--regenerate", action="store_true", help="rebuild the data even when it is there")
    parser.add_argument("--duration", type=float, default=20, help="seconds of each measured wrk run")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of wrk before each measured run")
    parser.add_argument("--dashboard-duration", type=float, default=60,
                        help="seconds of the coordinator dashboard run (its requests take seconds under load)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--sessions", type=int, default=300, help="students logged in for the student scenarios")
    parser.add_argument("--port", type=int, default=8201, help="the app's port (hello: port + 1)")
    parser.add_argument("--redis-url", default=os.environ.get("CYBERAWARE_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--scenarios", nargs="+", metavar="NAME", help="only these scenarios (quoted names, e.g. "
                        "'student dashboard'); default: all")
    parser.add_argument("--profile", action="store_true", help="add a py-spy pass naming each scenario's hot frames")
    parser.add_argument("--skip-startup", action="store_true", help="skip import time and content sync figures")
    parser.add_argument("--child-sync", help=argparse.SUPPRESS)
    parser.add_argument("--combine", action="store_true", help="write bench/results/summary.md: the SQLite and "
                        "PostgreSQL results side by side (from load-sqlite.json and load-postgresql.json)")
    parser.add_argument("--summarize-profiles", metavar="DIALECT", help="summarise the py-spy files of an earlier "
                        "--profile run (bench/results/profiles/DIALECT-*.txt) again")
    args = parser.parse_args()
    if args.child_sync:
        child_sync(args.child_sync)
        return
    if args.combine:
        for d in ("sqlite", "postgresql"):
            if (RESULTS / f"load-{d}.json").exists():
                (RESULTS / f"load-{d}.md").write_text(render_markdown(json.loads((RESULTS / f"load-{d}.json").read_text())))
        text = combine_results()
        (RESULTS / "summary.md").write_text(text)
        print(text)
        return
    if args.summarize_profiles:
        print(json.dumps(write_profile_summary(args.summarize_profiles), indent=1))
        return

    url = args.database_url
    dialect = gen.dialect_of(url)
    run_id = f"{int(time.time())}-{os.getpid()}"
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-load-{dialect}-"))
    results: dict[str, Any] = {"dialect": dialect, "database": url.split("@")[-1], "students": args.students,
                               "connections": args.connections, "wrk_threads": args.threads,
                               "duration_s": args.duration, "started_at": time.strftime("%Y-%m-%d %H:%M:%S"),
                               "machine": machine(), "scenarios": {}}
    print(f"[{dialect}] logs and request files in {tmp}", flush=True)

    n, known, schema_ok = data_state(url)
    if args.regenerate or n != args.students or not known or not schema_ok:
        print(f"[{dialect}] generating {args.students} students (found {n}, bench accounts: {known}, "
              f"schema at head: {schema_ok})", flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--database-url", url,
                        "--students", str(args.students)], check=True)
    gen_summary = RESULTS / f"generate-{dialect}.json"
    if gen_summary.exists():
        results["generate"] = json.loads(gen_summary.read_text())

    if not args.skip_startup:
        imports = measure_import(url)
        results["startup"] = {"import_wsgi_s": statistics.median(imports), "import_wsgi_runs_s": imports}
        print(f"[{dialect}] from wsgi import app: {statistics.median(imports):.2f} s (median of 3)", flush=True)
        results["content_sync"] = measure_sync(url)
        print(f"[{dialect}] content sync: {results['content_sync']}", flush=True)

    prep = prepare_pool(url, args.sessions, args.seed)
    pool = prep["pool"]
    print(f"[{dialect}] pool: {len(pool)} students, {sum(len(p['attempts']) for p in pool)} open attempts "
          f"({prep['created']} started with start_or_resume, {prep['reused']} reused) in {prep['seconds']:.1f} s",
          flush=True)
    results["pool"] = {k: v for k, v in prep.items() if k != "pool"} | {"students": len(pool)}

    env = server_env(url, args.redis_url)
    hello_port, app_port = args.port + 1, args.port
    overrides = {"LOGIN_LIMITS": "100000 per minute", "RATELIMIT_KEY_PREFIX": f"bench-{run_id}"}

    def hello_run(label: str) -> dict[str, Any]:
        server = Server("bench.hello_app:app", hello_port, env, tmp / "hello.log")
        try:
            run_wrk(hello_port, [line("GET", "/")], args.warmup, args.connections, args.threads, tmp=tmp)
            data = run_wrk(hello_port, [line("GET", "/")], args.duration, args.connections, args.threads, tmp=tmp)
        finally:
            server.stop()
        data["first_200_s"] = server.first_200_s
        print(f"[{dialect}] hello ({label}): {data['rps']:.0f} req/s, p95 {fmt_ms(data['latency_us']['p95'])} ms",
              flush=True)
        return data

    hello_before = hello_run("before")

    server = Server(app_spec(overrides), app_port, env, tmp / "app.log", ready_path="/login")
    results.setdefault("startup", {})["gunicorn_first_200_s"] = server.first_200_s
    print(f"[{dialect}] gunicorn time to first 200: {server.first_200_s:.2f} s", flush=True)
    scenario_lines: dict[str, tuple[list[str], bool]] = {}
    try:
        # sessions through the real login form
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=6) as executor:
            clients = list(executor.map(lambda p: login(app_port, p["email"], gen.PASSWORD), pool))
        coordinator = login(app_port, gen.COORDINATOR_EMAIL, gen.PASSWORD)
        results["pool"]["login_seconds"] = time.perf_counter() - started
        print(f"[{dialect}] {len(clients) + 1} logins through the form in {results['pool']['login_seconds']:.1f} s",
              flush=True)
        # one CSRF token per session, from a page of that session (the attempt page)
        submit_lines, page_lines, submit_ids = [], [], []
        for student, client in zip(pool, clients):
            first = student["attempts"][0]
            status, _h, body = client.get(f"/learn/attempts/{first['public_id']}")
            if status != 200:
                raise RuntimeError(f"attempt page answered {status}")
            token = csrf_token(body)
            cookie = client.cookie_header()
            for attempt in student["attempts"]:
                path = f"/learn/attempts/{attempt['public_id']}"
                page_lines.append(line("GET", path, cookie))
                body_fields = [("csrf_token", token), *attempt["fields"], ("action", "submit")]
                submit_lines.append((attempt["id"], line("POST", path, cookie, urlencode(body_fields))))
        rng = random.Random(args.seed)
        rng.shuffle(submit_lines)
        submit_ids = [i for i, _l in submit_lines]
        cookies = [c.cookie_header() for c in clients]
        scenario_lines = {
            "login page": ([line("GET", "/login")], False),
            "student dashboard": ([line("GET", "/learn/", c) for c in cookies], False),
            "module page": ([line("GET", f"/learn/modules/{p['module']}", c) for p, c in zip(pool, cookies)], False),
            "quiz page": (page_lines, False),
            "coordinator dashboard": ([line("GET", "/coordinator/dashboard", coordinator.cookie_header())], False),
            "quiz submission": ([l for _i, l in submit_lines], True),
        }
        expected = {"login page": "200", "student dashboard": "200", "module page": "200", "quiz page": "200",
                    "coordinator dashboard": "200", "quiz submission": "302"}
        for name, (lines_, once) in scenario_lines.items():
            if args.scenarios and name not in args.scenarios:
                continue
            if name == "coordinator dashboard":
                single = []
                for _ in range(5):
                    t0 = time.perf_counter()
                    status, _h, body = coordinator.get("/coordinator/dashboard")
                    single.append(time.perf_counter() - t0)
                    assert status == 200, status
                results["coordinator_dashboard_single"] = {"median_s": statistics.median(single), "runs_s": single,
                                                           "bytes": len(body)}
                print(f"[{dialect}] coordinator dashboard alone: median {statistics.median(single):.2f} s, "
                      f"{len(body) / 1e3:.0f} kB", flush=True)
            duration, timeout = args.duration, 30
            if name == "coordinator dashboard":
                # ~1 s of CPU per request: 50 at once queue for tens of seconds, so a longer run and a
                # longer client timeout (the single requests above were the warm-up)
                duration, timeout = max(args.duration, args.dashboard_duration), 300
            elif not once:
                run_wrk(app_port, lines_, args.warmup, args.connections, args.threads, tmp=tmp)
            data = run_wrk(app_port, lines_, duration, args.connections, args.threads, once=once, tmp=tmp,
                           timeout=timeout)
            data["duration_s"] = duration
            unexpected = sum(n for code, n in data["statuses"].items() if code != expected[name])
            data["unexpected_status"] = unexpected
            data["errors_total"] = data["socket_errors"] + unexpected  # 4xx/5xx are unexpected too
            if name == "quiz submission":
                recorded = count_submitted(url, submit_ids)
                data["attempts_available"] = len(lines_)
                data["attempts_recorded"] = recorded
                print(f"[{dialect}]   submissions answered 302: {data['statuses'].get('302', 0)}, "
                      f"attempts recorded as submitted: {recorded}, pool exhausted: {data['exhausted']}", flush=True)
            results["scenarios"][name] = data
            print(f"[{dialect}] {name}: {data['rps']:.1f} req/s, p50 {fmt_ms(data['latency_us']['p50'])} ms, "
                  f"p95 {fmt_ms(data['latency_us']['p95'])} ms, p99 {fmt_ms(data['latency_us']['p99'])} ms, "
                  f"statuses {data['statuses']}, errors {data['errors_total']}", flush=True)
        export = measure_export(server, coordinator, "/coordinator/export/students.csv")
        results["export"] = export
        print(f"[{dialect}] per-student export: {export['seconds']:.1f} s, {export['rows']} rows, "
              f"{export['bytes'] / 1e6:.1f} MB, worker RSS {export['worker_rss_before_mb']:.0f} -> "
              f"{export['worker_rss_peak_mb']:.0f} MB", flush=True)
    finally:
        server.stop()

    hello_after = hello_run("after")
    hello_rps = (hello_before["rps"] + hello_after["rps"]) / 2
    results["hello"] = {"before": hello_before, "after": hello_after, "rps": hello_rps}
    for data in results["scenarios"].values():
        data["ratio_to_hello"] = data["rps"] / hello_rps if hello_rps else None

    if args.profile:
        profile_pass(args, env, overrides, app_port, submit_ids, scenario_lines, tmp, dialect)
        results["profiles"] = write_profile_summary(dialect)

    RESULTS.mkdir(parents=True, exist_ok=True)
    previous_file = RESULTS / f"load-{dialect}.json"
    if args.scenarios and previous_file.exists():
        # a partial re-run: replace those scenarios (each keeps the hello baseline of its own run)
        previous = json.loads(previous_file.read_text())
        for data in results["scenarios"].values():
            data["hello_rps_of_its_run"] = hello_rps
            data["run_started_at"] = results["started_at"]
        previous["scenarios"].update(results["scenarios"])
        if "profiles" in results:
            previous["profiles"] = results["profiles"]
        results = previous
    previous_file.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    markdown = render_markdown(results)
    (RESULTS / f"load-{dialect}.md").write_text(markdown)
    print(markdown)
    print(f"written: bench/results/load-{dialect}.json and .md")


def profile_pass(args: Any, env: dict[str, str], overrides: dict[str, Any], port: int, submit_ids: list[int],
                 scenario_lines: dict[str, tuple[list[str], bool]], tmp: Path, dialect: str) -> dict[str, Any]:
    """Run gunicorn under py-spy (``record --subprocesses``: every worker is sampled) while wrk
    replays one scenario, one server per scenario; then name the hottest frames. Quiz submissions
    use the open attempts the measured run left (skipped if fewer than 200). py-spy cannot attach to a running
    process in this container, so it starts gunicorn itself; stacks of the start-up (imports) are
    left out of the summary."""
    profiles = {}
    out_dir = RESULTS / "profiles"
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, (lines_, once) in scenario_lines.items():
        if args.scenarios and name not in args.scenarios:
            continue
        if once:  # quiz submissions: only the open attempts the measured run left
            lines_ = [l for i, l in zip(submit_ids, lines_) if i not in submitted_ids(args.database_url, submit_ids)]
            if len(lines_) < 200:
                continue
        raw = out_dir / f"{dialect}-{name.replace(' ', '-')}.txt"
        prefix = [str(VENV_BIN / "py-spy"), "record", "--subprocesses", "--format", "raw", "--rate", "97",
                  "--output", str(raw), "--"]
        server = Server(app_spec(overrides), port, env, tmp / "app-profile.log", ready_path="/login", prefix=prefix)
        try:
            run_wrk(port, lines_, max(8, args.duration / 2), args.connections, args.threads, tmp=tmp)
        finally:
            server.stop()
        if raw.exists():
            profiles[name] = summarize_profile(raw)
            print(f"[{dialect}] profile {name}: top self {profiles[name]['self'][:3]}", flush=True)
    return profiles


def combine_results() -> str:
    """The two databases side by side, with the targets, as Markdown."""
    t = TARGETS
    runs = {d: json.loads((RESULTS / f"load-{d}.json").read_text()) for d in ("sqlite", "postgresql")
            if (RESULTS / f"load-{d}.json").exists()}
    names = list(next(iter(runs.values()))["scenarios"]) if runs else []
    head = "| scenario | target | " + " | ".join(
        f"{d}: req/s (ratio) | {d}: p50 / p95 / p99 ms | {d}: errors" for d in runs) + " |"
    out = [head, "|---|---|" + "---:|---|---:|" * len(runs)]
    for name in names:
        if name == "quiz submission":
            target, ratio_min = f"≥ {t['submit_ratio']:.0%} of hello; p95 < {t['p95_ms']:.0f} ms; 0 errors", t["submit_ratio"]
        elif name in ("student dashboard", "module page", "quiz page"):
            target, ratio_min = f"≥ {t['page_ratio']:.0%} of hello; p95 < {t['p95_ms']:.0f} ms; 0 errors", t["page_ratio"]
        else:
            target, ratio_min = f"p95 < {t['p95_ms']:.0f} ms; 0 errors", 0.0
        cells = []
        for d, r in runs.items():
            s = r["scenarios"].get(name)
            if not s:
                cells.append(" | | ")
                continue
            lat = s["latency_us"]
            ok_ratio = s["ratio_to_hello"] >= ratio_min
            ok_p95 = lat["p95"] / 1000 < t["p95_ms"]
            mark = lambda ok: "" if ok else " ✗"  # noqa: E731
            note = f" †" if "run_started_at" in s else ""
            cells.append(f"{s['rps']:.1f} ({s['ratio_to_hello']:.1%}{mark(ok_ratio)}){note} | {fmt_ms(lat['p50'])} / "
                         f"{fmt_ms(lat['p95'])}{mark(ok_p95)} / {fmt_ms(lat['p99'])} | {s['errors_total']}")
        out.append(f"| {name} | {target} | " + " | ".join(cells) + " |")
    out.append("| hello (baseline) | | " + " | ".join(
        f"{r['hello']['rps']:.0f} (100%; {r['hello']['before']['rps']:.0f} before, {r['hello']['after']['rps']:.0f} "
        f"after) | {fmt_ms(r['hello']['before']['latency_us']['p50'])} / {fmt_ms(r['hello']['before']['latency_us']['p95'])}"
        f" / {fmt_ms(r['hello']['before']['latency_us']['p99'])} | "
        f"{r['hello']['before']['socket_errors'] + r['hello']['before']['errors']['status']}" for r in runs.values()) + " |")
    out += ["", "✗: target missed. Ratios are to the bare Flask app's req/s, measured in the same run with the same "
            "gunicorn settings (mean of its runs before and after the app's). †: re-measured in a later run "
            "(`--scenarios`), as a ratio to that run's hello: " + "; ".join(
                f"{d} {name} at {s['run_started_at']}, hello {s['hello_rps_of_its_run']:.0f} req/s"
                for d, r in runs.items() for name, s in r["scenarios"].items() if "run_started_at" in s) + ".", ""]
    out.append("| single-request figures | target | " + " | ".join(runs) + " |")
    out.append("|---|---|" + "---|" * len(runs))

    def row(label: str, target: str, fn: Any) -> None:
        values = []
        for r in runs.values():
            try:
                values.append(fn(r))
            except (KeyError, TypeError):
                values.append("")
        out.append(f"| {label} | {target} | " + " | ".join(values) + " |")

    ok = lambda cond: "" if cond else " ✗"  # noqa: E731
    row("coordinator dashboard, one request (median of 5)", f"< {t['dashboard_s']:.0f} s",
        lambda r: f"{r['coordinator_dashboard_single']['median_s']:.2f} s"
                  f"{ok(r['coordinator_dashboard_single']['median_s'] < t['dashboard_s'])} "
                  f"({r['coordinator_dashboard_single']['bytes'] / 1e6:.1f} MB HTML)")
    row("per-student CSV export, one streamed request", f"< {t['export_s']:.0f} s",
        lambda r: f"{r['export']['seconds']:.1f} s{ok(r['export']['seconds'] < t['export_s'])} "
                  f"({r['export']['rows']} rows, {r['export']['bytes'] / 1e6:.1f} MB, first byte "
                  f"{r['export']['first_byte_s']:.2f} s)")
    row("export: peak RSS of the worker", f"< {t['export_mb']:.0f} MB",
        lambda r: f"{r['export']['worker_rss_peak_mb']:.0f} MB{ok(r['export']['worker_rss_peak_mb'] < t['export_mb'])} "
                  f"(before: {r['export']['worker_rss_before_mb']:.0f} MB)")
    row("`python -c \"from wsgi import app\"` (median of 3)", f"< {t['start_s']} s",
        lambda r: f"{r['startup']['import_wsgi_s']:.2f} s{ok(r['startup']['import_wsgi_s'] < t['start_s'])}")
    row("gunicorn start to first 200 (5 workers)", f"< {t['start_s']} s",
        lambda r: f"{r['startup']['gunicorn_first_200_s']:.2f} s{ok(r['startup']['gunicorn_first_200_s'] < t['start_s'])}")
    row("`flask content sync`, fresh database (CLI wall time)", f"< {t['sync_s']:.0f} s",
        lambda r: f"{r['content_sync']['cli_fresh_s']:.2f} s{ok(r['content_sync']['cli_fresh_s'] < t['sync_s'])}")
    row("`flask content sync`, unchanged (CLI wall time)", f"< {t['sync_s']:.0f} s",
        lambda r: f"{r['content_sync']['cli_unchanged_s']:.2f} s{ok(r['content_sync']['cli_unchanged_s'] < t['sync_s'])}")
    row("`sync_content()` alone, fresh / unchanged", f"< {t['sync_s']:.0f} s",
        lambda r: f"{r['content_sync']['inprocess_fresh_s']:.2f} s / {r['content_sync']['inprocess_unchanged_s']:.2f} s")
    row("quiz submissions: 302 answers / attempts recorded", "recorded once",
        lambda r: f"{r['scenarios']['quiz submission']['statuses'].get('302', 0)} / "
                  f"{r['scenarios']['quiz submission']['attempts_recorded']} (the difference: requests in flight "
                  f"when wrk stopped, served after)")
    row("run started", "", lambda r: f"{r['started_at']} (load average {', '.join(f'{x:.1f}' for x in r['machine']['load_avg_at_start'])})")
    out.append("")
    return "\n".join(out)


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"cpus": os.cpu_count()}
    try:
        model = [l for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")]
        info["cpu"] = model[0].split(":", 1)[1].strip() if model else ""
        info["mem_gb"] = round(int(Path("/proc/meminfo").read_text().split()[1]) / 2**20, 1)
        info["load_avg_at_start"] = os.getloadavg()
    except OSError:
        pass
    info["python"] = sys.version.split()[0]
    return info


def render_markdown(r: dict[str, Any]) -> str:
    t = TARGETS
    hello = r["hello"]
    out = [f"### {r['dialect']} — {r['students']} students, {r['connections']} connections, "
           f"{r['duration_s']:.0f} s per scenario ({r['started_at']})", "",
           f"Bare Flask hello under the same gunicorn settings: {hello['before']['rps']:.0f} req/s before, "
           f"{hello['after']['rps']:.0f} req/s after the app's runs (baseline: the mean, {hello['rps']:.0f} req/s).", "",
           "| scenario | req/s | ratio to hello | p50 ms | p95 ms | p99 ms | requests | errors | statuses | target |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for name, d in r["scenarios"].items():
        lat = d["latency_us"]
        if name == "quiz submission":
            target = f"≥ {t['submit_ratio']:.0%} of hello, p95 < {t['p95_ms']:.0f} ms"
            ok = d["ratio_to_hello"] >= t["submit_ratio"]
        elif name in ("student dashboard", "module page", "quiz page"):
            target = f"≥ {t['page_ratio']:.0%} of hello, p95 < {t['p95_ms']:.0f} ms"
            ok = d["ratio_to_hello"] >= t["page_ratio"]
        else:
            target = f"p95 < {t['p95_ms']:.0f} ms"
            ok = True
        ok = ok and lat["p95"] / 1000 < t["p95_ms"] and d["errors_total"] == 0
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(d["statuses"].items()))
        if "run_started_at" in d:
            statuses += f" (re-measured {d['run_started_at']}, hello then {d['hello_rps_of_its_run']:.0f} req/s)"
        out.append(f"| {name} | {d['rps']:.1f} | {d['ratio_to_hello']:.1%} | {fmt_ms(lat['p50'])} | {fmt_ms(lat['p95'])} "
                   f"| {fmt_ms(lat['p99'])} | {d['requests']} | {d['errors_total']} | {statuses} | "
                   f"{target}: **{'met' if ok else 'missed'}** |")
    out.append(f"| hello (baseline) | {hello['rps']:.0f} | 100% | {fmt_ms(hello['before']['latency_us']['p50'])} | "
               f"{fmt_ms(hello['before']['latency_us']['p95'])} | {fmt_ms(hello['before']['latency_us']['p99'])} | "
               f"{hello['before']['requests']} | {hello['before']['socket_errors'] + hello['before']['errors']['status']} | | |")
    out.append("")
    single = r.get("coordinator_dashboard_single")
    if single:
        out.append(f"- Coordinator dashboard alone (one request at a time, median of 5): **{single['median_s']:.2f} s** "
                   f"({single['bytes'] / 1e3:.0f} kB of HTML); target < {t['dashboard_s']:.0f} s: "
                   f"**{'met' if single['median_s'] < t['dashboard_s'] else 'missed'}**.")
    e = r.get("export")
    if e:
        ok = e["seconds"] < t["export_s"] and e["worker_rss_peak_mb"] < t["export_mb"]
        out.append(f"- Per-student CSV export (one streamed request): **{e['seconds']:.1f} s** (first byte after "
                   f"{e['first_byte_s']:.2f} s), {e['rows']} rows, {e['bytes'] / 1e6:.1f} MB; worker RSS "
                   f"{e['worker_rss_before_mb']:.0f} MB before, **{e['worker_rss_peak_mb']:.0f} MB** peak; target "
                   f"< {t['export_s']:.0f} s and < {t['export_mb']:.0f} MB: **{'met' if ok else 'missed'}**.")
    s = r.get("startup", {})
    if "import_wsgi_s" in s:
        out.append(f"- App start: `from wsgi import app` **{s['import_wsgi_s']:.2f} s** (median of 3); gunicorn "
                   f"time to first 200 **{s['gunicorn_first_200_s']:.2f} s**; target < {t['start_s']} s: "
                   f"**{'met' if s['import_wsgi_s'] < t['start_s'] else 'missed'}**.")
    c = r.get("content_sync")
    if c:
        out.append(f"- Content sync (`flask content sync`, CLI wall time incl. app start): fresh **{c['cli_fresh_s']:.2f} s**, "
                   f"unchanged **{c['cli_unchanged_s']:.2f} s**; `sync_content()` alone: fresh "
                   f"**{c['inprocess_fresh_s']:.2f} s**, unchanged **{c['inprocess_unchanged_s']:.2f} s**; target "
                   f"< {t['sync_s']:.0f} s: **{'met' if c['inprocess_fresh_s'] < t['sync_s'] else 'missed'}** "
                   f"(sync alone), **{'met' if c['cli_fresh_s'] < t['sync_s'] else 'missed'}** (CLI).")
    sub = r["scenarios"].get("quiz submission")
    if sub:
        out.append(f"- Quiz submissions: {sub.get('attempts_available')} distinct open attempts available, "
                   f"{sub['statuses'].get('302', 0)} answered 302, {sub.get('attempts_recorded')} recorded as "
                   f"submitted in the database, pool exhausted: {sub['exhausted']}.")
    p = r.get("pool", {})
    out.append(f"- Sessions: {p.get('students')} students logged in through the login form in "
               f"{p.get('login_seconds', 0):.1f} s; their {p.get('created', 0) + p.get('reused', 0)} open attempts "
               f"prepared with `start_or_resume` in {p.get('seconds', 0):.1f} s.")
    out.append(f"- Machine: {r['machine'].get('cpus')} CPUs ({r['machine'].get('cpu', '')}), "
               f"{r['machine'].get('mem_gb')} GB, load average at start {r['machine'].get('load_avg_at_start')}.")
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    main()
