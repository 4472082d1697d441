"""Who is asking: passwords, page sessions (flask-login), device tokens, login throttling and the one role check."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import wraps
from typing import Callable

from flask import current_app, g, jsonify, redirect, request, session as web_session, url_for, abort
from flask_login import LoginManager, current_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from . import db
from .audit import record
from .models import ApiToken, Device, LoginFailure, User, aware, utcnow

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."

# A real hash to compare against when the login is unknown, so timing does not tell which logins exist.
_UNKNOWN_USER_HASH = generate_password_hash("not-a-password")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = db.session().get(User, int(user_id))
    return user if user is not None and user.active else None


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def authenticate(login: str, password: str) -> User | None:
    user = db.session().scalar(select(User).where(User.login == login))
    if user is None:
        check_password_hash(_UNKNOWN_USER_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def client_address() -> str:
    return request.remote_addr or "unknown"


def too_many_failures(client: str) -> bool:
    window = timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    since = utcnow() - window
    failures = db.session().scalar(
        select(func.count()).select_from(LoginFailure).where(LoginFailure.client == client, LoginFailure.at > since))
    return failures >= current_app.config["LOGIN_FAILURES_ALLOWED"]


def record_failure(client: str, login: str | None) -> None:
    db.session().add(LoginFailure(client=client, login=(login or "")[:80]))
    db.session().commit()


def issue_token(user: User, device_id: str) -> str:
    """A new bearer token for this user on this device; the device is enrolled on first sign-in."""
    session = db.session()
    device = session.get(Device, device_id)
    if device is None:
        device = Device(id=device_id)
        session.add(device)
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=token_digest(token), user=user, device=device,
                         expires_at=utcnow() + timedelta(days=current_app.config["TOKEN_DAYS"])))
    device.last_seen_at = utcnow()
    return token


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_from_request() -> ApiToken | None:
    """The live token named by the Authorization header, or None if it is missing, unknown, expired or revoked."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    found = db.session().scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token.strip())))
    if found is None or found.revoked_at is not None or aware(found.expires_at) < utcnow():
        return None
    if not found.user.active or found.device.revoked_at is not None:
        return None
    return found


def signed_in_on(user: User, device_id: str) -> bool:
    """Whether this user has ever signed in on this device: only then may the device send actions in their name."""
    return db.session().scalar(
        select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id,
                                                          ApiToken.device_id == device_id)) > 0


def current_actor() -> User | None:
    """The user behind this request: the API token's user, else the signed-in page user."""
    if "api_token" in g:
        return g.api_token.user
    return current_user if current_user.is_authenticated else None


def api_error(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def require_token(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        token = token_from_request()
        if token is None:
            return api_error(401, "unauthorized",
                             "Sign in again: this device's sign-in is missing, expired or was revoked.")
        g.api_token = token
        return view(*args, **kwargs)
    return wrapper


def roles_required(*roles: str) -> Callable:
    """The one role check, for pages and API alike: 401/login when nobody is signed in, 403 when the role is wrong."""
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            actor = current_actor()
            api = request.blueprint == "api"
            if actor is None:
                if api:
                    return api_error(401, "unauthorized", "Sign in first.")
                if request.headers.get("HX-Request"):
                    # A fragment request from an open screen: answering with the sign-in page would swap it into
                    # the screen; a 401 lets the device answer from its own catalog and keep the lines.
                    return "Signed out: sign in again.", 401, {"Vary": "HX-Request"}
                return redirect(url_for("auth.login", next=request.full_path))
            if roles and not actor.has_role(*roles):
                if api:
                    return api_error(403, "forbidden", "Your role does not allow this.")
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorator


def enforce_idle_timeout() -> None:
    """Shared tablets: a page session idle for longer than the limit is signed out."""
    if request.blueprint == "api" or request.endpoint == "static" or not current_user.is_authenticated:
        return
    now = utcnow().timestamp()
    limit = current_app.config["IDLE_TIMEOUT_MINUTES"] * 60
    last_seen = web_session.get("last_seen")
    if last_seen is not None and now - last_seen > limit:
        record("idle_lock", actor=current_user.login, role=current_user.roles)
        db.session().commit()
        logout_user()
        web_session.clear()
        web_session["idle_locked"] = True
        return
    web_session["last_seen"] = now
