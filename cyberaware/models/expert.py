"""The expert-track flag: one row per student who qualified at least once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cyberaware.extensions import db
from cyberaware.models.user import User, utcnow

REVIEW_STATUSES: tuple[str, ...] = ("pending", "confirmed", "dismissed")
CONSENTS: tuple[str, ...] = ("none", "given", "declined", "withdrawn")


class ExpertFlag(db.Model):
    """A student's standing on the expert-track rules, their consent and the coordinators' review.

    Created the first time the student qualifies (students who never qualified have no row);
    kept when they stop qualifying (``qualified`` becomes False, ``qualified_at`` stays).
    """

    __tablename__ = "expert_flags"
    __table_args__ = (
        sa.CheckConstraint(f"review_status IN {REVIEW_STATUSES!r}", name="review_status_valid"),
        sa.CheckConstraint(f"consent IN {CONSENTS!r}", name="consent_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    qualified: Mapped[bool] = mapped_column(default=False, index=True)
    rules_met: Mapped[dict[str, bool]] = mapped_column(sa.JSON, default=dict)  # rule id -> met
    evaluated_at: Mapped[datetime] = mapped_column(default=utcnow)
    qualified_at: Mapped[datetime | None]  # the first time the student qualified; never cleared
    review_status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    review_note: Mapped[str] = mapped_column(sa.Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    consent: Mapped[str] = mapped_column(sa.String(20), default="none")
    consent_at: Mapped[datetime | None]  # when ``consent`` last changed

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    def __repr__(self) -> str:
        return f"<ExpertFlag user={self.user_id} qualified={self.qualified} {self.review_status}/{self.consent}>"
