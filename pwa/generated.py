"""Actions the server makes on a supervisor's decision (a count session's result, a correction from the queue).

They are journaled exactly like a device's: same contract, same line resolution, attributed to the supervisor
who decided, on the server's own device entry, so the sync engine pushes them like any other action.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from .actions import ACTION_TYPES, Refusal, canonical_json, load_catalog, payload_hash, resolve_line
from .models import RECEIVED, Action, Device, User, utcnow

SERVER_DEVICE = "server"


def server_device(session: Session) -> Device:
    device = session.get(Device, SERVER_DEVICE)
    if device is None:
        device = Device(id=SERVER_DEVICE, name="Ward Supply server (supervisors' decisions)")
        session.add(device)
        session.flush()
    return device


def new_action(type_: str, location: str, lines: list[dict], user: User, **fields) -> dict:
    """The contract's JSON for an action made now by the server in `user`'s name."""
    now = utcnow()
    return {"id": str(uuid.uuid4()), "type": type_, "created_at": now.isoformat(), "device_id": SERVER_DEVICE,
            "location": location, "user": user.login, "lines": lines, **fields}


def journal(session: Session, action: dict, user: User) -> Action:
    """Adds the action to the journal (in the caller's transaction); raises Refusal when a line cannot resolve."""
    server_device(session)
    kind = ACTION_TYPES[action["type"]]
    catalog = load_catalog(session, [action])
    resolved = [resolve_line(line, number, kind, catalog) for number, line in enumerate(action["lines"], start=1)]
    if not resolved:
        raise Refusal("bad_shape", "The action has no lines.")
    canonical = canonical_json(action)
    row = Action(id=action["id"], type=action["type"], payload=canonical, payload_hash=payload_hash(canonical),
                 lines=resolved, user_id=user.id, device_id=SERVER_DEVICE, location_code=action["location"],
                 encounter=action.get("encounter"),
                 created_at=datetime.fromisoformat(action["created_at"]), received_at=utcnow(), status=RECEIVED,
                 attempts=0, odoo_refs={})
    session.add(row)
    return row
