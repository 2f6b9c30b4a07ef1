"""What students do: quiz attempts and per-module progress (where completion is recorded)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cyberaware.extensions import db
from cyberaware.models.content import ModuleRecord, QuizRecord, QuizVersion
from cyberaware.models.user import utcnow


def new_public_id() -> str:
    """An unguessable identifier for URLs (128 bits)."""
    return secrets.token_urlsafe(16)


class Attempt(db.Model):
    """One try at a quiz: the drawn questions and their order are fixed when it starts.

    ``user_id`` becomes NULL when the student erases their account, so statistics stay right.
    """

    __tablename__ = "attempts"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "quiz_id", "number"),
        # At most one open attempt per student and quiz, enforced by the database itself.
        sa.Index("uq_attempts_one_open", "user_id", "quiz_id", unique=True,
                 sqlite_where=sa.text("submitted_at IS NULL"), postgresql_where=sa.text("submitted_at IS NULL")),
        sa.Index("ix_attempts_quiz_submitted", "quiz_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id"))
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz_versions.id"), index=True)
    lang: Mapped[str] = mapped_column(sa.String(5))
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    # [{"id": question id, "options": [...display order...], "items": [...], "right": [...]}]
    layout: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    responses: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    results: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    score: Mapped[float | None]
    max_score: Mapped[float | None]
    ratio: Mapped[float | None]
    passed: Mapped[bool | None]
    late: Mapped[bool] = mapped_column(default=False)

    quiz: Mapped[QuizRecord] = relationship()
    version: Mapped[QuizVersion] = relationship()

    @property
    def is_open(self) -> bool:
        """Not submitted yet."""
        return self.submitted_at is None


class ModuleProgress(db.Model):
    """One student's standing on one module: started, completed (recorded once), grades.

    This row is where completion is recorded; dashboards and exports aggregate it.
    """

    __tablename__ = "module_progress"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "module_id"),
        sa.Index("ix_module_progress_module_completed", "module_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    completed_via: Mapped[str | None] = mapped_column(sa.String(10))  # "quiz" or "read"
    attempts_count: Mapped[int] = mapped_column(default=0)
    best_ratio: Mapped[float | None]
    grade_ratio: Mapped[float | None]  # by the quiz's grading method
    last_attempt_at: Mapped[datetime | None]

    module: Mapped[ModuleRecord] = relationship()

    @property
    def status(self) -> str:
        """``completed`` or ``in_progress`` (a missing row means not started)."""
        return "completed" if self.completed_at is not None else "in_progress"


class AttemptAnswer(db.Model):
    """One question of one submitted attempt: its mark and a short key of the answer.

    Written once at submission; item statistics aggregate this table in SQL.
    """

    __tablename__ = "attempt_answers"
    __table_args__ = (
        sa.UniqueConstraint("attempt_id", "question_id"),
        sa.Index("ix_attempt_answers_version_question", "version_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("attempts.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz_versions.id"))
    question_id: Mapped[str] = mapped_column(sa.String(100))
    score: Mapped[float]
    max_score: Mapped[float]
    # "2" (single), "0,2" (multi), normalised text (short/numeric), "0:1,1:0" (match), "2,0,1" (order)
    response_key: Mapped[str] = mapped_column(sa.String(200), default="")


class StudentSummary(db.Model):
    """One student's totals over the published modules, kept up to date with their progress so
    the coordinators' dashboard never groups a million progress rows per student.

    ``core_done`` counts the completed published core modules and ``last_core_at`` is the latest of
    those completions: the student finished the core curriculum by a date D when
    ``core_done`` equals the number of core modules and ``last_core_at < D``.
    """

    __tablename__ = "student_summaries"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    core_done: Mapped[int] = mapped_column(default=0)
    last_core_at: Mapped[datetime | None]
    score_sum: Mapped[float] = mapped_column(default=0.0)
    scored: Mapped[int] = mapped_column(default=0)
