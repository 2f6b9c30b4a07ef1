"""API tokens: how BI tools read the completion exports (``/api/v1``) on a coordinator's behalf."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cyberaware.extensions import db
from cyberaware.models.user import User, utcnow

TOKEN_BYTES = 32
PREFIX_LENGTH = 8


def hash_token(token: str) -> str:
    """SHA-256 of the token, hex: what the database stores and looks tokens up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ApiToken(db.Model):
    """A bearer token owned by a coordinator or admin; it sees exactly what its owner sees.

    Only the SHA-256 of the token is stored: the token itself is shown once, at creation.
    Looking a presented token up by its hash (a unique index) compares no secret byte by byte.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(PREFIX_LENGTH))  # first characters, to recognise it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    owner: Mapped[User] = relationship()

    @classmethod
    def issue(cls, owner: User, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
        """A new token row (not added to the session) and the clear token, to show once."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        row = cls(owner_id=owner.id, name=name, token_hash=hash_token(token), prefix=token[:PREFIX_LENGTH],
                  expires_at=expires_at)
        return row, token

    def is_usable(self, now: datetime | None = None) -> bool:
        """Neither revoked nor expired."""
        now = now or utcnow()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def status(self) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.is_usable() else "expired"
