"""API v1 (JSON): device sign-in, the action batch intake, action state, and the catalog delta."""
from __future__ import annotations

import json

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from . import db
from .actions import intake
from .audit import record
from .auth import (api_error, authenticate, client_address, issue_token, record_failure, require_token,
                   roles_required, too_many_failures)
from .catalog import catalog_page, parse_cursor
from .freezes import freezes_for
from .models import Action, Device

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class ApiError(Exception):
    """A whole-request error, answered as {"error": {"code", "message"}}."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@bp.errorhandler(ApiError)
def api_error_response(error: ApiError):
    return api_error(error.status, error.code, error.message)


def json_object(shape_hint: str) -> dict:
    """The request body as a JSON object, else a 400 that says what to send."""
    try:
        body = json.loads(request.get_data(cache=False))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(400, "malformed_json", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_shape", f"Send {shape_hint}.")
    return body


def http_error(error: HTTPException):
    """Errors raised before or around a view (unknown route, wrong method, body too large) as API JSON."""
    if error.code == 413:
        return api_error_response(too_large())
    codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 429: "too_many_attempts"}
    return api_error(error.code or 500, codes.get(error.code, "http_error"), error.description or error.name)


def too_large() -> ApiError:
    config = current_app.config
    return ApiError(413, "too_large", f"The request is too large: send at most {config['MAX_BATCH_ACTIONS']} "
                                      f"actions or {config['MAX_CONTENT_LENGTH'] // (1024 * 1024)} MB per batch.")


@bp.post("/login")
def login():
    body = json_object('{"login", "password", "device_id"}')
    client = client_address()
    if too_many_failures(client):
        return api_error(429, "too_many_attempts", "Too many failed sign-ins. Wait a few minutes and try again.")
    login_name, password, device_id = body.get("login"), body.get("password"), body.get("device_id")
    if not all(isinstance(v, str) and v and len(v) <= 200 and v.isprintable()
               for v in (login_name, password, device_id)) or len(device_id) > 100:
        return api_error(400, "bad_shape", 'Send {"login", "password", "device_id"} as non-empty texts.')
    user = authenticate(login_name, password)
    if user is None:
        record_failure(client, login_name)
        return api_error(401, "bad_credentials", "Wrong login or password.")
    device = db.session().get(Device, device_id)
    if device is not None and device.revoked_at is not None:
        return api_error(401, "device_revoked", "This device was revoked by an administrator.")
    token = issue_token(user, device_id)
    record("login", actor=user.login, role=user.roles, device_id=device_id, subject="api")
    db.session().commit()
    return jsonify({"token": token, "user": {"login": user.login, "roles": user.role_list,
                                             "locations": [loc.code for loc in user.locations]}})


@bp.post("/actions")
@require_token
def post_actions():
    body = json_object('{"actions": [ ... ]}')
    actions = body.get("actions")
    if not isinstance(actions, list):
        return api_error(400, "bad_shape", 'Send {"actions": [ ... ]}: "actions" must be a list.')
    if len(actions) > current_app.config["MAX_BATCH_ACTIONS"]:
        raise too_large()
    outcomes = intake(actions, g.api_token)
    return jsonify({"results": [outcome.as_json() for outcome in outcomes]})


@bp.get("/actions/<action_id>")
@require_token
def get_action(action_id: str):
    action = db.session().scalar(select(Action).where(Action.id == action_id.lower()[:36]))
    user = g.api_token.user
    # Someone outside the location is told the same as for an unknown id: no hint that it exists.
    if action is None or action.location_code not in {loc.code for loc in user.locations}:
        return api_error(404, "not_found", "No action with this id.")
    return jsonify({"id": action.id, "type": action.type, "status": action.status, "attempts": action.attempts,
                    "last_error": action.last_error, "odoo": action.odoo_refs or {},
                    "next_attempt_at": action.next_attempt_at.isoformat() if action.next_attempt_at else None})


@bp.get("/catalog")
@require_token
@roles_required()
def get_catalog():
    try:
        since = parse_cursor(request.args.get("since"))
        limit = int(request.args.get("limit", 5000))
        if not 0 < limit <= 10000:
            raise ValueError
    except ValueError:
        return api_error(400, "bad_cursor", "The catalog cursor or page size is not one this server gave out.")
    page = catalog_page(db.session(), g.api_token.user, since, limit)
    # Always the whole list, not a delta: a device replaces its freezes with these and refuses offline.
    page["freezes"] = freezes_for(db.session(), g.api_token.user)
    return jsonify(page)


# The count-session routes (pwa/counts.py) are part of API v1: imported last, as they build on this module.
from . import counts  # noqa: E402,F401
