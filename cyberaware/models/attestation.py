"""Issued attestations: a snapshot of exactly what was printed, found by its code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cyberaware.extensions import db
from cyberaware.models.user import utcnow


class Attestation(db.Model):
    """One attestation; ``/verify/<code>`` shows ``snapshot`` and nothing else."""

    __tablename__ = "attestations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # AttestationData.to_dict()
    revoked_at: Mapped[datetime | None]
