"""The curriculum as loaded by `flask content sync`: modules, quizzes and quiz versions.

Rendered HTML is stored here at sync time; requests never re-render Markdown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cyberaware.extensions import db
from cyberaware.models.user import utcnow


class ModuleRecord(db.Model):
    """A module (all languages). Removed from the files: archived, never deleted."""

    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    level: Mapped[str] = mapped_column(sa.String(20), default="core")
    duration_minutes: Mapped[int | None]
    prerequisites: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    content_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    archived_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    translations: Mapped[list[ModuleTranslation]] = relationship(
        back_populates="module", cascade="all, delete-orphan", order_by="ModuleTranslation.lang"
    )
    quiz: Mapped[QuizRecord | None] = relationship(back_populates="module", uselist=False,
                                                   primaryjoin="and_(ModuleRecord.id == QuizRecord.module_id, "
                                                               "QuizRecord.archived_at.is_(None))",
                                                   viewonly=True)

    def translation(self, lang: str) -> ModuleTranslation:
        """The module in ``lang``, falling back to French, then to any language."""
        by_lang = {t.lang: t for t in self.translations}
        return by_lang.get(lang) or by_lang.get("fr") or self.translations[0]


class ModuleTranslation(db.Model):
    """A module's text in one language, rendered to sanitised HTML at sync."""

    __tablename__ = "module_translations"
    __table_args__ = (sa.UniqueConstraint("module_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(sa.String(5))
    title: Mapped[str] = mapped_column(sa.String(300))
    body_html: Mapped[str] = mapped_column(sa.Text)
    sources_html: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    content_hash: Mapped[str] = mapped_column(sa.String(64))

    module: Mapped[ModuleRecord] = relationship(back_populates="translations")


class QuizRecord(db.Model):
    """A quiz; its questions live in versions so past attempts keep the exact text they had."""

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    current_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("quiz_versions.id", use_alter=True, name="fk_quizzes_current_version_id_quiz_versions")
    )
    archived_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    module: Mapped[ModuleRecord] = relationship(back_populates="quiz", foreign_keys=[module_id])
    current_version: Mapped[QuizVersion | None] = relationship(foreign_keys=[current_version_id], post_update=True)


class QuizVersion(db.Model):
    """One exact state of a quiz (every language), identified by its content hash."""

    __tablename__ = "quiz_versions"
    __table_args__ = (sa.UniqueConstraint("quiz_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id"), index=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    pass_ratio: Mapped[float]
    max_attempts: Mapped[int] = mapped_column(default=0)
    grading: Mapped[str] = mapped_column(sa.String(20), default="highest")
    time_limit_seconds: Mapped[int | None]
    review: Mapped[str] = mapped_column(sa.String(30), default="after_submit")
    # {"fr": Quiz.to_dict(), "en": ...}: includes the answer key; never sent to a browser as is.
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    quiz: Mapped[QuizRecord] = relationship(foreign_keys=[quiz_id])

    def languages(self) -> list[str]:
        """Languages this version exists in."""
        return sorted(self.data)


class ContentSync(db.Model):
    """One run of `flask content sync` (shown to instructors as the last sync)."""

    __tablename__ = "content_syncs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool] = mapped_column(default=False)
    summary: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
