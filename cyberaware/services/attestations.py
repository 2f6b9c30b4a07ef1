"""Issuing attestations to students who completed the core curriculum, and verifying them."""

from __future__ import annotations

import sqlalchemy as sa

from cyberaware.attestation import AttestationData, CompletedModule, new_verification_code, normalize_code
from cyberaware.extensions import db
from cyberaware.models import Attestation, User, utcnow
from cyberaware.progress import core_complete
from cyberaware.services.curriculum import student_standings


class NotEligible(Exception):
    """The student has not completed every core module yet."""


def attestation_data(user: User, lang: str, code: str) -> AttestationData:
    """What an attestation for ``user`` prints now: core modules with dates and scores."""
    items, records = student_standings(user)
    if not core_complete(items):
        raise NotEligible()
    modules = [
        CompletedModule(
            title=records[item.module.slug].translation(lang).title,
            completed_on=item.completed_at.date(),
            score_percent=None if item.grade_ratio is None else int(round(item.grade_ratio * 100)),
        )
        for item in items if item.module.level == "core"
    ]
    return AttestationData(holder_name=user.display_name, issued_on=utcnow().date(), code=code,
                           modules=modules, lang=lang)


def issue(user: User, lang: str) -> Attestation:
    """The student's attestation in ``lang``: the latest one when it still prints the same
    thing, else a new one with a new code. Raises :class:`NotEligible`."""
    data = attestation_data(user, lang, code="")
    latest = db.session.scalar(sa.select(Attestation).where(
        Attestation.user_id == user.id, Attestation.revoked_at.is_(None)).order_by(Attestation.id.desc()).limit(1))
    if latest is not None:
        previous = AttestationData.from_dict(latest.snapshot)
        if (previous.lang, previous.holder_name, previous.modules) == (data.lang, data.holder_name, data.modules):
            return latest
    data.code = new_verification_code()
    attestation = Attestation(code=data.code, user_id=user.id, snapshot=data.to_dict())
    db.session.add(attestation)
    db.session.commit()
    return attestation


def find_by_code(text: str) -> Attestation | None:
    """The unrevoked attestation a typed code designates, or None."""
    code = normalize_code(text)
    if code is None:
        return None
    return db.session.scalar(sa.select(Attestation).where(Attestation.code == code,
                                                          Attestation.revoked_at.is_(None)))
