"""Database tables (SQLAlchemy 2.0 typed models)."""

from cyberaware.models.analytics import AnswerTally, ItemTally, QuizTally, RatioTally
from cyberaware.models.attestation import Attestation
from cyberaware.models.audit import AuditEvent
from cyberaware.models.content import ContentSync, ModuleRecord, ModuleTranslation, QuizRecord, QuizVersion
from cyberaware.models.progress import Attempt, AttemptAnswer, ModuleProgress, StudentSummary
from cyberaware.models.user import ROLES, STAFF_ROLES, CoordinatorFaculty, Role, User, utcnow

__all__ = [
    "AnswerTally",
    "ItemTally",
    "QuizTally",
    "RatioTally",
    "StudentSummary",
    "ROLES",
    "STAFF_ROLES",
    "Attempt",
    "AttemptAnswer",
    "Attestation",
    "AuditEvent",
    "ContentSync",
    "CoordinatorFaculty",
    "ModuleDayTotal",
    "ModuleProgress",
    "ModuleRecord",
    "ModuleTranslation",
    "QuizRecord",
    "QuizVersion",
    "Role",
    "User",
    "utcnow",
]
from cyberaware.models.api_token import ApiToken  # noqa: E402
from cyberaware.models.expert import ExpertFlag  # noqa: E402
from cyberaware.models.totals import ModuleDayTotal  # noqa: E402
