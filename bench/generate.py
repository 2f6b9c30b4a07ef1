"""Generate a university-scale CyberAware database: 80,000 students and one semester of activity.

Issue #9 ("Performance at university scale, measured side by side"), the data half. Builds, on
SQLite or PostgreSQL (``--database-url``), from nothing:

1. the schema with the real migrations (``flask db upgrade``) and the shipped curriculum with the
   real ``flask content sync`` (modules/ and quizzes/, 14 modules and quizzes, French and English);
2. three known accounts for the load runs (created through ``cyberaware.auth.service``): a student,
   a coordinator and an admin, password :data:`PASSWORD`;
3. ``--students`` students (80,000 by default) across Aix-Marseille Université's faculties
   ("composantes"), programmes, years and TD groups, with French names, student numbers and
   ``@etu.univ-amu.fr`` addresses; ~10 % were imported but never chose a password;
4. their semester: module progress, quiz attempts (submitted and a few left open), attempt answers,
   with timestamps spread over the semester (first weeks busier, weekdays and day-time hours
   weighted), abilities per student, retries that improve, drop-outs, advanced modules for some of
   those who finished the core curriculum;
5. what the app derives from submissions, computed after the bulk load by the app's own
   commands, run in-process: ``flask analytics rebuild`` (quiz statistics' running totals and the
   dashboard's totals) and ``flask expert recompute`` (expert-track flags); then some consents and
   reviews on the flags.

Consistency with the per-submission service (:mod:`cyberaware.services.attempts`): every attempt's
``layout``, ``responses``, ``results``, ``score``, ``ratio`` and ``passed`` come from the app's own
:func:`cyberaware.attempts.draw_layout` and :func:`cyberaware.attempts.grade_attempt` on the synced
quiz version. Grading ~700,000 attempts one by one would take minutes, so each quiz and language
gets a bank of graded attempts (``--bank`` per ability band, 24 bands) drawn with simulated answers
of that ability; each student's attempt takes one from the band of the student's ability on that
try. ``attempt_answers`` rows repeat the attempt's results; ``module_progress`` holds what
:func:`record_quiz_progress` would (attempts count, best and graded ratio by the quiz's grading
method, completion at the first passing grade). Attempt numbers are 1..n per student and quiz, at
most one open attempt each, never more than the quiz's attempt limit.

Passwords: hashing 72,000 passwords with scrypt would take over an hour, so every student who
activated their account has the SAME precomputed scrypt hash of :data:`PASSWORD` (a real hash,
made once with the app's method: a login through the form costs what it costs in production).

Rows are inserted with SQLAlchemy Core ``insert()`` and executemany, in chunks of students (one
transaction per chunk; ``--chunk``). On PostgreSQL, ``module_progress``, ``attempts`` and
``attempt_answers`` go through ``COPY`` instead (5x faster here; ``--no-copy`` for executemany),
after their secondary indexes, unique constraints and foreign keys are dropped; they are recreated
from the catalog's own definitions after the load, as pg_restore does. On SQLite the ``CREATE
INDEX`` indexes of those tables are likewise built after the load. Ids of users and attempts are
assigned here (PostgreSQL sequences are moved past them at the end). Prints the time of every phase
and writes them, with the row counts, to ``bench/results/generate-<dialect>.json``.

Usage::

    .venv/bin/python bench/generate.py                              # SQLite: /tmp/bench/cyberaware.sqlite
    .venv/bin/python bench/generate.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/generate.py --students 5000 --seed 7     # smaller, another draw

The target database is emptied first (SQLite: the file is deleted; PostgreSQL: the ``public``
schema is dropped and recreated). The PostgreSQL database named ``test`` is refused.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import random
import sys
import time
from bisect import bisect_left
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_SQLITE = "sqlite:////tmp/bench/cyberaware.sqlite"

#: The password of every bench account and of every generated student who activated their account.
PASSWORD = "Calanques-Bench-Passphrase-2026"
STUDENT_EMAIL = "etudiante.bench@etu.univ-amu.fr"
COORDINATOR_EMAIL = "coordinatrice.bench@univ-amu.fr"
ADMIN_EMAIL = "admin.bench@univ-amu.fr"
STUDENT_EMAIL_DOMAIN = "etu.univ-amu.fr"

# --- the university ---------------------------------------------------------------------------
# (faculty, share of the students, engagement factor, [(programme, [(year, share)...]) ...])
LICENCE = [("L1", 0.42), ("L2", 0.31), ("L3", 0.27)]
MASTER = [("M1", 0.55), ("M2", 0.45)]
BUT = [("BUT1", 0.40), ("BUT2", 0.32), ("BUT3", 0.28)]
FACULTIES: list[tuple[str, float, float, list[tuple[str, list[tuple[str, float]]]]]] = [
    ("Faculté des arts, lettres, langues et sciences humaines", 0.20, 0.85, [
        ("Licence Lettres modernes", LICENCE), ("Licence Histoire", LICENCE), ("Licence Psychologie", LICENCE),
        ("Licence LLCER Anglais", LICENCE), ("Licence Sociologie", LICENCE), ("Licence Géographie", LICENCE),
        ("Licence Arts plastiques", LICENCE), ("Master Psychologie", MASTER), ("Master Histoire", MASTER)]),
    ("Faculté des sciences", 0.18, 1.10, [
        ("Licence Informatique", LICENCE), ("Licence Mathématiques", LICENCE), ("Licence Physique", LICENCE),
        ("Licence Chimie", LICENCE), ("Licence Sciences de la vie", LICENCE), ("Licence Sciences de la Terre", LICENCE),
        ("Master Informatique", MASTER), ("Master Mathématiques appliquées", MASTER)]),
    ("Faculté de droit et de science politique", 0.13, 0.90, [
        ("Licence Droit", LICENCE), ("Licence Science politique", LICENCE), ("Licence AES", LICENCE),
        ("Master Droit des affaires", MASTER), ("Master Droit public", MASTER)]),
    ("Faculté d'économie et de gestion", 0.08, 0.95, [
        ("Licence Économie et gestion", LICENCE), ("Licence Économie", LICENCE), ("Master Finance", MASTER),
        ("Master Économie appliquée", MASTER)]),
    ("Faculté de médecine", 0.09, 0.75, [
        ("PASS", [("1", 1.0)]), ("DFGSM", [("2", 0.52), ("3", 0.48)]), ("DFASM", [("4", 0.35), ("5", 0.33), ("6", 0.32)])]),
    ("Faculté de pharmacie", 0.03, 0.85, [("DFGSP", [("2", 0.52), ("3", 0.48)]), ("DFASP", [("4", 0.5), ("5", 0.5)])]),
    ("Faculté des sciences médicales et paramédicales", 0.04, 0.90, [
        ("Licence Sciences pour la santé", LICENCE), ("Maïeutique", [("2", 0.34), ("3", 0.33), ("4", 0.33)]),
        ("Certificat de capacité d'orthophonie", [("1", 0.5), ("2", 0.5)])]),
    ("Faculté d'odontologie", 0.01, 0.85, [("DFGSO", [("2", 0.5), ("3", 0.5)])]),
    ("Faculté des sciences du sport", 0.04, 0.95, [("Licence STAPS", LICENCE), ("Master STAPS", MASTER)]),
    ("IUT d'Aix-Marseille", 0.10, 1.20, [
        ("BUT Informatique", BUT), ("BUT Réseaux et télécommunications", BUT), ("BUT GEA", BUT),
        ("BUT Techniques de commercialisation", BUT), ("BUT GEII", BUT), ("BUT Génie biologique", BUT)]),
    ("Polytech Marseille", 0.03, 1.25, [
        ("Cycle préparatoire PeiP", [("PeiP1", 0.5), ("PeiP2", 0.5)]),
        ("Ingénieur Informatique", [("3A", 0.34), ("4A", 0.33), ("5A", 0.33)]),
        ("Ingénieur Génie civil", [("3A", 0.34), ("4A", 0.33), ("5A", 0.33)])]),
    ("INSPÉ d'Aix-Marseille", 0.03, 1.00, [("Master MEEF 1er degré", MASTER), ("Master MEEF 2nd degré", MASTER)]),
    ("IAE Aix-Marseille", 0.02, 1.00, [("Master Management", MASTER), ("Master Marketing", MASTER)]),
    ("École de journalisme et de communication", 0.01, 1.00, [("Master Journalisme", MASTER)]),
    ("Institut de management public et gouvernance territoriale", 0.01, 0.95, [("Master Management public", MASTER)]),
]
GROUP_SIZE = 36  # students per TD group

FIRST_NAMES = """Léa Emma Chloé Manon Camille Inès Jade Sarah Lina Louise Zoé Lola Clara Léna Anaïs Mélissa Yasmine
Juliette Océane Lucie Maëlys Romane Eva Nour Lisa Ambre Margaux Justine Mathilde Laura Salomé Rania Amel Sofia
Lucas Hugo Louis Nathan Enzo Mathis Thomas Théo Raphaël Gabriel Mohamed Adam Yanis Rayan Noah Maxime Antoine
Alexandre Quentin Clément Paul Arthur Jules Bilal Karim Mehdi Ilyes Samuel Baptiste Florian Romain Kevin Valentin
Dylan Axel Tom Victor Mattéo Sacha Nicolas Julien Anthony Wassim Sami Elias Ethan Marius Loïc Cyril Marine Pauline""".split()
LAST_NAMES = """Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel
Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier Dupont Lambert Bonnet François Martinez
Legrand Garnier Faure Rousseau Blanc Guerin Muller Henry Roussel Nicolas Perrin Morin Mathieu Clement Gauthier
Dumont Lopez Fontaine Chevalier Robin Masson Sanchez Gerard Nguyen Boyer Denis Lemaire Duval Joly Gautier Roger
Roche Roy Noel Meyer Lucas Meunier Jean Perez Marchand Dufour Blanchard Marie Barbier Brun Dumas Brunet Schmitt
Leroux Colin Fernandez Pierre Renard Arnaud Rolland Caron Aubert Giraud Leclerc Vidal Bourgeois Renaud Lemoine
Picard Gaillard Philippe Leclercq Lacroix Fabre Dupuis Olivier Rodriguez Da-Silva Hubert Louis Charles Guillot
Rivière Le-Gall Guillaume Adam Rey Moulin Gonzalez Berger Lecomte Menard Fleury Deschamps Carpentier Julien
Benard Paris Maillard Marchal Aubry Vasseur Le-Roux Renault Jacquet Collet Prevost Poirier Charpentier Royer
Huet Baron Dupuy Pons Paul Laine Carre Breton Remy Schneider Perret Giraud Benali Haddad Belkacem Mansouri
Khelifi Amrani Saidi Cherif Bouzid Ferrari Romano Esposito Costa Pereira Santos Oliveira Ferreira Diallo Traoré
Ndiaye Diop Sow Camara Kone Ouattara Fabbri Castellano Albertini Santoni Paoli Orsini Casanova Pietri""".split()

# Relative weight of each hour of the day (local time; stored naive like the app's utcnow()).
HOUR_WEIGHTS = [0.2, 0.1, 0.05, 0.02, 0.02, 0.05, 0.2, 0.6, 1.2, 2.0, 2.6, 2.6, 1.6, 1.8, 2.6, 2.8, 2.6, 2.2,
                1.8, 1.8, 2.2, 2.4, 1.8, 0.8]
WEEKDAY_WEIGHTS = [1.0, 1.0, 0.9, 1.0, 0.85, 0.45, 0.55]  # Monday..Sunday
ABILITY_BANDS = 24


# --- environment --------------------------------------------------------------------------------

def bench_env(url: str, **extra: str) -> dict[str, str]:
    """Environment of the app (production settings, the given database) for this process and children."""
    env = {**os.environ, "CYBERAWARE_ENV": "production", "CYBERAWARE_DATABASE_URL": url,
           "CYBERAWARE_CONTENT_DIR": str(ROOT), "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-" + "k" * 40,
           "FLASK_APP": "cyberaware", "PYTHONPATH": str(ROOT)}
    env.update(extra)
    return env


def dialect_of(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def reset_database(url: str) -> None:
    """Empty the target database (refuses the test suite's PostgreSQL database)."""
    import sqlalchemy as sa

    if dialect_of(url) == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    engine = sa.create_engine(url)
    if engine.url.database in ("test", "postgres", "template0", "template1"):
        raise SystemExit(f"refusing to empty the PostgreSQL database {engine.url.database!r}")
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def make_app(url: str):
    """The application as production builds it (environment set by :func:`bench_env`)."""
    os.environ.update(bench_env(url))
    sys.path.insert(0, str(ROOT))
    from cyberaware import create_app

    return create_app()


# --- simulated answers --------------------------------------------------------------------------

def simulate_responses(quiz: Any, layout: list[dict], p: float, rng: random.Random) -> dict[str, Any]:
    """Stored responses (content-index space, as :func:`cyberaware.attempts.read_answers` makes them)
    of a student who answers each question right with probability ``p``."""
    responses: dict[str, Any] = {}
    for entry in layout:
        q = quiz.question(entry["id"])
        if q is None:
            continue
        right = rng.random() < p
        if rng.random() < 0.03:  # left blank
            responses[q.id] = None if q.type in ("single",) else ([] if q.type == "multi" else None)
            if q.type in ("short", "numeric"):
                responses[q.id] = [""] * len(q.blanks)
            elif q.type == "match":
                responses[q.id] = {str(i): None for i in range(len(q.match_left))}
            elif q.type == "order":
                responses[q.id] = {str(i): None for i in range(len(q.order_items))}
            continue
        if q.type == "single":
            correct = [i for i, o in enumerate(q.options) if o.correct]
            wrong = [i for i, o in enumerate(q.options) if not o.correct] or correct
            responses[q.id] = rng.choice(correct) if right else rng.choice(wrong)
        elif q.type == "multi":
            chosen = {i for i, o in enumerate(q.options) if o.correct}
            if not right:
                flip = rng.randrange(len(q.options))
                chosen ^= {flip}
                if rng.random() < 0.4:
                    chosen ^= {rng.randrange(len(q.options))}
            responses[q.id] = sorted(chosen)
        elif q.type in ("short", "numeric"):
            answers = []
            for blank in q.blanks:
                if right and blank.kind == "numeric" and blank.value is not None:
                    value = blank.value
                    answers.append(str(int(value)) if float(value).is_integer() else str(value))
                elif right and blank.accepted:
                    answers.append(rng.choice(blank.accepted))
                else:
                    answers.append(rng.choice(["je ne sais pas", "42", "aucune idée", "mot de passe", "1"]))
            responses[q.id] = answers
        elif q.type == "match":
            n_right = len(q.match_right)
            mapping = {}
            for left in range(len(q.match_left)):
                ok = rng.random() < (p if not right else 0.97)
                mapping[str(left)] = left if ok or n_right < 2 else rng.choice([r for r in range(n_right) if r != left])
            responses[q.id] = mapping
        elif q.type == "order":
            items = list(range(len(q.order_items)))
            if not right and len(items) > 1:
                a, b = rng.sample(items, 2)
                items[a], items[b] = items[b], items[a]
            responses[q.id] = {str(item): rank + 1 for rank, item in enumerate(items)}
    return responses


def form_fields(quiz: Any, layout: list[dict], responses: dict[str, Any]) -> list[tuple[str, str]]:
    """The quiz form fields (display-position space, see :mod:`cyberaware.attempts`) that
    :func:`cyberaware.attempts.read_answers` turns back into ``responses``."""
    fields: list[tuple[str, str]] = []
    for entry in layout:
        q = quiz.question(entry["id"])
        if q is None:
            continue
        name, value = f"q-{q.id}", responses.get(q.id)
        if q.type == "single":
            if value is not None:
                fields.append((name, str(entry["options"].index(value))))
        elif q.type == "multi":
            fields.extend((name, str(entry["options"].index(i))) for i in (value or []))
        elif q.type in ("short", "numeric"):
            fields.extend((f"{name}-b{i}", text or "") for i, text in enumerate(value or []))
        elif q.type == "match":
            for left, right in (value or {}).items():
                fields.append((f"{name}-m{left}", "" if right is None else str(entry["right"].index(right))))
        elif q.type == "order":
            for position, item in enumerate(entry["items"]):
                rank = (value or {}).get(str(item))
                fields.append((f"{name}-o{position}", "" if rank is None else str(rank)))
    return fields


class Bank:
    """Graded attempts of one quiz version and language, by ability band (see the module docstring)."""

    def __init__(self, version: Any, lang: str, per_band: int, rng: random.Random) -> None:
        from cyberaware import attempts as rules
        from cyberaware.services.attempts import quiz_content

        self.quiz = quiz_content(version, lang)
        self.bands: list[list[dict[str, Any]]] = []
        for band in range(ABILITY_BANDS):
            p = 0.25 + 0.75 * (band + 0.5) / ABILITY_BANDS
            entries = []
            for _ in range(per_band):
                layout = rules.draw_layout(self.quiz, rng)
                responses = simulate_responses(self.quiz, layout, p, rng)
                grade = rules.grade_attempt(self.quiz, layout, responses)
                entries.append({
                    "layout": json.dumps(layout), "responses": json.dumps(responses),
                    "results": json.dumps(grade.results), "score": grade.score, "max_score": grade.max_score,
                    "ratio": grade.ratio, "passed": grade.passed,
                    "answers": [(r["id"], r["score"], r["max"], r.get("key", "")[:200]) for r in grade.results],
                    "layout_obj": layout,
                })
            self.bands.append(entries)

    def draw(self, ability: float, rng: random.Random) -> dict[str, Any]:
        band = min(ABILITY_BANDS - 1, max(0, int(ability * ABILITY_BANDS)))
        return rng.choice(self.bands[band])

    def open_layout(self, rng: random.Random) -> str:
        return rng.choice(rng.choice(self.bands))["layout"]


# --- the semester ----------------------------------------------------------------------------------

def semester_bounds(now: datetime) -> tuple[datetime, datetime]:
    """First Monday of September (this year, or last year before September) and the end of the
    data: today, at most 16 weeks after the start."""
    year = now.year if now.month >= 9 else now.year - 1
    start = datetime(year, 9, 1)
    start += timedelta(days=(7 - start.weekday()) % 7)
    return start, min(now.replace(microsecond=0), start + timedelta(weeks=16))


class Clock:
    """Plausible moments: day-time and weekday weighted."""

    def __init__(self, start: datetime, end: datetime, rng: random.Random) -> None:
        self.start, self.end, self.rng = start, end, rng
        self.hours = list(range(24))

    def align(self, moment: datetime) -> datetime:
        """Move ``moment`` to a plausible hour of its day (or a later day), keeping the date order."""
        rng = self.rng
        for _ in range(6):
            if rng.random() < WEEKDAY_WEIGHTS[moment.weekday()]:
                break
            moment += timedelta(days=1)
        hour = rng.choices(self.hours, HOUR_WEIGHTS)[0]
        aligned = moment.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
        # Never earlier than asked: an earlier hour of the same day would put a completion before
        # its module was opened (the dashboard then cannot trust its running totals).
        return aligned if aligned >= moment else aligned + timedelta(days=1)

    def first_visit(self) -> datetime:
        """When a student first comes: half in the first three weeks, the rest over the semester."""
        span = (self.end - self.start).total_seconds() / 86400
        if self.rng.random() < 0.55:
            days = min(self.rng.expovariate(1 / 6), span)
        else:
            days = self.rng.uniform(0, span)
        return self.align(self.start + timedelta(days=days))


# --- building --------------------------------------------------------------------------------------

def build_cells(students: int, rng: random.Random) -> list[tuple[str, str, str, int, float, float]]:
    """(faculty, programme, year, groups, share, engagement) for every programme-year."""
    cells = []
    for faculty, share, engagement, programmes in FACULTIES:
        weights = [rng.uniform(0.6, 1.6) for _ in programmes]
        total = sum(weights)
        for (programme, years), w in zip(programmes, weights):
            for year, year_share in years:
                cell_share = share * w / total * year_share
                groups = max(1, round(cell_share * students / GROUP_SIZE))
                cells.append((faculty, programme, year, groups, cell_share, engagement))
    return cells


def defer_pg_constraints(conn: Any, tables: tuple[str, ...]) -> list[str]:
    """Drop the secondary indexes, unique constraints and foreign keys of ``tables`` (PostgreSQL);
    return the statements that recreate them exactly (indexes and unique constraints first)."""
    constraints = conn.exec_driver_sql(
        "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid::regclass::text = ANY(%(t)s) AND contype IN ('u', 'f')", {"t": list(tables)}).all()
    owned = {name for _t, name, _c, _d in constraints}
    indexes = [(t, name, definition) for t, name, definition in conn.exec_driver_sql(
        "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%(t)s) "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint)", {"t": list(tables)}).all() if name not in owned]
    for table, name, _c, _d in sorted(constraints, key=lambda c: c[2] != "f"):  # foreign keys first
        conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for _t, name, _d in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return ([definition for _t, _n, definition in indexes]
            + [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, c, d in constraints if c == "u"]
            + [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, c, d in constraints if c == "f"])


def defer_sqlite_indexes(conn: Any, tables: tuple[str, ...]) -> list[str]:
    """Drop the CREATE INDEX indexes of ``tables`` (SQLite; the unique constraints of CREATE TABLE
    stay) and return the statements that recreate them."""
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (%s)"
        % ", ".join("?" * len(tables)), tables).all()
    for name, _sql in rows:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]


def _json_text_type():
    import sqlalchemy as sa

    class JsonTextType(sa.types.UserDefinedType):
        """PostgreSQL: bind already-serialised JSON text to a ``json`` column (CAST(text AS JSON))."""

        cache_ok = True

        def get_col_spec(self, **kw: Any) -> str:
            return "JSON"

        def bind_expression(self, bindvalue: Any) -> Any:
            return sa.cast(sa.type_coerce(bindvalue, sa.Text), sa.JSON)

    return JsonTextType


def public_id(rng: random.Random) -> str:
    return base64.urlsafe_b64encode(rng.getrandbits(128).to_bytes(16, "big")).rstrip(b"=").decode()


ATTEMPT_COLUMNS = ("id", "public_id", "user_id", "quiz_id", "version_id", "lang", "number", "started_at", "deadline_at",
                   "submitted_at", "layout", "responses", "results", "score", "max_score", "ratio", "passed", "late")
PROGRESS_COLUMNS = ("user_id", "module_id", "started_at", "completed_at", "completed_via", "attempts_count",
                    "best_ratio", "grade_ratio", "last_attempt_at")
ANSWER_COLUMNS = ("attempt_id", "version_id", "question_id", "score", "max_score", "response_key")


def generate(url: str, students: int, seed: int, bank_size: int, chunk: int, pg_copy: bool = True) -> dict[str, Any]:
    import sqlalchemy as sa
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    timings: dict[str, float] = {}
    counts: Counter[str] = Counter()
    t_all = time.perf_counter()

    def phase(name: str, started: float) -> None:
        timings[name] = round(time.perf_counter() - started, 3)
        print(f"  {name:<32} {timings[name]:8.2f} s", flush=True)

    t = time.perf_counter()
    reset_database(url)
    app = make_app(url)
    from cyberaware.auth import service
    from cyberaware.extensions import db
    from cyberaware.grading import final_grade
    from cyberaware.models import ExpertFlag, ModuleRecord, QuizRecord, QuizVersion, Role, User
    from cyberaware.services.content_sync import sync_content

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        phase("schema (flask db upgrade)", t)

        t = time.perf_counter()
        report = sync_content(ROOT)
        if not report.succeeded:
            raise SystemExit("content sync failed: " + "; ".join(str(p) for p in report.content.errors))
        phase("content sync", t)

        t = time.perf_counter()
        rng = random.Random(seed)
        shared_hash = generate_password_hash(PASSWORD, method=app.config.get("PASSWORD_HASH_METHOD", "scrypt"))
        coordinator = service.create_user(COORDINATOR_EMAIL, Role.COORDINATOR, PASSWORD,
                                          first_name="Nathalie", last_name="Coordinatrice")
        admin = service.create_user(ADMIN_EMAIL, Role.ADMIN, PASSWORD, first_name="Karim", last_name="Administrateur")
        db.session.commit()
        coordinator_id = coordinator.id
        modules = list(db.session.scalars(sa.select(ModuleRecord).where(ModuleRecord.archived_at.is_(None))
                                          .order_by(ModuleRecord.position)))
        quiz_of = {q.module_id: q for q in db.session.scalars(sa.select(QuizRecord)
                                                                .where(QuizRecord.archived_at.is_(None)))}
        versions = {v.id: v for v in db.session.scalars(sa.select(QuizVersion))}
        core = [m for m in modules if m.level == "core"]
        advanced = [m for m in modules if m.level != "core"]
        first_core = [m for m in core if not m.prerequisites]
        other_core = [m for m in core if m.prerequisites]
        banks: dict[tuple[int, str], Bank] = {}
        qinfo: dict[int, dict[str, Any]] = {}
        for m in modules:
            quiz = quiz_of.get(m.id)
            if quiz is None or quiz.current_version_id is None:
                continue
            version = versions[quiz.current_version_id]
            qinfo[m.id] = {"quiz_id": quiz.id, "version_id": version.id, "pass": version.pass_ratio,
                           "max": version.max_attempts, "grading": version.grading,
                           "limit": version.time_limit_seconds, "duration": m.duration_minutes or 20}
            for lang in ("fr", "en"):
                banks[(m.id, lang)] = Bank(version, lang if lang in version.data else "fr", bank_size, rng)
        phase("accounts, graded attempt banks", t)

        # -- students, their semester, in chunks --
        start, end = semester_bounds(datetime.now())
        clock = Clock(start, end, rng)
        cells = build_cells(students, rng)
        cell_weights = [c[4] for c in cells]
        cum = []
        acc = 0.0
        for w in cell_weights:
            acc += w
            cum.append(acc)
        next_user_id = (db.session.scalar(sa.select(sa.func.max(User.id))) or 0) + 1
        users_t = User.__table__
        progress_t = sa.table("module_progress", *[sa.column(c) for c in PROGRESS_COLUMNS])
        # JSON columns get the pre-serialised text of the bank (serialised once per banked attempt).
        json_text = _json_text_type() if dialect_of(url) == "postgresql" else sa.Text
        attempts_t = sa.table("attempts", sa.column("id"), sa.column("public_id"), sa.column("user_id"),
                              sa.column("quiz_id"), sa.column("version_id"), sa.column("lang"), sa.column("number"),
                              sa.column("started_at"), sa.column("deadline_at"), sa.column("submitted_at"),
                              sa.column("layout", json_text), sa.column("responses", json_text),
                              sa.column("results", json_text), sa.column("score"), sa.column("max_score"),
                              sa.column("ratio"), sa.column("passed"), sa.column("late"))
        answers_t = sa.table("attempt_answers", *[sa.column(c) for c in (
            "attempt_id", "version_id", "question_id", "score", "max_score", "response_key")])
        use_copy = dialect_of(url) == "postgresql" and pg_copy
        db.session.commit()  # the ORM session must hold no lock while the tables are altered
        recreate: list[str] = []
        if use_copy:
            # As pg_restore does: load first, then build the secondary indexes and check the
            # foreign keys once (the same definitions, read back from the catalog).
            with db.engine.begin() as conn:
                recreate = defer_pg_constraints(conn, ("attempts", "attempt_answers", "module_progress"))
        elif dialect_of(url) == "sqlite":
            with db.engine.begin() as conn:
                recreate = defer_sqlite_indexes(conn, ("attempts", "attempt_answers", "module_progress"))
        next_attempt_id = 1
        t_students = time.perf_counter()
        t_insert = 0.0
        used_numbers: set[str] = set()
        student_index = 0

        def take_number() -> str:
            while True:
                number = f"{rng.choice((21, 22, 23, 24, 25, 26))}{rng.randrange(10**6):06d}"
                if number not in used_numbers:
                    used_numbers.add(number)
                    return number

        while student_index < students:
            batch = min(chunk, students - student_index)
            user_rows, progress_rows, attempt_rows, answer_rows = [], [], [], []
            for _ in range(batch):
                uid = next_user_id
                next_user_id += 1
                known = student_index == 0
                student_index += 1
                faculty, programme, year, groups, _share, engagement = cells[bisect_left(cum, rng.random() * acc)]
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                lang = "en" if rng.random() < 0.07 else "fr"
                email = (STUDENT_EMAIL if known else
                         f"{first.lower()}.{last.lower()}.{uid}@{STUDENT_EMAIL_DOMAIN}".replace("é", "e")
                         .replace("è", "e").replace("ë", "e").replace("ï", "i").replace("ç", "c"))
                activated = known or rng.random() > 0.10
                imported_at = start - timedelta(days=rng.randint(3, 12), hours=rng.randint(0, 10))
                row = {"id": uid, "email": email, "password_hash": shared_hash if activated else None,
                       "first_name": first, "last_name": last, "role": "student", "locale": "en" if lang == "en" else None,
                       "active": True, "email_verified_at": imported_at, "session_token": f"{rng.getrandbits(128):032x}",
                       "created_at": imported_at, "last_login_at": None, "student_number": take_number(),
                       "faculty": faculty, "programme": programme, "year_of_study": year,
                       "group_name": f"TD{rng.randint(1, groups):02d}", "invited_at": imported_at}
                user_rows.append(row)
                counts["students"] += 1
                if not activated:
                    counts["students_never_activated"] += 1
                    continue
                # engagement of this student
                if not known and rng.random() < 0.10 / engagement:
                    counts["students_never_started"] += 1
                    continue
                ability = min(0.98, max(0.02, rng.betavariate(5, 2) + (engagement - 1) * 0.15))
                if known:
                    target = 6
                elif rng.random() < min(0.9, 0.55 * engagement):
                    target = len(core)
                else:
                    target = rng.randint(1, len(core) - 1)
                plan = first_core + (other_core if rng.random() < 0.75 else rng.sample(other_core, len(other_core)))
                plan = plan[:target]
                now_t = clock.first_visit()
                last_seen = now_t
                completed_core = 0
                stop = False
                for index, module in enumerate(plan):
                    if stop or now_t >= end:
                        break
                    frontier = index == len(plan) - 1 and target < len(core)
                    outcome = _module(module, qinfo[module.id], banks[(module.id, lang)], uid, lang, ability, now_t,
                                      end, frontier, rng, clock, progress_rows, attempt_rows, answer_rows,
                                      next_attempt_id, final_grade, counts)
                    next_attempt_id, now_t, completed, quit_ = outcome
                    last_seen = max(last_seen, now_t)
                    completed_core += completed
                    stop = quit_
                if completed_core == len(core) and not known and rng.random() < 0.2 + 0.5 * ability:
                    for module in rng.sample(advanced, rng.randint(1, len(advanced))):
                        if now_t >= end:
                            break
                        next_attempt_id, now_t, _c, _q = _module(
                            module, qinfo[module.id], banks[(module.id, lang)], uid, lang, ability, now_t, end,
                            False, rng, clock, progress_rows, attempt_rows, answer_rows, next_attempt_id,
                            final_grade, counts)
                        last_seen = max(last_seen, now_t)
                row["last_login_at"] = min(last_seen, end)
            t_i = time.perf_counter()
            with db.engine.begin() as conn:
                if not use_copy and dialect_of(url) == "sqlite":
                    conn.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MB page cache for the load
                conn.execute(sa.insert(users_t), user_rows)
                if progress_rows and not use_copy:
                    conn.execute(sa.insert(progress_t), progress_rows)
                if use_copy:
                    # PostgreSQL: COPY for the two big tables (5x faster than executemany here).
                    with conn.connection.dbapi_connection.cursor() as cursor:
                        for table, columns, rows in ((progress_t, PROGRESS_COLUMNS, progress_rows),
                                                     (attempts_t, ATTEMPT_COLUMNS, attempt_rows),
                                                     (answers_t, ANSWER_COLUMNS, answer_rows)):
                            with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                                for r in rows:
                                    copy.write_row([r[c] for c in columns])
                else:
                    if attempt_rows:
                        conn.execute(sa.insert(attempts_t), attempt_rows)
                    for offset in range(0, len(answer_rows), 50_000):
                        conn.execute(sa.insert(answers_t), answer_rows[offset:offset + 50_000])
            t_insert += time.perf_counter() - t_i
            counts["module_progress"] += len(progress_rows)
            counts["attempts"] += len(attempt_rows)
            counts["attempt_answers"] += len(answer_rows)
            print(f"    {student_index:>7} students, {counts['attempts']:>8} attempts, "
                  f"{counts['attempt_answers']:>9} answers  ({time.perf_counter() - t_students:6.1f} s)", flush=True)
        timings["students: simulate"] = round(time.perf_counter() - t_students - t_insert, 3)
        timings["students: bulk insert"] = round(t_insert, 3)
        print(f"  {'students: simulate':<32} {timings['students: simulate']:8.2f} s")
        print(f"  {'students: bulk insert':<32} {timings['students: bulk insert']:8.2f} s")

        if recreate:
            t = time.perf_counter()
            with db.engine.begin() as conn:
                for statement in recreate:
                    conn.exec_driver_sql(statement)
            phase("indexes and foreign keys", t)
        if dialect_of(url) == "postgresql":
            with db.engine.begin() as conn:
                for table in ("users", "attempts"):
                    conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                         f"(SELECT max(id) FROM {table}))")

        t = time.perf_counter()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        phase("ANALYZE", t)

        # What the app derives from submissions, by the app's own commands (whatever they rebuild).
        runner = app.test_cli_runner()
        for command in (["analytics", "rebuild"], ["expert", "recompute"]):
            t = time.perf_counter()
            outcome = runner.invoke(args=command)
            if outcome.exit_code != 0:
                raise SystemExit(f"flask {' '.join(command)} failed: {outcome.output}\n{outcome.exception!r}")
            phase("flask " + " ".join(command), t)
            print("    " + outcome.output.strip().replace("\n", "\n    "))
        db.session.remove()

        finish(db, coordinator_id, len(core), end, rng, counts, phase)
    timings["total"] = round(time.perf_counter() - t_all, 3)
    return {"database": url.split("@")[-1], "dialect": dialect_of(url), "students": students, "seed": seed,
            "semester": [start.isoformat(), end.isoformat()], "counts": dict(counts), "timings_s": timings,
            "accounts": {"student": STUDENT_EMAIL, "coordinator": COORDINATOR_EMAIL, "admin": ADMIN_EMAIL,
                         "password": PASSWORD}}


def finish(db: Any, coordinator_id: int, core_count: int, end: datetime, rng: random.Random, counts: Counter,
           phase: Any) -> None:
    """After the app's commands: some qualified students answered the expert-track invitation and
    coordinators reviewed some of them; then ANALYZE and the final counts."""
    import sqlalchemy as sa

    from cyberaware.models import ExpertFlag

    t = time.perf_counter()
    rows = list(db.session.execute(sa.select(ExpertFlag.id, ExpertFlag.qualified_at)
                                   .where(ExpertFlag.qualified.is_(True)).order_by(ExpertFlag.id)))
    consent_rows, review_rows = [], []
    for flag_id, qualified_at in rows:
        base = qualified_at or end
        answer = rng.random()
        if answer < 0.45:
            consent_rows.append({"fid": flag_id, "consent": "given",
                                 "at": min(end, base + timedelta(days=rng.randint(0, 9)))})
            if rng.random() < 0.5:
                review_rows.append({"fid": flag_id, "status": "confirmed" if rng.random() < 0.9 else "dismissed",
                                    "by": coordinator_id, "at": min(end, base + timedelta(days=rng.randint(5, 20)))})
        elif answer < 0.60:
            consent_rows.append({"fid": flag_id, "consent": "declined",
                                 "at": min(end, base + timedelta(days=rng.randint(0, 9)))})
    flags_t = ExpertFlag.__table__
    with db.engine.begin() as conn:
        if consent_rows:
            conn.execute(flags_t.update().where(flags_t.c.id == sa.bindparam("fid"))
                         .values(consent=sa.bindparam("consent"), consent_at=sa.bindparam("at")), consent_rows)
        if review_rows:
            conn.execute(flags_t.update().where(flags_t.c.id == sa.bindparam("fid"))
                         .values(review_status=sa.bindparam("status"), reviewed_by_id=sa.bindparam("by"),
                                 reviewed_at=sa.bindparam("at"),
                                 review_note="Entretien prévu avec la Zone de défense Sud"), review_rows)
    counts["expert_qualified"] = len(rows)
    counts["expert_consents"] = len(consent_rows)
    counts["expert_reviews"] = len(review_rows)
    phase("expert consents and reviews", t)

    t = time.perf_counter()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    phase("ANALYZE", t)
    counts["students_completed_core"] = db.session.scalar(sa.text(
        "SELECT count(*) FROM student_summaries WHERE core_done = :n"), {"n": core_count})
    counts["open_attempts"] = db.session.scalar(sa.text("SELECT count(*) FROM attempts WHERE submitted_at IS NULL"))


def finish_only(url: str, log: Path | None, seed: int) -> dict[str, Any]:
    """Complete a database whose generation stopped after `flask expert recompute` (the summary's
    timings are read back from the generation's log when given)."""
    import re

    import sqlalchemy as sa

    app = make_app(url)
    from cyberaware.extensions import db
    from cyberaware.models import ModuleRecord, User

    timings: dict[str, float] = {}
    if log:
        for line in log.read_text().splitlines():
            match = re.match(r"  (\S.*?)\s+([0-9.]+) s$", line)
            if match:
                timings[match.group(1)] = float(match.group(2))

    def phase(name: str, started: float) -> None:
        timings[name] = round(time.perf_counter() - started, 3)
        print(f"  {name:<32} {timings[name]:8.2f} s", flush=True)

    counts: Counter[str] = Counter()
    with app.app_context():
        coordinator_id = db.session.scalar(sa.select(User.id).where(User.email == COORDINATOR_EMAIL))
        core = db.session.scalar(sa.select(sa.func.count()).select_from(ModuleRecord)
                                 .where(ModuleRecord.level == "core", ModuleRecord.archived_at.is_(None)))
        start, end = semester_bounds(datetime.now())
        finish(db, coordinator_id, core, end, random.Random(seed + 1), counts, phase)
        for name, sql in (("students", "SELECT count(*) FROM users WHERE role = 'student'"),
                          ("module_progress", "SELECT count(*) FROM module_progress"),
                          ("attempts", "SELECT count(*) FROM attempts"),
                          ("attempt_answers", "SELECT count(*) FROM attempt_answers")):
            counts[name] = db.session.scalar(sa.text(sql))
    timings["total"] = round(sum(v for k, v in timings.items() if k != "total"), 3)
    return {"database": url.split("@")[-1], "dialect": dialect_of(url), "students": counts["students"], "seed": seed,
            "semester": [start.isoformat(), end.isoformat()], "counts": dict(counts), "timings_s": timings,
            "accounts": {"student": STUDENT_EMAIL, "coordinator": COORDINATOR_EMAIL, "admin": ADMIN_EMAIL,
                         "password": PASSWORD}, "note": "completed with --finish-only"}


def _module(module: Any, info: dict[str, Any], bank: Bank, uid: int, lang: str, ability: float, now_t: datetime,
            end: datetime, frontier: bool, rng: random.Random, clock: Clock, progress_rows: list, attempt_rows: list,
            answer_rows: list, next_attempt_id: int, final_grade: Any, counts: Counter) -> tuple[int, datetime, int, bool]:
    """One student's work on one module from ``now_t``: opening it, reading, attempts until passing,
    giving up or the end of the data. Returns (next attempt id, time after, 1 if completed, quit)."""
    started = now_t
    reading = timedelta(minutes=max(2.0, rng.lognormvariate(math.log(info["duration"] * 0.8), 0.45)))
    t = started + reading
    ratios: list[float] = []
    completed_at = None
    last_attempt_at = None
    number = 0
    quit_ = False
    # At the edge of a student's progress: only opened (40 %), an attempt left open (20 %), or failed.
    edge = rng.random() if frontier else 1.0
    if edge < 0.40 or t >= end:
        progress_rows.append({"user_id": uid, "module_id": module.id, "started_at": started, "completed_at": None,
                              "completed_via": None, "attempts_count": 0, "best_ratio": None, "grade_ratio": None,
                              "last_attempt_at": None})
        return next_attempt_id, t, 0, True
    try_ability = ability + rng.gauss(0, 0.06)
    while t < end:
        if info["max"] and number >= info["max"]:
            quit_ = True
            break
        number += 1
        open_now = edge < 0.60 and (info["limit"] is None) and number == 1
        if open_now:
            attempt_rows.append({"id": next_attempt_id, "public_id": public_id(rng), "user_id": uid,
                                 "quiz_id": info["quiz_id"], "version_id": info["version_id"], "lang": lang,
                                 "number": number, "started_at": t, "deadline_at": None, "submitted_at": None,
                                 "layout": bank.open_layout(rng), "responses": "{}", "results": None, "score": None,
                                 "max_score": None, "ratio": None, "passed": None, "late": False})
            next_attempt_id += 1
            quit_ = True
            break
        entry = bank.draw(try_ability if not (frontier and edge < 1.0) else min(try_ability, 0.45), rng)
        seconds = rng.lognormvariate(math.log(330), 0.5)
        if info["limit"]:
            seconds = min(seconds, info["limit"] - rng.uniform(5, 60))
        submitted = t + timedelta(seconds=seconds)
        if submitted >= end:
            break
        attempt_rows.append({"id": next_attempt_id, "public_id": public_id(rng), "user_id": uid,
                             "quiz_id": info["quiz_id"], "version_id": info["version_id"], "lang": lang,
                             "number": number, "started_at": t,
                             "deadline_at": t + timedelta(seconds=info["limit"]) if info["limit"] else None,
                             "submitted_at": submitted, "layout": entry["layout"], "responses": entry["responses"],
                             "results": entry["results"], "score": entry["score"], "max_score": entry["max_score"],
                             "ratio": entry["ratio"], "passed": entry["passed"], "late": False})
        for qid, score, max_score, key in entry["answers"]:
            answer_rows.append({"attempt_id": next_attempt_id, "version_id": info["version_id"], "question_id": qid,
                                "score": score, "max_score": max_score, "response_key": key})
        next_attempt_id += 1
        ratios.append(entry["ratio"])
        last_attempt_at = submitted
        t = submitted
        grade = final_grade(info["grading"], ratios)
        if grade is not None and grade >= info["pass"] - 1e-9:
            completed_at = submitted
            break
        if frontier and edge < 1.0:  # the student stopped here after failing
            quit_ = True
            break
        if rng.random() < 0.05:  # gives up on this module
            quit_ = rng.random() < 0.4
            break
        try_ability += rng.uniform(0.04, 0.14)  # read the corrections, tries again
        if rng.random() < 0.6:
            t += timedelta(minutes=rng.uniform(1, 25))
        else:
            t = clock.align(t + timedelta(days=rng.expovariate(1 / 2.5)))
    progress_rows.append({
        "user_id": uid, "module_id": module.id, "started_at": started, "completed_at": completed_at,
        "completed_via": "quiz" if completed_at else None, "attempts_count": len(ratios),
        "best_ratio": max(ratios) if ratios else None, "grade_ratio": final_grade(info["grading"], ratios),
        "last_attempt_at": last_attempt_at})
    if completed_at:
        counts["completions"] += 1
    # next module: same sitting (half the time) or a later day
    if rng.random() < 0.5:
        t += timedelta(minutes=rng.uniform(2, 30))
    else:
        t = clock.align(t + timedelta(days=rng.expovariate(1 / 3.0)))
    return next_attempt_id, t, 1 if (completed_at and module.level == "core") else 0, quit_


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_SQLITE, help=f"default: {DEFAULT_SQLITE}")
    parser.add_argument("--students", type=int, default=80_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--bank", type=int, default=8, help="graded attempts per quiz, language and ability band")
    parser.add_argument("--chunk", type=int, default=4000, help="students per insert transaction")
    parser.add_argument("--no-copy", action="store_true",
                        help="PostgreSQL: executemany for attempts and answers too (default: COPY, 5x faster)")
    parser.add_argument("--finish-only", type=Path, metavar="LOG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.finish_only:
        summary = finish_only(args.database_url, args.finish_only, args.seed)
        (RESULTS / f"generate-{summary['dialect']}.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False)
                                                                     + "\n")
        print(json.dumps(summary["counts"], indent=1))
        return
    print(f"generating {args.students} students into {args.database_url.split('@')[-1]}", flush=True)
    summary = generate(args.database_url, args.students, args.seed, args.bank, args.chunk, not args.no_copy)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"generate-{summary['dialect']}.json"
    out.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(summary["counts"], indent=1))
    print(f"total {summary['timings_s']['total']:.1f} s; summary written to {out.relative_to(ROOT)}")
    print(f"accounts (password {PASSWORD!r}): student {STUDENT_EMAIL}, coordinator {COORDINATOR_EMAIL}, "
          f"admin {ADMIN_EMAIL}; every activated generated student has the same password (one shared "
          f"precomputed scrypt hash)")


if __name__ == "__main__":
    main()
