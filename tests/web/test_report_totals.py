"""The dashboard's running totals (``module_day_totals``, kept by triggers) give exactly the numbers
of grouping the progress rows, whatever writes the rows: inserts, updates, deletions, cascades."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from cyberaware import reports
from cyberaware.extensions import db
from cyberaware.models import ModuleDayTotal, ModuleProgress, ModuleRecord, User
from cyberaware.services.content_sync import sync_content
from cyberaware.services.summaries import rebuild_module_day_totals, rebuild_student_summaries

FILTERS = [{}, {"date_from": date(2025, 1, 10)}, {"date_to": date(2025, 1, 20)},
           {"date_from": date(2025, 1, 8), "date_to": date(2025, 1, 25)}]


def figures(report: reports.CompletionReport) -> tuple:
    return (report.students, report.finished,
            [(s.module.slug, s.completed, s.completed_before, s.in_progress, s.scored,
              None if s.mean_best is None else round(s.mean_best, 9)) for s in report.module_stats],
            report.bucket, [(b.start, b.completions) for b in report.over_time])


def both_ways(app, monkeypatch, viewer_id: int, **fields) -> tuple[tuple, tuple]:
    with app.app_context():
        viewer = db.session.get(User, viewer_id)
        filters = reports.make_filters(viewer, **fields)
        assert reports._uses_totals(viewer, filters)
        fast = figures(reports.completion_report(db.session, viewer, filters))
        with monkeypatch.context() as patch:
            patch.setattr(reports, "_uses_totals", lambda *_: False)
            grouped = figures(reports.completion_report(db.session, viewer, filters))
    return fast, grouped


@pytest.fixture
def progress(app, make_user):
    """Students (and one instructor, whose rows must not count) with random progress."""
    with app.app_context():
        assert sync_content(app.config["CONTENT_DIR"]).succeeded
    people = [make_user("student", faculty=("Sciences", "Lettres")[i % 2]) for i in range(12)]
    people.append(make_user("instructor"))
    rng = random.Random(9)
    with app.app_context():
        modules = list(db.session.scalars(sa.select(ModuleRecord.id)))
        for person in people:
            for module_id in modules:
                if rng.random() < 0.25:
                    continue
                started = datetime(2025, 1, 1, 8) + timedelta(days=rng.randrange(30), hours=rng.randrange(16))
                completed = started + timedelta(hours=rng.randrange(80)) if rng.random() < 0.6 else None
                db.session.add(ModuleProgress(user_id=person.id, module_id=module_id, started_at=started,
                                              completed_at=completed,
                                              best_ratio=round(rng.random(), 2) if rng.random() < 0.7 else None))
        db.session.commit()
        rebuild_student_summaries()
        db.session.commit()
    return people


def test_totals_match_the_grouped_rows(app, make_user, progress, monkeypatch):
    admin = make_user("admin")
    for fields in FILTERS:
        fast, grouped = both_ways(app, monkeypatch, admin.id, **fields)
        assert fast == grouped, fields
    with app.app_context():  # updates, deletions and a cascade (account deleted) go through the triggers
        rows = list(db.session.scalars(sa.select(ModuleProgress).order_by(ModuleProgress.id)))
        rows[0].completed_at = rows[0].started_at + timedelta(days=3)
        rows[1].best_ratio = 0.99
        rows[2].completed_at = None
        rows[3].started_at -= timedelta(days=2)
        db.session.delete(rows[4])
        db.session.execute(sa.delete(User).where(User.id == progress[0].id))
        db.session.commit()
    for fields in FILTERS:
        fast, grouped = both_ways(app, monkeypatch, admin.id, **fields)
        assert fast == grouped, fields
    with app.app_context():  # and a rebuild from scratch gives the same rows as the triggers
        kept = sorted((t.module_id, t.day, t.started, t.completed, t.scored, round(t.best_sum, 9), t.anomalies)
                      for t in db.session.scalars(sa.select(ModuleDayTotal)) if t.started or t.completed)
        rebuild_module_day_totals()
        rebuilt = sorted((t.module_id, t.day, t.started, t.completed, t.scored, round(t.best_sum, 9), t.anomalies)
                         for t in db.session.scalars(sa.select(ModuleDayTotal)))
        db.session.commit()
    assert kept == rebuilt


def test_rows_completed_before_they_started_fall_back_to_the_grouped_rows(app, make_user, progress, monkeypatch):
    admin = make_user("admin")
    with app.app_context():
        row = db.session.scalar(sa.select(ModuleProgress).where(ModuleProgress.completed_at.is_not(None)).limit(1))
        row.started_at = row.completed_at + timedelta(days=5)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.sum(ModuleDayTotal.anomalies))) == 1
    for fields in FILTERS:
        fast, grouped = both_ways(app, monkeypatch, admin.id, **fields)
        assert fast == grouped, fields
