"""Per-student totals for the coordinators' dashboard (``student_summaries``).

Refreshed for one student whenever their progress changes, and rebuilt for everyone in SQL when
the published curriculum changes (``flask content sync``) or after a bulk load.
"""

from __future__ import annotations

import sqlalchemy as sa

from cyberaware.extensions import db
from cyberaware.models import ModuleProgress, ModuleRecord, StudentSummary


def _totals() -> sa.Select:
    """``user_id, core_done, last_core_at, score_sum, scored`` per student, over published modules."""
    is_core = ModuleRecord.level == "core"
    core_done = sa.and_(is_core, ModuleProgress.completed_at.is_not(None))
    return (
        sa.select(ModuleProgress.user_id,
                  sa.func.sum(sa.case((core_done, 1), else_=0)),
                  sa.func.max(sa.case((core_done, ModuleProgress.completed_at), else_=None)),
                  sa.func.coalesce(sa.func.sum(ModuleProgress.best_ratio), 0.0),
                  sa.func.count(ModuleProgress.best_ratio))
        .join(ModuleRecord, ModuleRecord.id == ModuleProgress.module_id)
        .where(ModuleRecord.archived_at.is_(None))
        .group_by(ModuleProgress.user_id)
    )


COLUMNS = ["user_id", "core_done", "last_core_at", "score_sum", "scored"]


def refresh_student_summary(user_id: int) -> None:
    """Recompute one student's totals (in the caller's transaction)."""
    row = db.session.execute(_totals().where(ModuleProgress.user_id == user_id)).first()
    values = dict(zip(COLUMNS, row)) if row else {"user_id": user_id, "core_done": 0, "last_core_at": None,
                                                  "score_sum": 0.0, "scored": 0}
    summary = db.session.get(StudentSummary, user_id)
    if summary is None:
        db.session.add(StudentSummary(**values))
    else:
        for key, value in values.items():
            setattr(summary, key, value)


def rebuild_student_summaries() -> None:
    """Recompute every student's totals with one INSERT … SELECT … GROUP BY (caller commits)."""
    db.session.execute(sa.delete(StudentSummary))
    db.session.execute(sa.insert(StudentSummary).from_select(COLUMNS, _totals()))


def rebuild_module_day_totals() -> None:
    """Recompute ``module_day_totals`` from ``module_progress`` (caller commits).

    The database triggers keep them up to date; this is for repairs and bulk loads that ran
    without the triggers.
    """
    from cyberaware.models import ModuleDayTotal

    db.session.execute(sa.delete(ModuleDayTotal))
    dialect = db.session.get_bind().dialect.name
    day = (lambda c: sa.func.date(c)) if dialect == "sqlite" else (lambda c: sa.cast(c, sa.Date))  # noqa: E731
    mp = ModuleProgress
    anomaly = sa.case((mp.completed_at < mp.started_at, 1), else_=0)
    started = (sa.select(mp.module_id.label("module_id"), day(mp.started_at).label("day"),
                         sa.literal(1).label("started"), sa.literal(0).label("completed"),
                         sa.case((mp.best_ratio.is_not(None), 1), else_=0).label("scored"),
                         sa.func.coalesce(mp.best_ratio, 0.0).label("best_sum"), anomaly.label("anomalies")))
    completed = (sa.select(mp.module_id, day(mp.completed_at), sa.literal(0), sa.literal(1), sa.literal(0),
                           sa.literal(0.0), sa.literal(0)).where(mp.completed_at.is_not(None)))
    rows = sa.union_all(started, completed).subquery()
    db.session.execute(sa.insert(ModuleDayTotal).from_select(
        ["module_id", "day", "started", "completed", "scored", "best_sum", "anomalies"],
        sa.select(rows.c.module_id, rows.c.day, sa.func.sum(rows.c.started), sa.func.sum(rows.c.completed),
                  sa.func.sum(rows.c.scored), sa.func.sum(rows.c.best_sum), sa.func.sum(rows.c.anomalies))
        .group_by(rows.c.module_id, rows.c.day)))
