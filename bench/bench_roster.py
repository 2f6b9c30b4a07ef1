"""Benchmark: import a roster of 80,000 students (the issue's target: under 60 s).

Generates a realistic Aix-Marseille Université roster (French headers, ``;``, UTF-8 with BOM,
faculties, programmes, years L1..M2, groups), then, in one run:

1. ``parse_roster`` + ``plan_import`` + ``apply_import`` into an empty database (80,000 creations,
   invitations off: they are timed apart, step 4);
2. the same file again with 5% of the students changed (80,000 lookups, 4,000 updates);
3. the coordinator page: upload (dry run page) then confirm, through the Flask test client, into
   another empty database (invitations on, e-mail not configured: measures building them);
4. building invitations for a sample of students, extrapolated to the whole roster;
5. the baseline: a bare Flask "hello" app answering N requests through its test client.

It prints seconds, rows per second, and each time as a ratio to the baseline.

Run with ``.venv/bin/python bench/bench_roster.py`` (SQLite files in a temporary folder), or
``.venv/bin/python bench/bench_roster.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench``
on an EMPTY PostgreSQL database (its tables are created, then dropped at the end).
"""

from __future__ import annotations

import argparse
import logging
import random
import resource
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cyberaware.config import TestingConfig  # noqa: E402

ROWS = 80_000
BASELINE_REQUESTS = 2_000
INVITATION_SAMPLE = 500

FACULTIES: dict[str, list[str]] = {
    "Faculté des sciences": ["Licence Informatique", "Licence Mathématiques", "Licence Physique-Chimie",
                             "Licence Sciences de la vie", "Master Informatique", "Master Biologie"],
    "Faculté de droit et de science politique": ["Licence Droit", "Licence Science politique", "Master Droit public",
                                                 "Master Droit des affaires"],
    "Faculté des arts, lettres, langues et sciences humaines": ["Licence LLCER Anglais", "Licence Histoire",
                                                                "Licence Psychologie", "Master Sciences du langage"],
    "Faculté de médecine": ["Diplôme de formation générale en sciences médicales", "PASS", "LAS Santé"],
    "Faculté d'économie et de gestion": ["Licence Économie et gestion", "Master Finance", "Master Management"],
    "Faculté des sciences du sport": ["Licence STAPS", "Master STAPS"],
    "Faculté de pharmacie": ["Diplôme de formation générale en sciences pharmaceutiques"],
    "IUT": ["BUT Informatique", "BUT Réseaux et télécommunications", "BUT GEA", "BUT Génie civil"],
    "Polytech Marseille": ["Cycle préparatoire", "Ingénieur Informatique", "Ingénieur Matériaux"],
    "INSPÉ": ["Master MEEF premier degré", "Master MEEF second degré"],
}
WEIGHTS = [24, 16, 18, 10, 9, 4, 3, 8, 5, 3]
YEARS = ["L1", "L2", "L3", "M1", "M2"]
FIRST = ["Léa", "Hugo", "Chloé", "Lucas", "Inès", "Yanis", "Zoé", "Adam", "Manon", "Noé", "Jade", "Rayan", "Éva",
         "Mathis", "Anaïs", "Sofiane", "Maëlys", "Théo", "Camille", "Nassim", "Océane", "Gaëtan", "Léna", "Bilal"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
        "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
        "Benali", "Nguyen", "Haddad", "Giraud", "Mercier", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau"]
HEADER = "Numéro étudiant;Courriel;Nom;Prénom;Composante;Diplôme;Année;Groupe"


def ascii_slug(text: str) -> str:
    """``Lefèvre`` -> ``lefevre`` (for e-mail addresses)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def generate_rows(count: int, seed: int = 6) -> list[list[str]]:
    """``count`` distinct students, reproducible."""
    rng = random.Random(seed)
    faculties = list(FACULTIES)
    rows = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        faculty = rng.choices(faculties, WEIGHTS)[0]
        programme = rng.choice(FACULTIES[faculty])
        year = rng.choice(YEARS[3:] if programme.startswith("Master") else YEARS[:3])
        group = f"{year}-{rng.choice('ABCDEFGH')}{rng.randint(1, 4)}"
        number = str(21_000_000 + n)
        email = f"{ascii_slug(first)}.{ascii_slug(last)}.{n}@etu.univ-amu.fr"
        rows.append([number, email, last.upper(), first, faculty, programme, year, group])
    return rows


def to_csv(rows: list[list[str]]) -> bytes:
    """UTF-8 with BOM, ``;``, CRLF: what Excel's "CSV UTF-8" writes."""
    lines = [HEADER] + [";".join(f'"{cell}"' if "," in cell else cell for cell in row) for row in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def make_app(url: str):
    """The application on ``url`` with fresh tables (fast password hashing, e-mail not configured)."""
    from cyberaware import create_app
    from cyberaware.extensions import db

    config = type("BenchConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url, "TESTING": False,
                                                    "WTF_CSRF_ENABLED": False, "MAIL_SERVER": ""})
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    logging.getLogger("cyberaware").setLevel(logging.ERROR)  # one warning per unsent e-mail otherwise
    return app


def drop(app) -> None:
    from cyberaware.extensions import db

    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def timed(label: str, func):
    start = time.perf_counter()
    value = func()
    seconds = time.perf_counter() - start
    return value, seconds


def bench_functions(url: str, data: bytes, changed: bytes, count: int) -> dict[str, float]:
    """Steps 1, 2 and 4: the service functions, as `flask users import` runs them."""
    from cyberaware.extensions import db
    from cyberaware.models import User
    from cyberaware.roster import parse_roster
    from cyberaware.services.roster import apply_import, invite, plan_import

    app = make_app(url)
    times: dict[str, float] = {}
    try:
        with app.app_context():
            roster, times["parse"] = timed("parse", lambda: parse_roster(data))
            plan, times["plan"] = timed("plan", lambda: plan_import(roster, file_name="bench.csv"))
            assert len(plan.created) == count and not plan.rejected, plan.counts
            result, times["apply"] = timed("apply", lambda: apply_import(plan, None, skip_invalid=False,
                                                                         send_invitations=False))
            assert result.created == count
            db.session.remove()
        with app.app_context():
            start = time.perf_counter()
            plan2 = plan_import(parse_roster(changed), file_name="bench2.csv")
            result2 = apply_import(plan2, None, skip_invalid=False, send_invitations=False)
            times["reimport"] = time.perf_counter() - start
            times["reimport_updated"] = result2.updated
            numbers = [str(21_000_000 + n) for n in range(INVITATION_SAMPLE)]
            _sent, seconds = timed("invite", lambda: invite(numbers))
            times["invite_each"] = seconds / INVITATION_SAMPLE
            assert db.session.scalar(db.select(db.func.count()).select_from(User)) == count
            db.session.remove()
    finally:
        drop(app)
    return times


def bench_page(url: str, data: bytes) -> dict[str, float]:
    """Step 3: the coordinator page, upload then confirm, through the test client."""
    import re

    from cyberaware.auth import service
    from cyberaware.extensions import db

    app = make_app(url)
    app.config["ROSTER_UPLOAD_DIR"] = tempfile.mkdtemp(prefix="roster-bench-")
    times: dict[str, float] = {}
    try:
        with app.app_context():
            service.create_user("admin@univ-amu.fr", "admin", "a bench admin passphrase")
            db.session.commit()
        client = app.test_client()
        client.post("/login", data={"email": "admin@univ-amu.fr", "password": "a bench admin passphrase"})
        start = time.perf_counter()
        preview = client.post("/coordinator/roster", data={"roster": (__import__("io").BytesIO(data), "bench.csv")},
                              content_type="multipart/form-data")
        times["page_preview"] = time.perf_counter() - start
        html = preview.get_data(as_text=True)
        assert preview.status_code == 200, preview.status_code
        times["page_preview_kb"] = len(html) / 1024
        fields = {name: re.search(rf'name="{name}" type="hidden" value="([^"]+)"', html).group(1)
                  for name in ("token", "sha256")}
        start = time.perf_counter()
        confirm = client.post("/coordinator/roster/confirm", data=fields)
        times["page_confirm"] = time.perf_counter() - start
        assert confirm.status_code == 302, confirm.status_code
    finally:
        drop(app)
    return times


def bench_baseline(requests: int) -> float:
    """Seconds for a bare Flask app to answer ``requests`` GETs through its test client."""
    from flask import Flask

    bare = Flask("baseline")

    @bare.route("/")
    def hello() -> str:
        return "hello"

    client = bare.test_client()
    client.get("/")
    start = time.perf_counter()
    for _ in range(requests):
        client.get("/")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database (default: SQLite files in a temp folder)")
    parser.add_argument("--rows", type=int, default=ROWS, help=f"students in the roster (default {ROWS})")
    parser.add_argument("--skip-page", action="store_true", help="skip step 3 (the page)")
    args = parser.parse_args()
    count = args.rows

    rows = generate_rows(count)
    data = to_csv(rows)
    rng = random.Random(7)
    for row in rng.sample(rows, count // 20):
        row[7] = row[7][:-1] + ("9" if row[7][-1] != "9" else "8")
    changed = to_csv(rows)
    folder = Path(tempfile.mkdtemp(prefix="roster-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'functions.sqlite'}"
    page_url = args.database_url or f"sqlite:///{folder / 'page.sqlite'}"
    backend = url.split(":", 1)[0]

    baseline = bench_baseline(BASELINE_REQUESTS)
    times = bench_functions(url, data, changed, count)
    if not args.skip_page:
        times.update(bench_page(page_url, data))
    baseline_after = bench_baseline(BASELINE_REQUESTS)
    base = min(baseline, baseline_after)

    total = times["parse"] + times["plan"] + times["apply"]
    print(f"roster: {count} rows, {len(data) / 1024 / 1024:.1f} MB, database: {backend}")
    print(f"baseline: bare Flask app, {BASELINE_REQUESTS} requests through the test client: {base:.3f} s "
          f"({BASELINE_REQUESTS / base:.0f} req/s)")
    print(f"{'step':<44}{'seconds':>9}{'rows/s':>10}{'ratio':>8}")

    def line(label: str, seconds: float) -> None:
        print(f"{label:<44}{seconds:>9.2f}{count / seconds:>10.0f}{seconds / base:>8.1f}")

    line("parse_roster", times["parse"])
    line("plan_import (80k creations)", times["plan"])
    line("apply_import (bulk insert, one commit)", times["apply"])
    line("total import, no invitations", total)
    line("re-import, 5% changed (parse+plan+apply)", times["reimport"])
    if "page_preview" in times:
        line("page: upload + dry-run page", times["page_preview"])
        line("page: confirm (apply + invitations built)", times["page_confirm"])
        line("page: total", times["page_preview"] + times["page_confirm"])
        print(f"  dry-run page size: {times['page_preview_kb']:.0f} KB (sections capped at 500 lines)")
    print(f"invitation (token + rendering, no SMTP): {times['invite_each'] * 1000:.2f} ms each, "
          f"{times['invite_each'] * count:.1f} s for {count}")
    print(f"re-import updated {int(times['reimport_updated'])} students")
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"ratio = seconds / baseline seconds ({BASELINE_REQUESTS} bare requests); target: total under 60 s")


if __name__ == "__main__":
    main()
