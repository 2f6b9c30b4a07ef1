"""Writing the audit log (read by admins at /admin/audit)."""

from __future__ import annotations

from typing import Any

from cyberaware.extensions import db
from cyberaware.models import AuditEvent, User


def record(actor: User | None, action: str, rows: int | None = None, **details: Any) -> AuditEvent:
    """Add an audit event to the session (committed with the change it describes).

    ``details`` must never hold secrets (tokens, passwords) or more personal data than needed:
    filters, a file name, counts.
    """
    event = AuditEvent(actor_id=actor.id if actor else None, actor_label=actor.email if actor else "cli",
                       action=action, rows=rows, details=details)
    db.session.add(event)
    return event
