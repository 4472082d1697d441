"""Devices: the tablets and handhelds that hold device tokens. Enrol one by its id (or let the first sign-in do it),
name it, revoke it (every token refused at once) or reinstate it; see what it still has to send.

A revoked device's outbox is never applied silently: what it tries to send after the revocation is refused and
kept as rejections (`device_revoked`), so the supervisor's exception queue and this page show it.
"""
from __future__ import annotations

import json

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import db
from ..api import bp as api_bp
from ..audit import record
from ..auth import roles_required, token_digest
from ..generated import SERVER_DEVICE
from ..models import (NEEDS_ATTENTION, OPEN_STATUSES, Action, ApiToken, AuditEntry, Device, Rejection, User,
                      utcnow)
from . import bp

REVOKED_REASON = "device_revoked"
REVOKED_MESSAGE = "This device was revoked by an administrator; what it sends is not recorded."
DEVICE_ID_LIMIT = 100


# What a revoked device still tries to send

@api_bp.before_request
def report_revoked_outbox():
    """A revoked device replaying its outbox: keep what it sent as rejections, then let the 401 answer it."""
    if request.method != "POST" or request.endpoint != "api.post_actions":
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    session = db.session()
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token.strip())))
    if found is None or found.device.revoked_at is None:
        return None
    try:
        actions = json.loads(request.get_data(cache=True)).get("actions")
    except (ValueError, UnicodeDecodeError, AttributeError, RecursionError):
        return None
    if not isinstance(actions, list):
        return None
    known = set(session.scalars(select(Rejection.action_id).where(Rejection.device_id == found.device_id,
                                                                  Rejection.reason == REVOKED_REASON)))
    for action in actions[: current_app.config["MAX_BATCH_ACTIONS"]]:
        if not isinstance(action, dict):
            continue
        action_id = str(action.get("id", ""))[:100] or None
        if action_id in known:
            continue
        known.add(action_id)
        session.add(Rejection(action_id=action_id, reason=REVOKED_REASON, message=REVOKED_MESSAGE,
                              user_id=found.user_id, device_id=found.device_id,
                              payload=json.dumps(action, sort_keys=True, separators=(",", ":"))[:20000]))
    session.commit()
    return None


# Reading

def unsent_actions(session: Session, device_id: str, limit: int = 200) -> list[Action]:
    """Actions from this device the server has but Odoo does not (yet): waiting, retrying or stuck."""
    return list(session.scalars(select(Action).where(Action.device_id == device_id,
                                                     Action.status.in_(OPEN_STATUSES + (NEEDS_ATTENTION,)))
                                .order_by(Action.created_at).limit(limit)))


def refused_after_revocation(session: Session, device_id: str) -> list[Rejection]:
    return list(session.scalars(select(Rejection).where(Rejection.device_id == device_id,
                                                        Rejection.reason == REVOKED_REASON)
                                .order_by(Rejection.at)))


def device_rows(session: Session) -> list[dict]:
    devices = list(session.scalars(select(Device).where(Device.id != SERVER_DEVICE)
                                   .order_by(Device.revoked_at.is_not(None), Device.last_seen_at.desc().nulls_last())))
    unsent = dict(session.execute(select(Action.device_id, func.count()).where(
        Action.status.in_(OPEN_STATUSES + (NEEDS_ATTENTION,))).group_by(Action.device_id)).all())
    refused = dict(session.execute(select(Rejection.device_id, func.count()).where(
        Rejection.reason == REVOKED_REASON).group_by(Rejection.device_id)).all())
    users: dict[str, set[str]] = {}
    for device_id, login in session.execute(select(ApiToken.device_id, User.login).join(ApiToken.user).distinct()):
        users.setdefault(device_id, set()).add(login)
    return [{"device": device, "unsent": unsent.get(device.id, 0), "refused": refused.get(device.id, 0),
             "users": sorted(users.get(device.id, ()))} for device in devices]


def odoo_status() -> dict:
    """Whether Odoo is configured (its address only: never a credential) and the last check this journal knows."""
    settings = current_app.config.get("ODOO")
    last = db.session().scalar(select(AuditEntry).where(AuditEntry.event == "odoo_check")
                               .order_by(AuditEntry.id.desc()).limit(1))
    return {"configured": settings is not None, "url": settings.url if settings else None, "last_check": last}


# Pages

@bp.get("/devices")
@roles_required("admin")
def devices():
    return render_template("admin/devices.html", rows=device_rows(db.session()), odoo=odoo_status())


@bp.post("/devices")
@roles_required("admin")
def enrol_device():
    session = db.session()
    device_id = request.form.get("device_id", "").strip()
    name = request.form.get("name", "").strip()[:200] or None
    if not device_id or len(device_id) > DEVICE_ID_LIMIT or not device_id.isprintable() or device_id == SERVER_DEVICE:
        flash("A device id is a short text (the id the tablet shows on its outbox screen).", "error")
    elif session.get(Device, device_id) is not None:
        flash(f"{device_id} is already enrolled.", "error")
    else:
        session.add(Device(id=device_id, name=name))
        record("device_enrolled", actor=current_user.login, role=current_user.roles, subject=f"device {device_id}",
               after={"name": name})
        session.commit()
        flash(f"{device_id} is enrolled: users can sign in on it.", "info")
    return redirect(url_for("admin.devices"))


def _device(session: Session, device_id: str) -> Device:
    device = session.get(Device, device_id)
    if device is None or device.id == SERVER_DEVICE:
        abort(404)
    return device


@bp.get("/devices/<device_id>")
@roles_required("admin")
def device(device_id: str):
    session = db.session()
    found = _device(session, device_id)
    tokens = list(session.scalars(select(ApiToken).where(ApiToken.device_id == found.id)
                                  .order_by(ApiToken.created_at.desc()).limit(50)))
    refused = [(rejection, _payload(rejection.payload)) for rejection in refused_after_revocation(session, found.id)]
    return render_template("admin/device.html", device=found, tokens=tokens, now=utcnow(),
                           unsent=unsent_actions(session, found.id), refused=refused)


def _payload(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@bp.post("/devices/<device_id>/name")
@roles_required("admin")
def name_device(device_id: str):
    session = db.session()
    found = _device(session, device_id)
    before = found.name
    found.name = request.form.get("name", "").strip()[:200] or None
    record("device_named", actor=current_user.login, role=current_user.roles, subject=f"device {found.id}",
           before={"name": before}, after={"name": found.name})
    session.commit()
    return redirect(url_for("admin.device", device_id=found.id))


@bp.post("/devices/<device_id>/revoke")
@roles_required("admin")
def revoke_device(device_id: str):
    """Every token of the device is refused from the next request; what it still sends is kept, not applied."""
    session = db.session()
    found = _device(session, device_id)
    reason = request.form.get("reason", "").strip()[:500]
    if not reason:
        flash("Say why the device is revoked (lost, stolen, replaced…).", "error")
        return redirect(url_for("admin.device", device_id=found.id))
    if found.revoked_at is None:
        now = utcnow()
        found.revoked_at, found.revoked_by = now, current_user.login
        tokens = list(session.scalars(select(ApiToken).where(ApiToken.device_id == found.id,
                                                             ApiToken.revoked_at.is_(None))))
        for token in tokens:
            token.revoked_at = now
        waiting = len(unsent_actions(session, found.id))
        record("device_revoked", actor=current_user.login, role=current_user.roles, subject=f"device {found.id}",
               before={"revoked": False}, after={"revoked": True, "tokens_revoked": len(tokens),
                                                 "actions_not_in_odoo": waiting}, reason=reason)
        session.commit()
        flash(f"{found.name or found.id} is revoked: its {len(tokens)} sign-in(s) are refused from now on.", "info")
    return redirect(url_for("admin.device", device_id=found.id))


@bp.post("/devices/<device_id>/reinstate")
@roles_required("admin")
def reinstate_device(device_id: str):
    """The device may be signed in on again; its old sign-ins stay revoked."""
    session = db.session()
    found = _device(session, device_id)
    if found.revoked_at is not None:
        before = {"revoked_at": found.revoked_at.isoformat(), "revoked_by": found.revoked_by}
        found.revoked_at, found.revoked_by = None, None
        record("device_reinstated", actor=current_user.login, role=current_user.roles, subject=f"device {found.id}",
               before=before, after={"revoked": False}, reason=request.form.get("reason", "").strip()[:500] or None)
        session.commit()
        flash("Reinstated: users sign in on it again with their password.", "info")
    return redirect(url_for("admin.device", device_id=found.id))

