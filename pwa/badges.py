"""Quick switching on a shared tablet: scan your badge (or type its code), type your PIN.

The badge is not a secret (its label carries `BADGE:<code>`); the PIN is, and it is hashed. Wrong PINs count per
user: after `PIN_ATTEMPTS` the PIN is locked for `PIN_LOCK_MINUTES` (the password still works). Only a tablet an
administrator has enrolled (or that a user signed in on with a password) may get a device token by badge and PIN.
The page switch (`/switch`) changes who is signed in on the page; its script first asks `POST /api/v1/badge-login`
for the device's token, exactly as the password sign-in does, so the new user's actions replay in their name.
"""
from __future__ import annotations

import re
from datetime import timedelta

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request
from flask import session as web_session
from flask_login import current_user, login_user
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from . import db
from .api import bp as api_bp
from .api import json_object
from .audit import record
from .auth import api_error, client_address, issue_token, record_failure, too_many_failures
from .freezes import aware
from .models import Device, User, utcnow
from .signin import safe_next

bp = Blueprint("badges", __name__)

BADGE_PREFIX = "BADGE:"
PIN_PATTERN = re.compile(r"^[0-9]{4,8}$")
BADGE_PATTERN = re.compile(r"^[A-Za-z0-9._@-]{1,80}$")
NOT_ACCEPTED = "Badge or PIN not accepted."


class PinRefusal(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def badge_code(raw: str) -> str:
    """What a badge scan or a typed badge holds, without the label's prefix."""
    text = raw.strip()
    return text[len(BADGE_PREFIX):] if text.upper().startswith(BADGE_PREFIX) else text


def badge_user(session: Session, raw: str) -> User | None:
    """The user a badge names: by its badge code, else by login (the labels print BADGE:<login>)."""
    code = badge_code(raw)
    if not code or len(code) > 80:
        return None
    users = list(session.scalars(select(User).where(or_(User.badge_code == code, User.login == code))))
    return next((u for u in users if u.badge_code == code), None) or next(iter(users), None)


def valid_pin(pin: str) -> bool:
    return bool(PIN_PATTERN.match(pin))


def set_pin(user: User, pin: str) -> None:
    if not valid_pin(pin):
        raise ValueError("A PIN is 4 to 8 digits.")
    user.pin_hash = generate_password_hash(pin)
    user.pin_failures, user.pin_locked_until = 0, None


def check_pin(session: Session, user: User | None, pin: str, device_id: str | None = None) -> User:
    """The user if the PIN is theirs; otherwise counts the failure (and may lock the PIN) and raises PinRefusal.
    Commits what it counts, so a refused attempt is never forgotten."""
    config = current_app.config
    now = utcnow()
    if user is None or not user.active or not user.pin_hash:
        raise PinRefusal("bad_pin", NOT_ACCEPTED)
    locked = aware(user.pin_locked_until) if user.pin_locked_until else None
    if locked and locked > now:
        minutes = max(1, int((locked - now).total_seconds() // 60) + 1)
        raise PinRefusal("pin_locked", f"Too many wrong PINs: sign in with your password, or try again in "
                                       f"{minutes} min.")
    if not check_password_hash(user.pin_hash, pin):
        user.pin_failures = (user.pin_failures or 0) + 1
        if user.pin_failures >= config.get("PIN_ATTEMPTS", 5):
            user.pin_locked_until = now + timedelta(minutes=config.get("PIN_LOCK_MINUTES", 15))
            user.pin_failures = 0
            record("pin_locked", actor=user.login, role=user.roles, device_id=device_id, subject=f"user {user.login}",
                   reason="Too many wrong PINs")
            session.commit()
            raise PinRefusal("pin_locked", "Too many wrong PINs: the PIN is locked. Sign in with your password.")
        session.commit()
        raise PinRefusal("bad_pin", NOT_ACCEPTED)
    user.pin_failures, user.pin_locked_until = 0, None
    return user


# The page

@bp.route("/switch", methods=["GET", "POST"])
def switch():
    session = db.session()
    status = 200
    badge = request.values.get("badge", "")[:100]
    if request.method == "POST":
        client = client_address()
        pin = request.form.get("pin", "")[:20]
        if too_many_failures(client):
            flash("Too many failed sign-ins. Wait a few minutes and try again.", "error")
            status = 429
        else:
            try:
                user = check_pin(session, badge_user(session, badge), pin)
            except PinRefusal as refusal:
                record_failure(client, badge_code(badge)[:80])
                flash(refusal.message, "error")
                status = 429 if refusal.code == "pin_locked" else 401
            else:
                previous = current_user.login if current_user.is_authenticated else None
                record("badge_switch", actor=user.login, role=user.roles, subject="pages",
                       before={"user": previous}, after={"user": user.login})
                session.commit()
                web_session.clear()
                login_user(user)
                return redirect(safe_next(request.form.get("next")))
    return render_template("badges/switch.html", badge=badge_code(badge),
                           next=request.values.get("next", "")), status


# The API: a device token by badge and PIN, on an enrolled tablet

@api_bp.post("/badge-login")
def badge_login():
    body = json_object('{"badge", "pin", "device_id"}')
    client = client_address()
    if too_many_failures(client):
        return api_error(429, "too_many_attempts", "Too many failed sign-ins. Wait a few minutes and try again.")
    badge, pin, device_id = body.get("badge"), body.get("pin"), body.get("device_id")
    if not all(isinstance(v, str) and v and len(v) <= 100 and v.isprintable() for v in (badge, pin, device_id)):
        return api_error(400, "bad_shape", 'Send {"badge", "pin", "device_id"} as non-empty texts.')
    session = db.session()
    device = session.get(Device, device_id)
    if device is None:
        return api_error(401, "device_not_enrolled", "Sign in with your password once on this tablet first.")
    if device.revoked_at is not None:
        return api_error(401, "device_revoked", "This device was revoked by an administrator.")
    try:
        user = check_pin(session, badge_user(session, badge), pin, device_id)
    except PinRefusal as refusal:
        record_failure(client, badge_code(badge)[:80])
        return api_error(429 if refusal.code == "pin_locked" else 401, refusal.code, refusal.message)
    token = issue_token(user, device_id)
    record("login", actor=user.login, role=user.roles, device_id=device_id, subject="api badge")
    session.commit()
    return jsonify({"token": token, "user": {"login": user.login, "roles": user.role_list,
                                             "locations": [loc.code for loc in user.locations]}})
