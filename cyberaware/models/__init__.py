"""Database tables (SQLAlchemy 2.0 typed models)."""

from cyberaware.models.attestation import Attestation
from cyberaware.models.audit import AuditEvent
from cyberaware.models.content import ContentSync, ModuleRecord, ModuleTranslation, QuizRecord, QuizVersion
from cyberaware.models.progress import Attempt, ModuleProgress
from cyberaware.models.user import ROLES, STAFF_ROLES, CoordinatorFaculty, Role, User, utcnow

__all__ = [
    "ROLES",
    "STAFF_ROLES",
    "Attempt",
    "Attestation",
    "AuditEvent",
    "ContentSync",
    "CoordinatorFaculty",
    "ModuleProgress",
    "ModuleRecord",
    "ModuleTranslation",
    "QuizRecord",
    "QuizVersion",
    "Role",
    "User",
    "utcnow",
]
