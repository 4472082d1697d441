"""The security baseline over the whole app: CSRF on every form, throttled sign-in (password, API and badge), idle
sign-out, disabled users and revoked devices refused at once, security headers on every response, and no Odoo
credential in any page, API answer or file a device loads."""
import re

import pytest
from flask import url_for

from pwa.config import OdooSettings
from tests.conftest import Api, csrf_token, new_action, sign_in
from tests.security.access import API, PAGES, SAMPLE_ARGS
from tests.security.test_route_matrix import LOGIN_OF, routes
from tests.supervisor.helpers import page_client, post_form

ODOO = OdooSettings("https://odoo.hospital.example", "hospital-prod-db", "ws-integration-user",
                    "Odoo-S3cret-Passw0rd-42")


def page_posts(app) -> list[tuple[str, str]]:
    return [(endpoint, url) for endpoint, method, url in routes(app, PAGES) if method == "POST"]


@pytest.mark.parametrize("login", ["supervisor", "admin", "nurse"])
def test_every_form_post_without_its_csrf_token_is_refused(app, login):
    client = page_client(app, login)
    problems = []
    for endpoint, url in page_posts(app):
        for headers in ({}, {"HX-Request": "true"}):  # htmx requests need the X-CSRFToken header
            response = client.post(url, data={}, headers=headers)
            if response.status_code != 400:
                problems.append((endpoint, response.status_code))
    assert problems == []
    assert client.get("/").status_code == 200  # still signed in: nothing was done


def test_htmx_requests_carry_the_token_in_a_header(app, nurse):
    client = page_client(app, "supervisor")
    token = csrf_token(client, "/supervisor/exceptions")
    response = client.post(f"/supervisor/exceptions/action/{SAMPLE_ARGS['key']}/retry",
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 404  # past the CSRF check; the action does not exist


def test_a_page_session_cookie_does_not_open_the_api(app):
    client = page_client(app, "supervisor")
    assert client.get("/api/v1/catalog").status_code == 401
    assert client.post("/api/v1/count-sessions", json={"locations": ["ICU"]}).status_code == 401


def test_sign_in_is_throttled_on_the_page_the_api_and_the_badge(app):
    client = app.test_client()
    for _ in range(5):
        assert sign_in(client, "supervisor", "guess").status_code == 401
    assert sign_in(client, "supervisor", "demo").status_code == 429
    assert client.post("/api/v1/login", json={"login": "supervisor", "password": "demo",
                                              "device_id": "x"}).status_code == 429
    assert client.post("/api/v1/badge-login", json={"badge": "supervisor", "pin": "1234",
                                                    "device_id": "x"}).status_code == 429
    response = client.post("/switch", data={"badge": "supervisor", "pin": "1234",
                                            "csrf_token": csrf_token(client, "/switch")})
    assert response.status_code == 429


def test_idle_desk_session_is_signed_out(app):
    client = page_client(app, "supervisor")
    assert client.get("/supervisor/exceptions").status_code == 200
    with client.session_transaction() as session:
        session["last_seen"] -= app.config["IDLE_TIMEOUT_MINUTES"] * 60 + 1
    response = client.get("/supervisor/exceptions")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_disabled_user_is_refused_on_the_next_request_everywhere(app, client, store):
    from pwa.models import User
    from sqlalchemy import select
    page = page_client(app, "supervisor")
    device = Api(client, "desk").login("supervisor")
    store.scalar(select(User).where(User.login == "supervisor")).active = False
    store.commit()
    assert page.get("/supervisor/").status_code == 302
    assert device.get("/api/v1/catalog").status_code == 401
    assert device.post(new_action("issue")).status_code == 401
    assert client.post("/api/v1/login", json={"login": "supervisor", "password": "demo",
                                              "device_id": "desk"}).status_code == 401


def test_security_headers_on_every_page_and_api_answer(app, client):
    problems = []
    clients = {login: page_client(app, login) for login in ("nurse", "supervisor", "admin")}
    clients["nobody"] = app.test_client()
    for who, browser in clients.items():
        for endpoint, method, url in routes(app, PAGES):
            if method != "GET":
                continue
            problems += _header_problems(browser.get(url), f"{who} {url}")
    device = Api(client, "headers").login("supervisor")
    for endpoint, method, url in routes(app, API):
        if method == "GET":
            problems += _header_problems(client.get(url, headers=device.headers), url)
    assert problems == []


def _header_problems(response, where: str) -> list[str]:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    wrong = []
    if "unsafe-inline" in csp or "script-src 'self'" not in csp or "frame-ancestors 'none'" not in csp \
            or "default-src 'self'" not in csp:
        wrong.append("csp")
    if headers.get("X-Content-Type-Options") != "nosniff":
        wrong.append("nosniff")
    if headers.get("Referrer-Policy") not in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"):
        wrong.append("referrer")
    if headers.get("X-Frame-Options") != "DENY":
        wrong.append("frame")
    return [f"{where}: {', '.join(wrong)}"] if wrong else []


def test_no_page_carries_inline_script(app):
    problems = []
    for login in LOGIN_OF.values():
        browser = page_client(app, login)
        for endpoint, method, url in routes(app, PAGES):
            if method != "GET" or endpoint == "static":
                continue
            response = browser.get(url)
            if response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) or re.search(r"\son[a-z]+\s*=", html):
                problems.append(url)
    assert problems == []


def test_no_odoo_credential_ever_reaches_a_page_an_api_answer_or_a_device_file(app, client, nurse):
    app.config["ODOO"] = ODOO
    secrets = (ODOO.password, ODOO.user, ODOO.db)
    seen = []
    for login in LOGIN_OF.values():
        browser = page_client(app, login)
        for endpoint, method, url in routes(app, PAGES):
            if method == "GET":
                seen.append((url, browser.get(url).get_data()))
        device = Api(client, f"creds-{login}").login(login)
        for endpoint, method, url in routes(app, API):
            if method == "GET":
                seen.append((url, client.get(url, headers=device.headers).get_data()))
        seen.append(("login", client.post("/api/v1/login", json={"login": login, "password": "demo",
                                                                 "device_id": f"creds-{login}"}).get_data()))
    seen.append(("catalog", nurse.get("/api/v1/catalog?limit=10000").get_data()))
    seen.append(("actions", nurse.post(new_action("issue")).get_data()))
    with app.test_request_context():
        worker = url_for("device.service_worker")
    seen.append(("sw.js", client.get(worker).get_data()))
    leaks = [url for url, body in seen for secret in secrets if secret.encode() in body]
    assert leaks == []
