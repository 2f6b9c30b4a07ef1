"""Running totals for quiz analytics, updated at each submission (one row per version,
attempt selection and question), so the analytics page reads a few rows whatever the number
of attempts. `flask analytics rebuild` recomputes them from ``attempt_answers``."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cyberaware.extensions import db

#: "first": first attempts of each student only; "all": every attempt.
SCOPES = ("first", "all")


class QuizTally(db.Model):
    """Totals over submitted attempts of one quiz version."""

    __tablename__ = "quiz_tallies"

    version_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz_versions.id"), primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
    passed: Mapped[int] = mapped_column(default=0)
    sum_ratio: Mapped[float] = mapped_column(default=0.0)
    sum_seconds: Mapped[float] = mapped_column(default=0.0)
    sum_total: Mapped[float] = mapped_column(default=0.0)
    sum_total2: Mapped[float] = mapped_column(default=0.0)


class RatioTally(db.Model):
    """How many attempts got each score (ratio rounded to 4 decimals): median and histogram."""

    __tablename__ = "ratio_tallies"

    version_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz_versions.id"), primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    ratio: Mapped[float] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(default=0)


class ItemTally(db.Model):
    """Sufficient statistics of one question: mark x and rest of the attempt r = total − x."""

    __tablename__ = "item_tallies"

    version_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz_versions.id"), primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    question_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
    max_mark: Mapped[float] = mapped_column(default=0.0)
    sum_x: Mapped[float] = mapped_column(default=0.0)
    sum_x2: Mapped[float] = mapped_column(default=0.0)
    sum_r: Mapped[float] = mapped_column(default=0.0)
    sum_r2: Mapped[float] = mapped_column(default=0.0)
    sum_xr: Mapped[float] = mapped_column(default=0.0)


class AnswerTally(db.Model):
    """How many attempts gave each answer (response key) to a question, and whether it was right."""

    __tablename__ = "answer_tallies"

    version_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz_versions.id"), primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    question_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    response_key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    right: Mapped[bool] = mapped_column(default=False)
    n: Mapped[int] = mapped_column(default=0)
