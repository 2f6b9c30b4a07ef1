"""Benchmark: the completion dashboard and the per-student export with 80,000 students.

Builds a database (a SQLite file by default, or --database-url for PostgreSQL) with the shipped
curriculum (14 modules), 80,000 students spread over faculties, programmes, years and groups, and
one progress row per student and module (1.12 million rows; a mix of completed and in progress),
inserted in bulk. Then, in the same run, measures:

- the dashboard aggregation (cyberaware.reports.completion_report) and the whole dashboard page
  through the test client (a coordinator logged in, every faculty);
- the per-student CSV export through the test client, streamed and consumed chunk by chunk, in a
  child process whose peak resident memory (VmHWM) and Python allocation peak (tracemalloc)
  are reported; the child also reports its memory just before the export, so the growth shows;
- a bare Flask "hello" app through its test client, as the baseline for the ratios.

Targets (issue 6): dashboard < 1 s; per-student CSV export < 15 s with peak memory < 300 MB.

Usage: .venv/bin/python bench/bench_reports.py [--students 80000] [--database-url URL [--skip-build]] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FACULTIES = ["Sciences", "Lettres", "Droit", "Économie", "Médecine", "IUT", "Arts", "Santé"]
COORDINATOR = "bench-coordinator@univ-amu.fr"
PASSWORD = "bench password 2025 long enough"


def make_app(url: str):
    from cyberaware import create_app
    from cyberaware.config import TestingConfig

    return create_app(type("Bench", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url, "CONTENT_DIR": str(ROOT),
                                                       "WTF_CSRF_ENABLED": False}))


def bare_flask_seconds(requests: int) -> float:
    """Seconds per request of a bare Flask app answering "hello" through its test client."""
    from flask import Flask

    bare = Flask("bare")
    bare.add_url_rule("/", "hello", lambda: "hello")
    client = bare.test_client()
    client.get("/")
    start = time.perf_counter()
    for _ in range(requests):
        client.get("/")
    return (time.perf_counter() - start) / requests


def build(url: str, students: int) -> float:
    """Create the schema, the curriculum and the students with their progress; returns seconds."""
    import sqlalchemy as sa

    from cyberaware.auth import service
    from cyberaware.extensions import db
    from cyberaware.models import ModuleProgress, ModuleRecord, User
    from cyberaware.services.content_sync import sync_content

    started = time.perf_counter()
    app = make_app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        report = sync_content(ROOT)
        assert report.succeeded, [str(p) for p in report.content.problems]
        service.create_user(COORDINATOR, "coordinator", PASSWORD)
        db.session.commit()
        module_ids = list(db.session.scalars(sa.select(ModuleRecord.id).order_by(ModuleRecord.position)))
        rng = random.Random(6)
        now = datetime(2025, 9, 1)
        users = []
        for i in range(students):
            faculty = FACULTIES[i % len(FACULTIES)]
            users.append({"email": f"s{i:06d}@etu.univ-amu.fr", "role": "student", "first_name": f"Prénom{i % 997}",
                          "last_name": f"Nom{rng.randrange(20000):05d}", "student_number": f"{i:08d}",
                          "faculty": faculty, "programme": f"{faculty} P{i % 5}", "year_of_study": f"L{i % 3 + 1}",
                          "group_name": f"G{i % 12}", "session_token": f"{i:032x}", "active": True,
                          "email_verified_at": now})
        for start in range(0, students, 20000):
            db.session.execute(sa.insert(User), users[start:start + 20000])
        db.session.commit()
        user_ids = list(db.session.scalars(sa.select(User.id).where(User.role == "student").order_by(User.id)))

        def progress_rows():
            for index, user_id in enumerate(user_ids):
                done = index % (len(module_ids) + 1)  # completes the first `done` modules, the rest started
                for position, module_id in enumerate(module_ids):
                    begun = now + timedelta(days=(index + position) % 120, minutes=index % 1440)
                    completed = begun + timedelta(hours=2) if position < done else None
                    yield (user_id, module_id, begun, completed, round(0.4 + (index * 7 + position) % 60 / 100, 2),
                           1)

        # Bulk load without the per-row triggers that keep module_day_totals (as a bulk import
        # should), then compute the totals in one statement and put the triggers back.
        from cyberaware.models.totals import drop_trigger_statements, trigger_statements

        dialect = db.engine.dialect.name
        with db.engine.begin() as connection:
            for statement in drop_trigger_statements(dialect):
                connection.exec_driver_sql(statement)
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            columns = "user_id, module_id, started_at, completed_at, best_ratio, attempts_count"
            if db.engine.dialect.name == "postgresql":
                with cursor.copy(f"COPY {ModuleProgress.__tablename__} ({columns}) FROM STDIN") as copy:
                    for row in progress_rows():
                        copy.write_row(row)
            else:
                cursor.executemany(f"INSERT INTO {ModuleProgress.__tablename__} ({columns}) VALUES (?, ?, ?, ?, ?, ?)",
                                   ((u, m, s.isoformat(" "), c.isoformat(" ") if c else None, b, a)
                                    for u, m, s, c, b, a in progress_rows()))
            raw.commit()
        finally:
            raw.close()
        # Loaded in bulk, so the per-student totals the app keeps at each progress change are
        # computed here in one statement, as `flask content sync` does after a curriculum change.
        from cyberaware.services.summaries import rebuild_module_day_totals, rebuild_student_summaries

        rebuild_student_summaries()
        rebuild_module_day_totals()
        db.session.commit()
        with db.engine.begin() as connection:
            for statement in trigger_statements(dialect):
                connection.exec_driver_sql(statement)
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        if db.engine.dialect.name == "sqlite":
            # Fold the bulk load's write-ahead log into the database file, as SQLite's automatic
            # checkpoints do in normal use: readers otherwise search a 100 MB WAL for every page.
            with db.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - started


def login(client) -> None:
    response = client.post("/login", data={"email": COORDINATOR, "password": PASSWORD})
    assert response.status_code == 302, response.status_code


def measure_dashboard(url: str, repeats: int) -> dict[str, float]:
    """Best and median seconds of the aggregation alone and of the whole page."""
    from cyberaware import reports
    from cyberaware.extensions import db
    from cyberaware.models import User

    app = make_app(url)
    timings: dict[str, list[float]] = {"report": [], "page": []}
    with app.app_context():
        import sqlalchemy as sa

        viewer = db.session.scalar(sa.select(User).where(User.email == COORDINATOR))
        filters = reports.make_filters(viewer)
        for _ in range(repeats):
            start = time.perf_counter()
            report = reports.completion_report(db.session, viewer, filters)
            timings["report"].append(time.perf_counter() - start)
        students = report.students
    client = app.test_client()
    login(client)
    for _ in range(repeats):
        start = time.perf_counter()
        response = client.get("/coordinator/dashboard")
        timings["page"].append(time.perf_counter() - start)
        assert response.status_code == 200
    with app.app_context():  # a scoped view: one faculty and a date range (the grouped-rows path)
        viewer = db.session.scalar(sa.select(User).where(User.email == COORDINATOR))
        filtered = reports.make_filters(viewer, faculties=[FACULTIES[0]], date_from=datetime(2025, 9, 15).date(),
                                        date_to=datetime(2025, 10, 15).date())
        for _ in range(repeats):
            start = time.perf_counter()
            reports.completion_report(db.session, viewer, filtered)
            timings.setdefault("filtered", []).append(time.perf_counter() - start)
    return {"students": students, **{f"{k}_best": min(v) for k, v in timings.items()},
            **{f"{k}_median": sorted(v)[len(v) // 2] for k, v in timings.items()}}


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux VmHWM: unlike ru_maxrss, it does not inherit the
    forking parent's peak), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_export(url: str, fmt: str, trace: bool) -> None:
    """Run in a child process: one streamed export, printing JSON figures on stdout."""
    import tracemalloc

    app = make_app(url)
    client = app.test_client()
    login(client)
    client.get("/coordinator/dashboard?faculty=none")  # warm the templates and the imports
    rss_before = peak_rss_mb()
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    response = client.get(f"/coordinator/export/students.{fmt}", buffered=False)
    size = rows = 0
    for chunk in response.response:
        size += len(chunk)
        if fmt == "csv":
            rows += chunk.count(b"\r\n")
    response.close()
    seconds = time.perf_counter() - start
    peak_traced = tracemalloc.get_traced_memory()[1] / 1024 / 1024 if trace else None
    rss_after = peak_rss_mb()
    print(json.dumps({"seconds": seconds, "bytes": size, "rows": rows, "rss_before_mb": rss_before,
                      "rss_peak_mb": rss_after, "tracemalloc_peak_mb": peak_traced}))


def run_child(url: str, fmt: str, trace: bool) -> dict[str, float]:
    output = subprocess.run([sys.executable, __file__, "--child", fmt, "--database-url", url]
                            + (["--trace"] if trace else []),
                            capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=80_000)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-build", action="store_true", help="reuse the database given by --database-url")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database")
    parser.add_argument("--child", choices=["csv", "xlsx"], help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--skip-xlsx", action="store_true", help="skip the (slow) XLSX export and the traced run")
    args = parser.parse_args()
    if args.child:
        child_export(args.database_url, args.child, args.trace)
        return

    tmp = tempfile.mkdtemp(prefix="bench-reports-")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
    print(f"database: {url.split('@')[-1]}")
    if not args.skip_build:
        seconds = build(url, args.students)
        print(f"built {args.students} students x 14 modules in {seconds:.1f} s")

    hello = bare_flask_seconds(2000)
    print(f"bare Flask hello (test client): {hello * 1e3:.3f} ms/request")

    dash = measure_dashboard(url, args.repeats)
    print(f"dashboard aggregation ({dash['students']} students): best {dash['report_best']:.3f} s, "
          f"median {dash['report_median']:.3f} s  (ratio to hello: {dash['report_median'] / hello:.0f}x)")
    print(f"dashboard page: best {dash['page_best']:.3f} s, median {dash['page_median']:.3f} s  "
          f"(ratio to hello: {dash['page_median'] / hello:.0f}x; target < 1 s)")

    print(f"dashboard aggregation, one faculty and a month: best {dash['filtered_best']:.3f} s, "
          f"median {dash['filtered_median']:.3f} s")

    csv_run = run_child(url, "csv", trace=False)
    print(f"per-student CSV export: {csv_run['seconds']:.2f} s, {csv_run['rows'] - 1} rows, "
          f"{csv_run['bytes'] / 1e6:.1f} MB  (ratio to hello: {csv_run['seconds'] / hello:.0f}x; target < 15 s)")
    print(f"  peak RSS of the process {csv_run['rss_peak_mb']:.0f} MB (before the export: "
          f"{csv_run['rss_before_mb']:.0f} MB; target < 300 MB)")
    if args.skip_xlsx:
        return
    traced = run_child(url, "csv", trace=True)
    print(f"  tracemalloc peak during the export: {traced['tracemalloc_peak_mb']:.1f} MB "
          f"(time with tracing: {traced['seconds']:.1f} s)")
    xlsx_run = run_child(url, "xlsx", trace=False)
    print(f"per-student XLSX export: {xlsx_run['seconds']:.2f} s, {xlsx_run['bytes'] / 1e6:.1f} MB, "
          f"peak RSS {xlsx_run['rss_peak_mb']:.0f} MB (before: {xlsx_run['rss_before_mb']:.0f} MB)")
    if args.keep:
        print(f"database kept: {url}")
    elif not args.database_url:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
