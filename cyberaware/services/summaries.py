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
