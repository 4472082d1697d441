"""Stock freezes at the intake: which locations a count session holds, and whether an action may pass one.

A location is frozen from the moment a supervisor starts a count session over it until the session is applied or
cancelled. Issues, returns, waste and arrival confirmations made there during the freeze are refused, unless the
device made them before the freeze started (they are accounted for in the reconciliation) or a supervisor who
signed in on the device overrides that one action with a reason. Counts must name a session that is still open.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from . import db
from .audit import record
from .auth import signed_in_on
from .models import (FREEZING_STATUSES, RECEIVED, RESOLVED, Action, AuditEntry, CountSession, Location, User, aware,
                     utcnow)

# The action types a freeze stops: every one that moves stock in or out of the counted shelf by hand.
FROZEN_TYPES = frozenset({"issue", "return", "waste", "transfer_confirm"})
OVERRIDE_REASON_LIMIT = 500


class FreezeRefusal(Exception):
    """Raised with the intake's (code, message); pwa.actions turns it into its own Refusal."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Freeze:
    session_id: str
    started_at: datetime
    location_codes: tuple[str, ...]
    blind: bool

    def as_json(self) -> dict:
        return {"session": self.session_id, "locations": list(self.location_codes),
                "started_at": self.started_at.isoformat(), "blind": self.blind}


def active_freezes(session: Session) -> dict[str, Freeze]:
    """Every frozen location's code → the freeze holding it (one open session per location at most)."""
    sessions = session.scalars(select(CountSession).where(CountSession.status.in_(FREEZING_STATUSES)))
    freezes: dict[str, Freeze] = {}
    for count_session in sessions:
        freeze = Freeze(count_session.id, aware(count_session.started_at),
                        tuple(loc.code for loc in count_session.locations), count_session.blind)
        for code in freeze.location_codes:
            freezes[code] = freeze
    return freezes


def freezes_for(session: Session, user: User) -> list[dict]:
    """The freezes a device of this user must honour offline: those touching the user's locations."""
    scope = {loc.code for loc in user.locations}
    seen: dict[str, Freeze] = {}
    for code, freeze in active_freezes(session).items():
        if code in scope:
            seen[freeze.session_id] = freeze
    return [freeze.as_json() for freeze in sorted(seen.values(), key=lambda f: f.started_at)]


def session_named(action: dict) -> str | None:
    """The count session an action counts for: on the action, else on its first line that names one."""
    if isinstance(action.get("count_session"), str):
        return action["count_session"].strip()
    for line in action.get("lines") or []:
        if isinstance(line, dict) and isinstance(line.get("count_session"), str):
            return line["count_session"].strip()
    return None


def settle_contributions(session: Session, rows: list[dict]) -> None:
    """A counter's count for a session never goes to Odoo by itself: it is settled as soon as it is journaled, and
    the session's reconciled result (an action of its own) is what the sync engine pushes."""
    settled: dict[str, list[str]] = {}
    for row in rows:
        if row["type"] == "count":
            named = session_named(json.loads(row["payload"]))
            if named:
                settled.setdefault(named, []).append(row["id"])
    for session_id, ids in settled.items():
        session.execute(update(Action).where(Action.id.in_(ids), Action.status == RECEIVED).values(
            status=RESOLVED, resolved_by="count session", resolved_at=utcnow(),
            resolution=f"Counted for count session {session_id}; the session's reconciled result goes to Odoo."))


def check_freeze(action: dict, location: Location, created_at: datetime, device_id: str,
                 freezes: dict[str, Freeze], users: dict[str, User | None]) -> None:
    """Raises FreezeRefusal when the freeze at this location stops the action; records a supervisor's override."""
    freeze = freezes.get(location.code)
    if action["type"] == "count":
        named = session_named(action)
        if named is not None and (freeze is None or freeze.session_id != named):
            raise FreezeRefusal("count_session_closed",
                                f"This count belongs to a count session that is not open at {location.name}. "
                                "Ask your supervisor.")
        return
    if freeze is None or action["type"] not in FROZEN_TYPES or created_at < freeze.started_at:
        return
    override = action.get("override")
    if override is None:
        raise FreezeRefusal("location_frozen",
                            f"{location.name} is being counted — ask your supervisor to override.")
    supervisor, reason = _override(override, location, device_id, users)
    _record_override(action, location, freeze, supervisor, reason, device_id)


def _override(override: object, location: Location, device_id: str,
              users: dict[str, User | None]) -> tuple[User, str]:
    if not isinstance(override, dict) or not isinstance(override.get("by"), str) \
            or not isinstance(override.get("reason"), str):
        raise FreezeRefusal("bad_override", 'An override needs {"by": supervisor login, "reason": why}.')
    login, reason = override["by"].strip(), override["reason"].strip()
    if not reason or len(reason) > OVERRIDE_REASON_LIMIT or not reason.isprintable():
        raise FreezeRefusal("bad_override", "An override needs the supervisor's reason, in a sentence.")
    if len(login) > 80:
        raise FreezeRefusal("bad_override", "The supervisor who overrides must be a login.")
    if login not in users:
        users[login] = db.session().scalar(select(User).where(User.login == login))
    supervisor = users[login]
    if supervisor is None or not supervisor.active or not supervisor.has_role("supervisor"):
        raise FreezeRefusal("override_not_allowed", f"{login!r} is not an active supervisor and cannot override.")
    if location.code not in {loc.code for loc in supervisor.locations}:
        raise FreezeRefusal("override_not_allowed", f"{login} may not override at {location.name}.")
    if not signed_in_on(supervisor, device_id):
        raise FreezeRefusal("override_not_allowed",
                            f"{login} must sign in on this device to override the freeze.")
    return supervisor, reason


def _record_override(action: dict, location: Location, freeze: Freeze, supervisor: User, reason: str,
                     device_id: str) -> None:
    """One audit entry per overridden action, however often the device replays it."""
    subject = f"action {action['id'].lower()}"
    already = db.session().scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.event == "freeze_override", AuditEntry.subject == subject))
    if already:
        return
    record("freeze_override", actor=supervisor.login, role=supervisor.roles, device_id=device_id, subject=subject,
           after={"type": action["type"], "location": location.code, "count_session": freeze.session_id,
                  "made_by": action.get("user")},
           reason=reason)
