"""Starting, saving and submitting quiz attempts, and recording completion.

Every rule that protects the record lives here or in the database: one open attempt per
student and quiz (partial unique index), unique attempt numbers (so parallel starts cannot
exceed the limit), and a conditional UPDATE so a double submission is graded once.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from blinker import Namespace
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from cyberaware import attempts as rules
from cyberaware.content.model import Quiz
from cyberaware.extensions import db
from cyberaware.grading import final_grade, passed
from cyberaware.services.summaries import refresh_student_summary
from cyberaware.models import Attempt, AttemptAnswer, ModuleProgress, ModuleRecord, QuizRecord, QuizVersion, User, utcnow

if TYPE_CHECKING:
    from cyberaware.services.curriculum import PublishedQuiz

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
    """The quiz of ``version`` in ``lang`` (French when that language is missing).

    A new object, built from the version's JSON; see :func:`cached_quiz_content` for pages.
    """
    data = version.data.get(lang) or version.data.get("fr") or next(iter(version.data.values()))
    return Quiz.from_dict(data)


class QuizCache:
    """A bounded, thread-safe LRU of decoded quizzes keyed by (version id, content hash, language).

    Quiz versions are never modified once created (a sync that changes a quiz adds a version),
    and the key includes the content hash, so an entry cannot go stale, even when a test
    database reuses ids. The quizzes are shared: callers must not modify them.
    """

    def __init__(self, maxsize: int = 128) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[tuple[int, str, str], Quiz] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version: QuizVersion, lang: str) -> Quiz:
        """The quiz of ``version`` in ``lang``, decoded once per process while it stays cached."""
        key = (version.id, version.content_hash, lang)
        with self._lock:
            quiz = self._items.get(key)
            if quiz is not None:
                self._items.move_to_end(key)
                return quiz
        quiz = quiz_content(version, lang)  # outside the lock: may load the version's JSON
        with self._lock:
            self._items[key] = quiz
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return quiz

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._items.clear()


#: Decoded quizzes of this process (pages and grading read quizzes on every request).
quiz_cache = QuizCache()


def cached_quiz_content(version: QuizVersion, lang: str) -> Quiz:
    """Like :func:`quiz_content`, from the process's cache: a shared object, not to be modified."""
    return quiz_cache.get(version, lang)


def attempt_quiz(attempt: Attempt) -> Quiz:
    """The exact quiz an attempt was taken on (shared, cached: not to be modified)."""
    return cached_quiz_content(attempt.version, attempt.lang)


def load_own_attempt(user_id: int, public_id: str) -> Attempt | None:
    """The user's attempt with that public id, with its quiz, module and version settings in one
    query; the version's questions (JSON) load only if the decoded quiz is not cached."""
    return db.session.scalar(_OWN_ATTEMPT, {"public_id": public_id, "user_id": user_id})


# Statements of the pages, built once (building one costs more than running it).
_OPEN_ATTEMPT = sa.select(Attempt).where(Attempt.user_id == sa.bindparam("user_id"),
                                         Attempt.quiz_id == sa.bindparam("quiz_id"), Attempt.submitted_at.is_(None))
_ATTEMPT_COUNTS = sa.select(sa.func.count(Attempt.submitted_at), sa.func.count()).where(
    Attempt.user_id == sa.bindparam("user_id"), Attempt.quiz_id == sa.bindparam("quiz_id"))
_SUBMITTED_COUNT = sa.select(sa.func.count()).select_from(Attempt).where(
    Attempt.user_id == sa.bindparam("user_id"), Attempt.quiz_id == sa.bindparam("quiz_id"),
    Attempt.submitted_at.is_not(None))
_OWN_ATTEMPT = (
    sa.select(Attempt).where(Attempt.public_id == sa.bindparam("public_id"), Attempt.user_id == sa.bindparam("user_id"))
    .options(joinedload(Attempt.version).defer(QuizVersion.data), joinedload(Attempt.quiz).joinedload(QuizRecord.module))
)


def open_attempt(user: User, quiz: QuizRecord) -> Attempt | None:
    """The student's unfinished attempt at ``quiz``, if any."""
    return db.session.scalar(_OPEN_ATTEMPT, {"user_id": user.id, "quiz_id": quiz.id})


def attempt_summary(user: User, quiz: QuizRecord | PublishedQuiz) -> tuple[bool, int | None]:
    """Whether the student has an unfinished attempt at ``quiz``, and how many attempts they may
    still start (None: unlimited), like :func:`open_attempt` and :func:`attempts_left`; one query."""
    submitted, started = db.session.connection().execute(
        _ATTEMPT_COUNTS, {"user_id": user.id, "quiz_id": quiz.id}).one()
    version = quiz.current_version
    left = None if version is None or not version.max_attempts else max(version.max_attempts - submitted, 0)
    return started > submitted, left


def submitted_count(user: User, quiz: QuizRecord) -> int:
    """How many attempts the student has finished at ``quiz``."""
    return db.session.scalar(_SUBMITTED_COUNT, {"user_id": user.id, "quiz_id": quiz.id}) or 0


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
    content = cached_quiz_content(version, lang)
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

    record_quiz_progress(attempt, now)
    # Last before the commit: the tally rows are shared by every submission of this quiz version,
    # so their locks are held for the shortest time.
    tally_submission(attempt, grade.results, (now - attempt.started_at).total_seconds())
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
