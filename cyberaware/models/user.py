"""Accounts and roles."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from cyberaware.extensions import db


def utcnow() -> datetime:
    """Current UTC time as a naive datetime (how every timestamp is stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Role(StrEnum):
    """What an account may do. Admins can do everything staff can."""

    STUDENT = "student"
    INSTRUCTOR = "instructor"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


ROLES: tuple[str, ...] = tuple(r.value for r in Role)
STAFF_ROLES: frozenset[str] = frozenset({Role.INSTRUCTOR, Role.COORDINATOR, Role.ADMIN})


def new_session_token() -> str:
    """A random token; changing it ends every session and remember-me cookie of the account."""
    return secrets.token_hex(16)


class User(UserMixin, db.Model):
    """A person who logs in: a student or a member of staff."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(f"role IN {ROLES!r}", name="role_valid"),
        # Covers the dashboard's GROUP BY / DISTINCT over the roster columns (no table read, no sort).
        sa.Index("ix_users_roster", "faculty", "programme", "year_of_study", "group_name", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    first_name: Mapped[str] = mapped_column(sa.String(100), default="")
    last_name: Mapped[str] = mapped_column(sa.String(100), default="")
    role: Mapped[str] = mapped_column(sa.String(20), default=Role.STUDENT.value)
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    active: Mapped[bool] = mapped_column(default=True)
    email_verified_at: Mapped[datetime | None]
    session_token: Mapped[str] = mapped_column(sa.String(32), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    # Roster data of students (imported by coordinators); empty for staff and self-registrations.
    student_number: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    faculty: Mapped[str | None] = mapped_column(sa.String(120), index=True)
    programme: Mapped[str | None] = mapped_column(sa.String(200))
    year_of_study: Mapped[str | None] = mapped_column(sa.String(20))
    group_name: Mapped[str | None] = mapped_column(sa.String(60))
    invited_at: Mapped[datetime | None]  # last invitation e-mail (imported students)

    # Coordinators limited to some faculties (none: all faculties, like an admin).
    scope_faculties: Mapped[list[CoordinatorFaculty]] = relationship(
        cascade="all, delete-orphan", order_by="CoordinatorFaculty.faculty")

    # --- Flask-Login ---------------------------------------------------------------
    def get_id(self) -> str:
        """Session identifier: the id plus the session token, so rotating the token logs out."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Deactivated accounts and unverified self-registrations cannot log in."""
        return self.active and self.email_verified_at is not None

    def end_all_sessions(self) -> None:
        """Invalidate every session and remember-me cookie of this account."""
        self.session_token = new_session_token()

    # --- passwords ------------------------------------------------------------------
    def set_password(self, password: str, method: str = "scrypt") -> None:
        """Hash and store ``password`` (scrypt by default) and end other sessions."""
        self.password_hash = generate_password_hash(password, method=method)
        self.end_all_sessions()

    def check_password(self, password: str) -> bool:
        """True when ``password`` matches; False for accounts without a password."""
        if not self.password_hash:
            return False
        return check_password_hash(self.password_hash, password)

    # --- roles --------------------------------------------------------------------------
    @property
    def is_staff(self) -> bool:
        """Instructors, coordinators and admins."""
        return self.role in STAFF_ROLES

    def has_role(self, *roles: str) -> bool:
        """True when the account has one of ``roles``; admins have every staff role."""
        return self.role in roles or (self.role == Role.ADMIN and bool(STAFF_ROLES & set(roles)))

    @property
    def display_name(self) -> str:
        """First and last name, or the e-mail when no name is known."""
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class CoordinatorFaculty(db.Model):
    """One faculty a coordinator may see; a coordinator with no row sees every faculty."""

    __tablename__ = "coordinator_faculties"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    faculty: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
