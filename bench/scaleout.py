"""Two CyberAware instances behind nginx, sharing PostgreSQL and Redis: proofs and throughput (issue #9).

    .venv/bin/python bench/scaleout.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/cyberaware_bench

Starts two gunicorn instances (``gunicorn.conf.py``, ports ``--port`` and ``--port + 1``) with the
production configuration, ``CYBERAWARE_PROXIES=1`` (the app trusts nginx's X-Forwarded-* headers)
and ``CYBERAWARE_REDIS_URL`` (rate limits shared through Redis), and nginx (``/usr/sbin/nginx``, in the
foreground, as a child process, config from ``bench/nginx/cyberaware.conf.template`` written to a
temporary folder) listening on ``--nginx-port`` with round robin over both. nginx adds
``X-Upstream: $upstream_addr`` so that every answer says which instance served it. Then it proves:

1. sessions: a student logs in through nginx; 40 requests with that session cookie alternate between
   the instances and are all answered as that student (200, not a redirect to /login);
2. rate limits: failed logins through nginx (alternating instances) until the first 429, compared
   with the same count against one instance directly: equal when the counters are shared (with
   per-process memory counters the two-instance count would be about twice as high);
3. quiz attempts: an attempt started on instance A is shown and saved on instance B, submitted on
   A, submitted again on B (a replay), and recorded once: one submission, one set of answers, the
   quiz's running total up by exactly one;
4. throughput: the student dashboard through nginx with one instance, then with two (wrk,
   ``--connections`` connections, ``--duration`` seconds), on this machine.

Uses the data of ``bench/generate.py`` (run it first, or ``bench/load.py`` which does). The rate
limiter uses a key prefix unique to the run, and the script deletes its own keys between phases.
Prints the results and writes ``bench/results/scaleout.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import generate as gen  # noqa: E402
import load  # noqa: E402

TEMPLATE = ROOT / "bench" / "nginx" / "cyberaware.conf.template"
NGINX = "/usr/sbin/nginx"


class Nginx:
    """nginx in the foreground with a generated config, as a child process."""

    def __init__(self, listen: int, upstream_ports: list[int], tmp: Path) -> None:
        self.tmp = tmp / f"nginx-{len(upstream_ports)}"
        self.tmp.mkdir(parents=True, exist_ok=True)
        upstreams = "\n".join(f"        server 127.0.0.1:{p};" for p in upstream_ports)
        text = (TEMPLATE.read_text().replace("@TMP@", str(self.tmp)).replace("@LISTEN@", str(listen))
                .replace("@UPSTREAMS@", upstreams).replace("@ROOT@", str(ROOT)))
        self.conf = self.tmp / "nginx.conf"
        self.conf.write_text(text)
        check = subprocess.run([NGINX, "-t", "-c", str(self.conf), "-p", str(self.tmp)], capture_output=True, text=True)
        if check.returncode:
            raise RuntimeError(check.stderr)
        self.proc = subprocess.Popen([NGINX, "-c", str(self.conf), "-p", str(self.tmp)], stdout=subprocess.DEVNULL,
                                     stderr=open(self.tmp / "stderr.log", "wb"))
        self.port = listen
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                status, _h, _b = load.Client(listen).get("/login")
                if status == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not answer")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful shutdown
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def clear_keys(redis_url: str, prefix: str) -> int:
    """Delete this run's counters: the rate limits under the run's key prefix, and the login-delay
    counters of the loopback address (``cyberaware/auth/throttle.py``; every bench request comes
    from 127.0.0.1). Only the bench's Redis database is touched."""
    import hashlib

    import redis

    client = redis.Redis.from_url(redis_url)
    loopback = hashlib.sha256(b"127.0.0.1").hexdigest()[:32]
    keys = list(client.scan_iter(match=f"*{prefix}*", count=1000))
    keys += list(client.scan_iter(match=f"*cyberaware-delay/*-address/*/{loopback}", count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)


def failed_logins_until_429(port: int, email: str, limit: int = 60) -> tuple[int, list[str]]:
    """POST wrong passwords (one session and CSRF token, so that through nginx the POSTs alternate
    between the instances) until the first 429; returns (failures before it, instance of each POST)."""
    upstreams = []
    client = load.Client(port)
    status, _h, body = client.get("/login")
    if status != 200:
        raise RuntimeError(f"GET /login answered {status}")
    token = load.csrf_token(body)
    for attempt in range(1, limit + 1):
        status, h, _b = client.post("/login", {"csrf_token": token, "email": email,
                                               "password": "not the password at all", "next": ""})
        upstreams.append(h.get("x-upstream", "direct"))
        if status == 429:
            return attempt - 1, upstreams
        if status != 200:
            raise RuntimeError(f"failed login answered {status}")
    return limit, upstreams


def main() -> None:  # noqa: C901 - one linear script
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/cyberaware_bench")
    parser.add_argument("--redis-url", default=os.environ.get("CYBERAWARE_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--port", type=int, default=8401, help="instance A (instance B: port + 1)")
    parser.add_argument("--nginx-port", type=int, default=8480)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sessions", type=int, default=5, help="students for the throughput runs (logins are "
                        "limited to 10 a minute per address: keep it under 9)")
    args = parser.parse_args()
    url = args.database_url
    if gen.dialect_of(url) != "postgresql":
        raise SystemExit("two app servers need a shared database server: give a PostgreSQL --database-url")
    n, known, schema_ok = load.data_state(url)
    if not (n and known and schema_ok):
        raise SystemExit(f"no generated data in {url.split('@')[-1]} (or an old schema): run bench/generate.py first")

    run_id = f"scaleout-{int(time.time())}-{os.getpid()}"
    tmp = Path(tempfile.mkdtemp(prefix="bench-scaleout-"))
    env = load.server_env(url, args.redis_url)
    env["CYBERAWARE_PROXIES"] = "1"
    overrides = {"RATELIMIT_KEY_PREFIX": run_id}  # production login limits (10 a minute per address)
    ports = [args.port, args.port + 1]
    results: dict[str, Any] = {"database": url.split("@")[-1], "redis": args.redis_url, "instances": ports,
                               "started_at": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": load.machine()}
    servers: list[load.Server] = []
    nginx = None
    try:
        for i, port in enumerate(ports):
            servers.append(load.Server(load.app_spec(overrides), port, env, tmp / f"app-{i}.log", ready_path="/login"))
        nginx = Nginx(args.nginx_port, ports, tmp)
        print(f"instances on {ports}, nginx on {args.nginx_port}; logs in {tmp}")

        # 1. one session, both instances
        student = load.login(args.nginx_port, gen.STUDENT_EMAIL, gen.PASSWORD)
        seen: Counter[str] = Counter()
        statuses: Counter[int] = Counter()
        as_student = 0
        for _ in range(40):
            status, headers, body = student.get("/learn/")
            seen[headers.get("x-upstream", "?")] += 1
            statuses[status] += 1
            as_student += status == 200 and b"/logout" in body
        results["sessions"] = {"requests": 40, "by_instance": dict(seen), "statuses": dict(statuses),
                               "answered_as_the_student": as_student,
                               "ok": len(seen) == 2 and as_student == 40}
        print(f"1. session made through nginx, 40 requests: by instance {dict(seen)}, statuses {dict(statuses)}, "
              f"answered as the logged-in student: {as_student}/40 -> {'OK' if results['sessions']['ok'] else 'FAILED'}")

        # 3. (before the rate-limit phase, which blocks logins from 127.0.0.1 for a minute)
        results["attempt"] = cross_instance_attempt(url, ports, student)
        a = results["attempt"]
        print(f"3. attempt {a['public_id']}: started on :{ports[0]}, shown on :{ports[1]} (same questions: "
              f"{a['same_layout']}), saved on :{ports[1]} (seen on :{ports[0]}: {a['saved_seen_on_a']}), submitted on "
              f":{ports[0]} ({a['submit_a']}), replayed on :{ports[1]} ({a['submit_b']}); in the database: "
              f"submitted {a['submitted_once']}, {a['answers_rows']} answer rows for {a['questions']} questions, "
              f"quiz total +{a['tally_delta']} -> {'OK' if a['ok'] else 'FAILED'}")

        # 4. throughput: dashboard through nginx, one instance then two
        cookies = [student.cookie_header()]
        pool = pick_students(url, args.sessions - 1)
        for email in pool:
            cookies.append(load.login(args.nginx_port, email, gen.PASSWORD).cookie_header())
        lines = [load.line("GET", "/learn/", c) for c in cookies]
        throughput = {}
        for count in (2, 1):
            if count == 1:
                nginx.stop()
                nginx = Nginx(args.nginx_port, ports[:1], tmp)
            load.run_wrk(args.nginx_port, lines, 3, args.connections, args.threads, tmp=tmp)
            data = load.run_wrk(args.nginx_port, lines, args.duration, args.connections, args.threads, tmp=tmp)
            throughput[f"{count} instance{'s' if count > 1 else ''}"] = data
            print(f"4. student dashboard through nginx, {count} instance(s): {data['rps']:.1f} req/s, p50 "
                  f"{data['latency_us']['p50'] / 1000:.0f} ms, p95 {data['latency_us']['p95'] / 1000:.0f} ms, "
                  f"statuses {data['statuses']}, socket errors {data['socket_errors']}")
        results["throughput"] = throughput
        one, two = throughput["1 instance"]["rps"], throughput["2 instances"]["rps"]
        results["throughput_ratio_2_to_1"] = two / one if one else None
        print(f"   two instances / one instance: {two / one:.2f}x")
        nginx.stop()
        nginx = Nginx(args.nginx_port, ports, tmp)

        # 2. rate limits across instances (last: it blocks logins from 127.0.0.1 for a minute)
        cleared = clear_keys(args.redis_url, run_id)
        through_nginx, upstreams = failed_logins_until_429(args.nginx_port, f"limit-a-{run_id}@etu.univ-amu.fr")
        clear_keys(args.redis_url, run_id)
        single, _u = failed_logins_until_429(ports[0], f"limit-b-{run_id}@etu.univ-amu.fr")
        clear_keys(args.redis_url, run_id)
        counted = dict(Counter(upstreams[:-1]))
        results["rate_limits"] = {"failures_before_429_two_instances": through_nginx,
                                  "failures_before_429_one_instance": single,
                                  "failures_by_instance": counted, "refused_by": upstreams[-1] if upstreams else None,
                                  "keys_cleared_before": cleared,
                                  "ok": through_nginx == single and (through_nginx < 2 or len(counted) == 2)}
        print(f"2. failed logins before the first 429: {through_nginx} through nginx over both instances "
              f"(failures by instance {counted}, the 429 from {upstreams[-1] if upstreams else '?'}), {single} against "
              f"one instance -> {'OK (counted together)' if results['rate_limits']['ok'] else 'FAILED'}")
    finally:
        if nginx:
            nginx.stop()
        for server in servers:
            server.stop()
    load.RESULTS.mkdir(parents=True, exist_ok=True)
    (load.RESULTS / "scaleout.json").write_text(json.dumps(results, indent=2) + "\n")
    print("written: bench/results/scaleout.json")
    shutil.rmtree(tmp, ignore_errors=True)


def pick_students(url: str, count: int) -> list[str]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        emails = list(conn.execute(sa.text(
            "SELECT email FROM users WHERE role = 'student' AND password_hash IS NOT NULL AND email <> :e "
            "ORDER BY id LIMIT 2000"), {"e": gen.STUDENT_EMAIL}).scalars())
    engine.dispose()
    return random.Random(5).sample(emails, count)


def cross_instance_attempt(url: str, ports: list[int], student: load.Client) -> dict[str, Any]:
    """Start on A, show and save on B, submit on A, replay on B; check the database."""
    import sqlalchemy as sa

    a, b = load.Client(ports[0]), load.Client(ports[1])
    a.cookies = b.cookies = dict(student.cookies)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        user_id = conn.execute(sa.text("SELECT id FROM users WHERE email = :e"), {"e": gen.STUDENT_EMAIL}).scalar()
        # a core quiz whose module is open to this student (the first module has no prerequisite)
        slug, quiz_id = conn.execute(sa.text(
            "SELECT m.slug, q.id FROM modules m JOIN quizzes q ON q.module_id = m.id AND q.archived_at IS NULL "
            "WHERE m.archived_at IS NULL AND m.level = 'core' ORDER BY m.position LIMIT 1")).one()
        tally_before = conn.execute(sa.text(
            "SELECT coalesce(sum(t.n), 0) FROM quiz_tallies t JOIN quiz_versions v ON v.id = t.version_id "
            "WHERE v.quiz_id = :q AND t.scope = 'all'"), {"q": quiz_id}).scalar()
    status, _h, body = a.get(f"/learn/modules/{slug}")
    token = load.csrf_token(body)
    status, headers, _b = a.post(f"/learn/modules/{slug}/quiz", {"csrf_token": token})
    location = headers.get("location", "")
    match = re.search(r"/learn/attempts/([\w-]+)", location)
    if status != 302 or not match:
        raise RuntimeError(f"starting the quiz answered {status} {location}")
    public_id = match.group(1)
    path = f"/learn/attempts/{public_id}"
    _s, _h, page_a = a.get(path)
    status_b, _h, page_b = b.get(path)
    ids = lambda page: re.findall(r'name="(q-[\w-]+)"', page.decode())  # noqa: E731
    same_layout = status_b == 200 and ids(page_a) == ids(page_b)
    # answers in the form's encoding, from the stored layout
    app = gen.make_app(url)
    from cyberaware.extensions import db
    from cyberaware.models import Attempt
    from cyberaware.services.attempts import attempt_quiz

    with app.app_context():
        attempt = db.session.scalar(sa.select(Attempt).where(Attempt.public_id == public_id))
        content = attempt_quiz(attempt)
        responses = gen.simulate_responses(content, attempt.layout, 0.9, random.Random(1))
        fields = gen.form_fields(content, attempt.layout, responses)
        questions = len(attempt.layout)
        attempt_id = attempt.id
    token_b = load.csrf_token(page_b)
    save_status, _h, _b = b.post(path, [("csrf_token", token_b), *fields, ("action", "save")])
    _s, _h, page_a2 = a.get(path)
    saved_seen = page_a2.count(b"checked") > page_a.count(b"checked")
    submit_a, _h, _b = a.post(path, [("csrf_token", load.csrf_token(page_a2)), *fields, ("action", "submit")])
    submit_b, headers_b, _b = b.post(path, [("csrf_token", token_b), *fields, ("action", "submit")])
    with engine.connect() as conn:
        submitted = conn.execute(sa.text("SELECT count(*) FROM attempts WHERE id = :i AND submitted_at IS NOT NULL"),
                                 {"i": attempt_id}).scalar()
        answers = conn.execute(sa.text("SELECT count(*) FROM attempt_answers WHERE attempt_id = :i"),
                               {"i": attempt_id}).scalar()
        tally_after = conn.execute(sa.text(
            "SELECT coalesce(sum(t.n), 0) FROM quiz_tallies t JOIN quiz_versions v ON v.id = t.version_id "
            "WHERE v.quiz_id = :q AND t.scope = 'all'"), {"q": quiz_id}).scalar()
    engine.dispose()
    result = {"public_id": public_id, "user_id": user_id, "same_layout": same_layout, "save_status": save_status,
              "saved_seen_on_a": saved_seen, "submit_a": submit_a, "submit_b": submit_b,
              "submitted_once": submitted == 1, "answers_rows": answers, "questions": questions,
              "tally_delta": int(tally_after) - int(tally_before)}
    result["ok"] = (same_layout and saved_seen and submit_a == 302 and submit_b == 302 and submitted == 1
                    and answers == questions and result["tally_delta"] == 1)
    return result


if __name__ == "__main__":
    main()
