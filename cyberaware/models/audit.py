"""The audit log: who changed or exported what, when, and how many rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cyberaware.extensions import db
from cyberaware.models.user import utcnow


class AuditEvent(db.Model):
    """One coordinator or admin action that changed data or exported personal data."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(254), default="")  # kept if the account is erased
    action: Mapped[str] = mapped_column(sa.String(60))  # e.g. "roster.import", "export.students.csv"
    rows: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # filters, file name... never secrets
