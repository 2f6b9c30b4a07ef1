"""Which students a member of staff may see: coordinators can be limited to faculties."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from cyberaware.models import Role, User


class OutOfScope(Exception):
    """A filter names a faculty outside the coordinator's scope."""


def allowed_faculties(user: User) -> set[str] | None:
    """The faculties ``user`` may see, or None for every faculty (admins, unrestricted coordinators)."""
    if user.role == Role.ADMIN:
        return None
    faculties = {row.faculty for row in user.scope_faculties}
    return faculties or None


def students_query(user: User) -> sa.Select:
    """``SELECT users`` restricted to the students ``user`` may see."""
    stmt = sa.select(User).where(User.role == Role.STUDENT)
    faculties = allowed_faculties(user)
    if faculties is not None:
        stmt = stmt.where(User.faculty.in_(sorted(faculties)))
    return stmt


def student_filter(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause on ``users`` selecting the students ``user`` may see (for joins)."""
    clause = User.role == Role.STUDENT
    faculties = allowed_faculties(user)
    if faculties is not None:
        clause = sa.and_(clause, User.faculty.in_(sorted(faculties)))
    return clause


def check_faculties(user: User, requested: Iterable[str]) -> None:
    """Raise :class:`OutOfScope` when ``requested`` names a faculty ``user`` may not see."""
    faculties = allowed_faculties(user)
    if faculties is None:
        return
    outside = sorted(set(requested) - faculties)
    if outside:
        raise OutOfScope(", ".join(outside))
