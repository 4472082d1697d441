"""Every page and API route × every role (and nobody signed in), by direct HTTP: allowed roles get past the role
check, the others get 403 (pages: the "Not allowed" page; API: JSON), nobody is sent to sign in (pages) or gets
401 (API). Then the intake's matrix: which role may record which action type."""
from __future__ import annotations

import pytest
from flask import url_for

from tests.conftest import Api, csrf_token, new_action, sign_in
from tests.security.access import (API, MAY_RECORD, NAME_ARGS, PAGES, PUBLIC, ROLES, SAMPLE_ARGS, SIGNED_IN, TOKEN)

LOGIN_OF = {"requester": "nurse", "receiver": "receiver", "counter": "counter", "supervisor": "supervisor",
            "admin": "admin"}
# Routes whose side effects would spoil the rest of the run; each has its own tests.
SKIPPED_POSTS = {"auth.logout", "badges.switch", "api.login", "api.badge_login"}


def routes(app, table: dict) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every route of the app that the table covers."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint not in table:
                continue
            args = {name: NAME_ARGS.get(rule.endpoint, {}).get(name, SAMPLE_ARGS[name]) for name in rule.arguments}
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, url_for(rule.endpoint, **args)))
    return found


def allowed(rule: str | frozenset, role: str | None) -> bool:
    if rule == PUBLIC:
        return True
    if role is None:
        return False
    return rule in (SIGNED_IN, TOKEN) or role in rule


def test_every_route_is_in_the_access_table(app):
    unknown = sorted({rule.endpoint for rule in app.url_map.iter_rules()} - set(PAGES) - set(API))
    assert unknown == [], f"add these routes to tests/security/access.py with the roles that may use them: {unknown}"


@pytest.mark.parametrize("role", ROLES + (None,), ids=list(ROLES) + ["nobody"])
def test_pages_by_role(app, role):
    client = app.test_client()
    if role:
        assert sign_in(client, LOGIN_OF[role]).status_code == 302
        token = csrf_token(client, "/")
    else:
        token = csrf_token(client, "/login")
    problems = []
    for endpoint, method, url in routes(app, PAGES):
        if method == "POST" and endpoint in SKIPPED_POSTS:
            continue
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        rule = PAGES[endpoint]
        to_login = response.status_code == 302 and "/login" in response.headers.get("Location", "")
        if allowed(rule, role):
            ok = response.status_code != 403 and not to_login and response.status_code < 500
        elif role is None:
            ok = to_login
        else:
            ok = response.status_code == 403 and "Not allowed" in response.get_data(as_text=True)
        if not ok:
            problems.append((method, url, response.status_code))
    assert problems == [], f"{role or 'nobody'}: {problems}"


@pytest.mark.parametrize("role", ROLES + (None,), ids=list(ROLES) + ["nobody"])
def test_api_by_role(client, role):
    headers = Api(client, f"matrix-{role}").login(LOGIN_OF[role]).headers if role else {}
    problems = []
    for endpoint, method, url in routes(client.application, API):
        if endpoint in SKIPPED_POSTS:
            continue
        if method == "GET":
            response = client.get(url, headers=headers)
        else:
            response = client.post(url, json={}, headers=headers)
        body = response.get_json(silent=True)
        rule = API[endpoint]
        if allowed(rule, role):
            ok = response.status_code not in (401, 403) and response.status_code < 500
        elif role is None:
            ok = response.status_code == 401 and body["error"]["code"] == "unauthorized"
        else:
            ok = response.status_code == 403 and body["error"]["code"] in ("forbidden", "location_not_allowed")
        if not ok:
            problems.append((method, url, response.status_code))
    assert problems == [], f"{role or 'nobody'}: {problems}"


@pytest.mark.parametrize("role", ROLES)
def test_intake_refuses_action_types_outside_the_role(client, role):
    """A requester cannot receive, a counter cannot issue, an administrator records nothing."""
    device = Api(client, f"intake-{role}").login(LOGIN_OF[role])
    location = "WARD-4B"
    kinds = ("requisition", "transfer_confirm", "receive", "issue", "return", "waste", "count")
    actions = [new_action(kind, location=location, lines=[{"product": "GLV-N-M", "qty": 1, "reason": "expired"}])
               for kind in kinds]
    results = device.results(*actions)
    for kind, result in zip(kinds, results):
        if kind in MAY_RECORD[role]:
            assert result["status"] == "accepted", (role, kind, result)
        else:
            assert result["status"] == "rejected" and result["reason"] in ("role_not_allowed",
                                                                           "location_not_allowed"), (role, kind)
    if role != "admin":
        assert {r["reason"] for k, r in zip(kinds, results) if k not in MAY_RECORD[role]} <= {"role_not_allowed"}
