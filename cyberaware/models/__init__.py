"""Database tables (SQLAlchemy 2.0 typed models)."""

from cyberaware.models.attestation import Attestation
from cyberaware.models.content import ContentSync, ModuleRecord, ModuleTranslation, QuizRecord, QuizVersion
from cyberaware.models.progress import Attempt, ModuleProgress
from cyberaware.models.user import ROLES, STAFF_ROLES, Role, User, utcnow

__all__ = [
    "ROLES",
    "STAFF_ROLES",
    "Attempt",
    "Attestation",
    "ContentSync",
    "ModuleProgress",
    "ModuleRecord",
    "ModuleTranslation",
    "QuizRecord",
    "QuizVersion",
    "Role",
    "User",
    "utcnow",
]
