"""Starting, saving and submitting quiz attempts, and recording completion.

Every rule that protects the record lives here or in the database: one open attempt per
student and quiz (partial unique index), unique attempt numbers (so parallel starts cannot
exceed the limit), and a conditional UPDATE so a double submission is graded once.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from blinker import Namespace
from sqlalchemy.exc import IntegrityError

from cyberaware import attempts as rules
from cyberaware.content.model import Quiz
from cyberaware.extensions import db
from cyberaware.grading import final_grade, passed
from cyberaware.services.summaries import refresh_student_summary
from cyberaware.models import Attempt, AttemptAnswer, ModuleProgress, ModuleRecord, QuizRecord, QuizVersion, User, utcnow

log = logging.getLogger("cyberaware.attempts")

signals = Namespace()
#: Sent once per student and module, when the module becomes completed
#: (sender: the ModuleProgress row). The expert-track rules listen to it.
module_completed = signals.signal("module-completed")


class AttemptRefused(Exception):
    """The student may not start an attempt now; ``reason`` is a code for the message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class SubmitOutcome:
    """What happened to a submission."""

    attempt: Attempt
    newly_submitted: bool  # False: it had been submitted already (second click, replay)
    late: bool = False


def quiz_content(version: QuizVersion, lang: str) -> Quiz:
    """The quiz of ``version`` in ``lang`` (French when that language is missing)."""
    data = version.data.get(lang) or version.data.get("fr") or next(iter(version.data.values()))
    return Quiz.from_dict(data)


def attempt_quiz(attempt: Attempt) -> Quiz:
    """The exact quiz an attempt was taken on."""
    return quiz_content(attempt.version, attempt.lang)


def open_attempt(user: User, quiz: QuizRecord) -> Attempt | None:
    """The student's unfinished attempt at ``quiz``, if any."""
    return db.session.scalar(sa.select(Attempt).where(
        Attempt.user_id == user.id, Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_(None)))


def submitted_count(user: User, quiz: QuizRecord) -> int:
    """How many attempts the student has finished at ``quiz``."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Attempt).where(
        Attempt.user_id == user.id, Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_not(None))) or 0


def attempts_left(user: User, quiz: QuizRecord) -> int | None:
    """Attempts the student may still start (None: unlimited)."""
    version = quiz.current_version
    if version is None or not version.max_attempts:
        return None
    return max(version.max_attempts - submitted_count(user, quiz), 0)


def start_or_resume(user: User, quiz: QuizRecord, lang: str, rng: random.Random | None = None,
                    now: datetime | None = None) -> Attempt:
    """Return the open attempt, or start one on the quiz's current version.

    An open attempt whose time is up is closed first (graded on its saved answers). Raises
    :class:`AttemptRefused` (``no-version``, ``limit-reached``) when no attempt may start.
    """
    now = now or utcnow()
    current = open_attempt(user, quiz)
    if current is not None:
        if not rules.expired(current.deadline_at, now):
            return current
        finalize_expired(current, now)
    version = quiz.current_version
    if version is None or quiz.archived_at is not None:
        raise AttemptRefused("no-version")
    left = attempts_left(user, quiz)
    if left is not None and left <= 0:
        raise AttemptRefused("limit-reached")
    lang = lang if lang in version.data else "fr" if "fr" in version.data else next(iter(version.data))
    content = quiz_content(version, lang)
    number = (db.session.scalar(sa.select(sa.func.max(Attempt.number)).where(
        Attempt.user_id == user.id, Attempt.quiz_id == quiz.id)) or 0) + 1
    if version.max_attempts and number > version.max_attempts:
        raise AttemptRefused("limit-reached")
    attempt = Attempt(user_id=user.id, quiz_id=quiz.id, version_id=version.id, lang=lang, number=number,
                      started_at=now, deadline_at=rules.deadline_for(now, version.time_limit_seconds),
                      layout=rules.draw_layout(content, rng or random.SystemRandom()), responses={})
    db.session.add(attempt)
    try:
        db.session.flush()
        _touch_progress(user.id, quiz.module_id, now)
        db.session.commit()
    except IntegrityError:
        # Another request started an attempt at the same moment: use that one.
        db.session.rollback()
        current = open_attempt(user, quiz)
        if current is None:
            raise AttemptRefused("limit-reached") from None
        return current
    log.info("attempt started id=%s user_id=%s quiz=%s", attempt.id, user.id, quiz.slug)
    return attempt


def save_answers(attempt: Attempt, responses: dict, now: datetime | None = None) -> bool:
    """Keep the answers of an open attempt in time; False when it is closed or its time is up."""
    now = now or utcnow()
    if not attempt.is_open or rules.expired(attempt.deadline_at, now):
        return False
    attempt.responses = dict(responses)
    db.session.commit()
    return True


def submit(attempt: Attempt, responses: dict | None, now: datetime | None = None) -> SubmitOutcome:
    """Grade and close an attempt, exactly once.

    A late submission (after the deadline and its grace) discards ``responses`` and grades the
    answers saved before. A second submission of a closed attempt changes nothing.
    """
    now = now or utcnow()
    if not attempt.is_open:
        return SubmitOutcome(attempt, newly_submitted=False)
    late = rules.submission_is_late(attempt.deadline_at, now)
    final_responses = attempt.responses if late or responses is None else responses
    grade = rules.grade_attempt(attempt_quiz(attempt), attempt.layout, final_responses)
    claimed = db.session.execute(
        sa.update(Attempt).where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None)).values(
            submitted_at=now, responses=final_responses, results=grade.results, score=grade.score,
            max_score=grade.max_score, ratio=grade.ratio, passed=grade.passed, late=late)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:  # someone else submitted it between our read and our write
        db.session.rollback()
        db.session.refresh(attempt)
        return SubmitOutcome(attempt, newly_submitted=False)
    db.session.flush()
    db.session.refresh(attempt)
    db.session.execute(sa.insert(AttemptAnswer), [
        {"attempt_id": attempt.id, "version_id": attempt.version_id, "question_id": r["id"],
         "score": r["score"], "max_score": r["max"], "response_key": r.get("key", "")}
        for r in grade.results
    ])
    from cyberaware.services.analytics import tally_submission

    tally_submission(attempt, grade.results, (now - attempt.started_at).total_seconds())
    record_quiz_progress(attempt, now)
    db.session.commit()
    log.info("attempt submitted id=%s user_id=%s ratio=%.3f late=%s", attempt.id, attempt.user_id, grade.ratio, late)
    return SubmitOutcome(attempt, newly_submitted=True, late=late)


def finalize_expired(attempt: Attempt, now: datetime | None = None) -> SubmitOutcome:
    """Close an attempt whose time is up, graded on the answers saved in time."""
    return submit(attempt, None, now)


def _touch_progress(user_id: int, module_id: int, now: datetime) -> ModuleProgress:
    progress = db.session.scalar(sa.select(ModuleProgress).where(
        ModuleProgress.user_id == user_id, ModuleProgress.module_id == module_id))
    if progress is None:
        progress = ModuleProgress(user_id=user_id, module_id=module_id, started_at=now)
        db.session.add(progress)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:
            progress = db.session.scalar(sa.select(ModuleProgress).where(
                ModuleProgress.user_id == user_id, ModuleProgress.module_id == module_id))
    return progress


def mark_started(user: User, module: ModuleRecord) -> None:
    """Record that the student opened a module (its status becomes "in progress")."""
    _touch_progress(user.id, module.id, utcnow())
    db.session.commit()


def _complete(progress: ModuleProgress, via: str, now: datetime) -> None:
    """Set the completion once; never cleared by later attempts."""
    if progress.completed_at is None:
        progress.completed_at, progress.completed_via = now, via
        db.session.flush()
        module_completed.send(progress)


def record_quiz_progress(attempt: Attempt, now: datetime) -> ModuleProgress:
    """Update the student's grades on the module after a submitted attempt; complete it when the
    quiz grade (by the quiz's grading method) reaches the pass mark."""
    quiz = attempt.quiz
    version = attempt.version
    ratios = list(db.session.scalars(sa.select(Attempt.ratio).where(
        Attempt.user_id == attempt.user_id, Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_not(None))
        .order_by(Attempt.number)))
    progress = _touch_progress(attempt.user_id, quiz.module_id, now)
    progress.attempts_count = len(ratios)
    progress.best_ratio = max(ratios) if ratios else None
    progress.grade_ratio = final_grade(version.grading, ratios)
    progress.last_attempt_at = now
    if progress.grade_ratio is not None and passed(progress.grade_ratio, version.pass_ratio):
        _complete(progress, "quiz", now)
    refresh_student_summary(attempt.user_id)
    return progress


def mark_read(user: User, module: ModuleRecord) -> ModuleProgress:
    """Complete a module that has no quiz (the student marks it read)."""
    now = utcnow()
    progress = _touch_progress(user.id, module.id, now)
    _complete(progress, "read", now)
    refresh_student_summary(user.id)
    db.session.commit()
    return progress
