"""The audit log: who did what to whom, with the reason, for every administrative and supervisory decision."""
from __future__ import annotations

from . import db
from .models import AuditEntry


def record(event: str, *, actor: str | None = None, role: str | None = None, device_id: str | None = None,
           subject: str | None = None, before: dict | None = None, after: dict | None = None,
           reason: str | None = None) -> AuditEntry:
    """Adds an entry to the current transaction; it is kept only if the decision itself is committed."""
    entry = AuditEntry(event=event, actor=actor, role=role, device_id=device_id, subject=subject,
                       before=before, after=after, reason=reason)
    db.session().add(entry)
    return entry
