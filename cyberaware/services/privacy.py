"""A student's own data (GDPR right of access and to erasure)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cyberaware.extensions import db
from cyberaware.models import Attempt, Attestation, ModuleProgress, ModuleRecord, QuizRecord, User, utcnow

log = logging.getLogger("cyberaware.privacy")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None


def export_user_data(user: User) -> dict[str, Any]:
    """Everything stored about ``user``, as JSON-ready data (never the password hash or tokens)."""
    progress = db.session.execute(
        sa.select(ModuleRecord.slug, ModuleProgress).join(ModuleProgress, ModuleProgress.module_id == ModuleRecord.id)
        .where(ModuleProgress.user_id == user.id).order_by(ModuleRecord.position)).all()
    attempts = db.session.execute(
        sa.select(QuizRecord.slug, Attempt).join(Attempt, Attempt.quiz_id == QuizRecord.id)
        .where(Attempt.user_id == user.id).order_by(Attempt.started_at)).all()
    attestations = db.session.scalars(sa.select(Attestation).where(Attestation.user_id == user.id))
    from cyberaware.services.expert import flag_of

    flag = flag_of(user.id)
    return {
        "exported_at": _iso(utcnow()),
        "account": {
            "email": user.email, "first_name": user.first_name, "last_name": user.last_name, "role": user.role,
            "language": user.locale, "created_at": _iso(user.created_at), "last_login_at": _iso(user.last_login_at),
            "email_verified_at": _iso(user.email_verified_at), "student_number": user.student_number,
            "faculty": user.faculty, "programme": user.programme, "year": user.year_of_study, "group": user.group_name,
        },
        "modules": [{"module": slug, "started_at": _iso(p.started_at), "completed_at": _iso(p.completed_at),
                     "completed_via": p.completed_via, "attempts": p.attempts_count, "best_score": p.best_ratio,
                     "grade": p.grade_ratio} for slug, p in progress],
        "quiz_attempts": [{"quiz": slug, "number": a.number, "language": a.lang, "started_at": _iso(a.started_at),
                           "submitted_at": _iso(a.submitted_at), "score": a.score, "max_score": a.max_score,
                           "ratio": a.ratio, "passed": a.passed, "late": a.late, "answers": a.responses}
                          for slug, a in attempts],
        "attestations": [{"code": a.code, "issued_at": _iso(a.issued_at), "printed": a.snapshot}
                         for a in attestations],
        "expert_track": None if flag is None else {
            "qualified": flag.qualified, "qualified_at": _iso(flag.qualified_at), "rules_met": flag.rules_met,
            "review_status": flag.review_status, "consent": flag.consent, "consent_at": _iso(flag.consent_at)},
    }


def erase_account(user: User) -> None:
    """Delete the account and everything that identifies its owner.

    Submitted attempts stay, detached from any person (``user_id`` NULL), so quiz statistics and
    completion rates of past cohorts stay right; unfinished attempts, progress, attestations (they
    print the name), the expert-track flag and API tokens are deleted. Commits.
    """
    user_id = user.id
    db.session.execute(sa.delete(Attempt).where(Attempt.user_id == user_id, Attempt.submitted_at.is_(None)))
    db.session.execute(sa.update(Attempt).where(Attempt.user_id == user_id).values(user_id=None, responses={}))
    db.session.execute(sa.delete(Attestation).where(Attestation.user_id == user_id))
    db.session.execute(sa.delete(ModuleProgress).where(ModuleProgress.user_id == user_id))
    db.session.delete(user)  # the database cascades the flag, tokens and scope rows
    db.session.commit()
    log.info("account erased user_id=%s", user_id)
