"""Database tables (SQLAlchemy 2.0 typed models)."""

from cyberaware.models.user import ROLES, STAFF_ROLES, Role, User, utcnow

__all__ = ["ROLES", "STAFF_ROLES", "Role", "User", "utcnow"]
