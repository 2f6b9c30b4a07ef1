"""Reading the published curriculum and a student's progress from the database.

The published curriculum (modules, their titles, their current quizzes) changes only through
`flask content sync`, which records every run in ``content_syncs``. Each process therefore keeps
a snapshot of it as plain immutable objects and compares, once per request, the latest sync
row (one indexed query) with the one the snapshot was built after: another worker, another
server or a CLI sync that wrote new content makes every process rebuild on its next request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from cyberaware.extensions import db
from cyberaware.models import (ContentSync, ModuleProgress, ModuleRecord, ModuleTranslation, QuizRecord,
                               QuizVersion, User)
from cyberaware.progress import ModuleInfo, ModuleStanding, ProgressInfo, standings


@dataclass(frozen=True)
class PublishedTitle:
    """A module's title in one language (what lists of modules show)."""

    lang: str
    title: str


@dataclass(frozen=True)
class PublishedQuizVersion:
    """The settings of a quiz's current version (not its questions)."""

    id: int
    pass_ratio: float
    max_attempts: int
    grading: str
    time_limit_seconds: int | None
    review: str


@dataclass(frozen=True)
class PublishedQuiz:
    """A module's quiz, with its current version when it has one."""

    id: int
    slug: str
    module_id: int
    current_version: PublishedQuizVersion | None


@dataclass(frozen=True)
class PublishedModule:
    """A published (not archived) module, as the student pages use it.

    Reads like a :class:`~cyberaware.models.ModuleRecord` for what those pages need (``slug``,
    ``translation(lang).title``, ``quiz``...), but is a plain value shared between requests.
    """

    id: int
    slug: str
    level: str
    position: int
    duration_minutes: int | None
    prerequisites: tuple[str, ...]
    titles: tuple[PublishedTitle, ...]  # by language code, like ModuleRecord.translations
    quiz: PublishedQuiz | None

    @property
    def info(self) -> ModuleInfo:
        """The rules' view of the module."""
        return ModuleInfo(self.slug, self.level, self.position, self.prerequisites)

    def translation(self, lang: str) -> PublishedTitle:
        """The title in ``lang``, falling back to French, then to any language."""
        by_lang = {t.lang: t for t in self.titles}
        return by_lang.get(lang) or by_lang.get("fr") or self.titles[0]


#: The latest content sync seen: (id, started_at), or None when content was never synced.
SyncToken = tuple[int, datetime] | None


@dataclass(frozen=True)
class CurriculumSnapshot:
    """Every published module in curriculum order (core first), built after sync ``token``."""

    database: sa.URL
    token: SyncToken
    modules: tuple[PublishedModule, ...]


_lock = threading.Lock()
_snapshot: CurriculumSnapshot | None = None


# Statements run on every request, built once (building one costs more than running it), and run
# on the session's connection (same transaction, without the ORM's per-statement work).
_LATEST_SYNC = sa.select(ContentSync.id, ContentSync.started_at).order_by(ContentSync.id.desc()).limit(1)
_PROGRESS = (
    sa.select(ModuleRecord.slug, ModuleProgress.started_at, ModuleProgress.completed_at,
              ModuleProgress.best_ratio, ModuleProgress.grade_ratio)
    .join(ModuleRecord, ModuleRecord.id == ModuleProgress.module_id)
    .where(ModuleProgress.user_id == sa.bindparam("user_id"))
)


def content_token() -> SyncToken:
    """The latest content sync (id and start time): changes whenever the curriculum may have."""
    row = db.session.connection().execute(_LATEST_SYNC).first()  # Core: no ORM entities to build
    return None if row is None else (row[0], row[1])


def load_curriculum(database: sa.URL, token: SyncToken) -> CurriculumSnapshot:
    """Read the published curriculum from the database (three queries)."""
    modules = db.session.execute(
        sa.select(ModuleRecord.id, ModuleRecord.slug, ModuleRecord.level, ModuleRecord.position,
                  ModuleRecord.duration_minutes, ModuleRecord.prerequisites)
        .where(ModuleRecord.archived_at.is_(None))
        .order_by(ModuleRecord.level != "core", ModuleRecord.position, ModuleRecord.id)
    ).all()
    titles: dict[int, list[PublishedTitle]] = {}
    for module_id, lang, title in db.session.execute(
            sa.select(ModuleTranslation.module_id, ModuleTranslation.lang, ModuleTranslation.title)
            .join(ModuleRecord, ModuleRecord.id == ModuleTranslation.module_id)
            .where(ModuleRecord.archived_at.is_(None)).order_by(ModuleTranslation.lang)):
        titles.setdefault(module_id, []).append(PublishedTitle(lang, title))
    quizzes: dict[int, PublishedQuiz] = {}
    for row in db.session.execute(
            sa.select(QuizRecord.id, QuizRecord.slug, QuizRecord.module_id, QuizVersion.id,
                      QuizVersion.pass_ratio, QuizVersion.max_attempts, QuizVersion.grading,
                      QuizVersion.time_limit_seconds, QuizVersion.review)
            .outerjoin(QuizVersion, QuizVersion.id == QuizRecord.current_version_id)
            .where(QuizRecord.archived_at.is_(None)).order_by(QuizRecord.id)):
        version = None if row[3] is None else PublishedQuizVersion(*row[3:])
        quizzes.setdefault(row[2], PublishedQuiz(row[0], row[1], row[2], version))
    return CurriculumSnapshot(database, token, tuple(
        PublishedModule(m.id, m.slug, m.level, m.position, m.duration_minutes, tuple(m.prerequisites or ()),
                        tuple(titles.get(m.id, ())), quizzes.get(m.id))
        for m in modules))


def curriculum() -> CurriculumSnapshot:
    """The published curriculum: this process's snapshot, rebuilt when content was synced since.

    Costs one small indexed query while the content is unchanged.
    """
    global _snapshot
    database = db.engine.url
    token = content_token()
    current = _snapshot
    if current is not None and current.token == token and current.database == database:
        return current
    fresh = load_curriculum(database, token)
    with _lock:
        _snapshot = fresh
    return fresh


def clear_curriculum_cache() -> None:
    """Forget this process's snapshot (the next request reads the curriculum again)."""
    global _snapshot
    with _lock:
        _snapshot = None


def published_modules() -> list[PublishedModule]:
    """Modules that are not archived, in curriculum order (core first), with their titles and
    current quiz settings; from the process's snapshot (see :func:`curriculum`).

    Not the rendered bodies (see :func:`cyberaware.student.pages.module_text`), nor the
    quizzes' questions.
    """
    return list(curriculum().modules)


def module_info(record: ModuleRecord | PublishedModule) -> ModuleInfo:
    """The rules' view of a module record."""
    return ModuleInfo(record.slug, record.level, record.position, tuple(record.prerequisites or ()))


def progress_by_slug(user_id: int) -> dict[str, ProgressInfo]:
    """The student's progress rows keyed by module slug (one query)."""
    rows = db.session.connection().execute(_PROGRESS, {"user_id": user_id})
    return {slug: ProgressInfo(started, completed, best, grade) for slug, started, completed, best, grade in rows}


def student_standings(user: User) -> tuple[list[ModuleStanding], dict[str, PublishedModule]]:
    """The dashboard's data: standings in order, and the published modules by slug."""
    records = published_modules()
    by_slug = {r.slug: r for r in records}
    return standings([r.info for r in records], progress_by_slug(user.id)), by_slug


def titles_in(records: dict[str, PublishedModule], lang: str) -> dict[str, str]:
    """Each module's title in ``lang`` (French, else any language, when missing), by slug."""
    return {slug: record.translation(lang).title for slug, record in records.items()}


def module_by_slug(slug: str) -> ModuleRecord | None:
    """A published module, or None."""
    return db.session.scalar(sa.select(ModuleRecord).where(ModuleRecord.slug == slug,
                                                           ModuleRecord.archived_at.is_(None)))
