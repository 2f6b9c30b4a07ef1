"""Reading the published curriculum and a student's progress from the database."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from cyberaware.extensions import db
from cyberaware.models import ModuleProgress, ModuleRecord, ModuleTranslation, User
from cyberaware.progress import ModuleInfo, ModuleStanding, ProgressInfo, standings


def published_modules() -> list[ModuleRecord]:
    """Modules that are not archived, with their translations' titles, in two queries.

    Only what lists of modules show is read: not the rendered bodies, nor the quizzes and their
    versions (a quiz version holds every question in every language, as JSON); they load on
    first access when a page needs them.
    """
    return list(db.session.scalars(
        sa.select(ModuleRecord).where(ModuleRecord.archived_at.is_(None))
        .options(selectinload(ModuleRecord.translations).load_only(
            ModuleTranslation.module_id, ModuleTranslation.lang, ModuleTranslation.title))
        .order_by(ModuleRecord.level != "core", ModuleRecord.position)
    ))


def module_info(record: ModuleRecord) -> ModuleInfo:
    """The rules' view of a module record."""
    return ModuleInfo(record.slug, record.level, record.position, tuple(record.prerequisites or ()))


def progress_by_slug(user_id: int) -> dict[str, ProgressInfo]:
    """The student's progress rows keyed by module slug (one query)."""
    rows = db.session.execute(
        sa.select(ModuleRecord.slug, ModuleProgress.started_at, ModuleProgress.completed_at,
                  ModuleProgress.best_ratio, ModuleProgress.grade_ratio)
        .join(ModuleRecord, ModuleRecord.id == ModuleProgress.module_id)
        .where(ModuleProgress.user_id == user_id)
    )
    return {slug: ProgressInfo(started, completed, best, grade) for slug, started, completed, best, grade in rows}


def student_standings(user: User) -> tuple[list[ModuleStanding], dict[str, ModuleRecord]]:
    """The dashboard's data: standings in order, and the records by slug."""
    records = published_modules()
    by_slug = {r.slug: r for r in records}
    return standings([module_info(r) for r in records], progress_by_slug(user.id)), by_slug


def module_by_slug(slug: str) -> ModuleRecord | None:
    """A published module, or None."""
    return db.session.scalar(sa.select(ModuleRecord).where(ModuleRecord.slug == slug,
                                                           ModuleRecord.archived_at.is_(None)))
