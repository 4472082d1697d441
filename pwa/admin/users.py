"""Users: create, change roles and locations, disable or enable, set a badge code and PIN, print the badge."""
from __future__ import annotations

import base64
import re
from io import BytesIO

import qrcode
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import db
from ..audit import record
from ..auth import hash_password, roles_required
from ..badges import BADGE_PATTERN, BADGE_PREFIX, set_pin, valid_pin
from ..models import ROLES, ApiToken, Location, User, utcnow
from . import bp

LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
ROLE_WORDS = {"requester": "Requester (ward)", "receiver": "Receiver (store)", "counter": "Counter",
              "supervisor": "Supervisor", "admin": "Administrator"}


class FormError(Exception):
    pass


def _user(session: Session, login: str) -> User:
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        abort(404)
    return user


def _locations(session: Session) -> list[Location]:
    """Where people act: the store and the departments (consumption and scrap are where stock goes, not places)."""
    places = session.scalars(select(Location).where(Location.active.is_(True),
                                                    Location.kind.in_(("store", "department"))))
    return sorted(places, key=lambda loc: (loc.kind != "store", loc.name))


def _snapshot(user: User) -> dict:
    return {"roles": user.role_list, "locations": [loc.code for loc in user.locations], "active": user.active,
            "badge": user.badge_code, "pin": bool(user.pin_hash)}


def _apply_form(session: Session, user: User, form, creating: bool) -> list[str]:
    """Reads roles, locations, badge, PIN and password from the form into the user; returns what changed."""
    roles = [role for role in ROLES if role in form.getlist("role")]
    if not roles:
        raise FormError("Give the user at least one role.")
    codes = form.getlist("location")
    found = {loc.code: loc for loc in _locations(session) if loc.code in codes}
    if set(codes) - set(found):
        raise FormError("Choose locations from the list.")
    if any(role in roles for role in ("requester", "receiver", "counter", "supervisor")) and not found:
        raise FormError("A user who records or decides needs at least one location.")
    badge = form.get("badge", "").strip()
    if badge.upper().startswith(BADGE_PREFIX):
        badge = badge[len(BADGE_PREFIX):]
    if badge and not BADGE_PATTERN.match(badge):
        raise FormError("A badge code is letters, digits and . _ @ - only.")
    if badge and session.scalar(select(User).where(User.badge_code == badge, User.id != (user.id or 0))):
        raise FormError(f"Another user already has the badge {badge}.")
    pin = form.get("pin", "").strip()
    if pin and not valid_pin(pin):
        raise FormError("A PIN is 4 to 8 digits.")
    password = form.get("password", "")
    if (creating or password) and len(password) < 8:
        raise FormError("The password must have at least 8 characters.")
    if user.id is not None and user.id == current_user.id and "admin" not in roles:
        raise FormError("You cannot take the administrator role from yourself.")
    changed = []
    if roles != user.role_list:
        user.roles = " ".join(roles)
        changed.append("roles")
    if sorted(found) != [loc.code for loc in user.locations]:
        user.locations = [found[code] for code in sorted(found)]
        changed.append("locations")
    if (badge or None) != user.badge_code:
        user.badge_code = badge or None
        changed.append("badge")
    if pin:
        set_pin(user, pin)
        changed.append("pin")
    elif form.get("clear_pin") and user.pin_hash:
        user.pin_hash, user.pin_failures, user.pin_locked_until = None, 0, None
        changed.append("pin cleared")
    if form.get("unlock_pin") and user.pin_locked_until:
        user.pin_failures, user.pin_locked_until = 0, None
        changed.append("pin unlocked")
    if password:
        user.password_hash = hash_password(password)
        changed.append("password")
    return changed


@bp.get("/")
@roles_required("admin")
def index():
    return redirect(url_for("admin.users"))


@bp.get("/users")
@roles_required("admin")
def users():
    session = db.session()
    everyone = list(session.scalars(select(User).order_by(User.active.desc(), User.login)))
    return render_template("admin/users.html", users=everyone, now=utcnow(), role_words=ROLE_WORDS)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def new_user():
    session = db.session()
    error = None
    if request.method == "POST":
        login = request.form.get("login", "").strip().lower()
        user = User(login=login, password_hash="", roles="", active=True)
        try:
            if not LOGIN_PATTERN.match(login):
                raise FormError("A login is 2 to 80 lowercase letters, digits and . _ -, starting with a letter or "
                                "digit.")
            if session.scalar(select(User).where(User.login == login)):
                raise FormError(f"A user {login!r} already exists.")
            _apply_form(session, user, request.form, creating=True)
        except FormError as problem:
            session.rollback()
            error = str(problem)
        else:
            session.add(user)
            record("user_created", actor=current_user.login, role=current_user.roles, subject=f"user {login}",
                   after=_snapshot(user))
            session.commit()
            flash(f"{login} can now sign in.", "info")
            return redirect(url_for("admin.edit_user", login=login))
    return render_template("admin/user_form.html", user=None, error=error, form=request.form,
                           locations=_locations(session), roles=ROLES, role_words=ROLE_WORDS), 400 if error else 200


@bp.route("/users/<login>", methods=["GET", "POST"])
@roles_required("admin")
def edit_user(login: str):
    session = db.session()
    user = _user(session, login)
    error = None
    if request.method == "POST":
        before = _snapshot(user)
        try:
            changed = _apply_form(session, user, request.form, creating=False)
        except FormError as problem:
            session.rollback()
            error = str(problem)
            user = _user(session, login)
        else:
            if changed:
                record("user_updated", actor=current_user.login, role=current_user.roles, subject=f"user {login}",
                       before=before, after={**_snapshot(user), "changed": changed})
                session.commit()
                flash(f"Saved: {', '.join(changed)}.", "info")
            else:
                flash("Nothing changed.", "info")
            return redirect(url_for("admin.edit_user", login=login))
    tokens = list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                  .order_by(ApiToken.created_at.desc()).limit(20)))
    return render_template("admin/user_form.html", user=user, error=error, form=request.form,
                           locations=_locations(session), roles=ROLES, role_words=ROLE_WORDS, tokens=tokens,
                           now=utcnow()), 400 if error else 200


@bp.post("/users/<login>/active")
@roles_required("admin")
def set_active(login: str):
    """Disable (pages and every device token refused from the next request) or enable again."""
    session = db.session()
    user = _user(session, login)
    enable = request.form.get("active") == "yes"
    reason = request.form.get("reason", "").strip()[:500]
    if user.id == current_user.id and not enable:
        flash("You cannot disable yourself.", "error")
    elif not enable and not reason:
        flash("Say why the user is disabled.", "error")
    elif user.active != enable:
        user.active = enable
        record("user_enabled" if enable else "user_disabled", actor=current_user.login, role=current_user.roles,
               subject=f"user {login}", before={"active": not enable}, after={"active": enable}, reason=reason or None)
        session.commit()
        flash(f"{login} is {'enabled' if enable else 'disabled: every page and device token is refused'}.", "info")
    return redirect(url_for("admin.edit_user", login=login))


def badge_qr(content: str) -> str:
    image = qrcode.make(content, box_size=8, border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    buffer = BytesIO()
    image.get_image().convert("L").save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@bp.get("/users/<login>/badge")
@roles_required("admin")
def badge(login: str):
    """A printable badge: the QR code holds BADGE:<code>, never the PIN or the password."""
    user = _user(db.session(), login)
    code = user.badge_code or user.login
    return render_template("admin/badge.html", user=user, code=code, qr=badge_qr(BADGE_PREFIX + code),
                           role_words=ROLE_WORDS)
