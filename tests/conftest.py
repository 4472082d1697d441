"""The test world: a fresh journal per test holding the demo hospital, on SQLite and (where a test asks) PostgreSQL.

A migrated and seeded template is built once per run for each database, then copied for every test, so each test
starts from the same hospital in milliseconds.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine
from werkzeug.serving import make_server

from app import create_app
from pwa import db
from pwa.migrate import upgrade
from pwa.seed import seed_demo
from sqlalchemy.orm import Session

PG_ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
RUN_ID = uuid.uuid4().hex[:8]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_configure(config):
    config.addinivalue_line("markers", "both_databases: run this test on SQLite and on PostgreSQL")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        both = metafunc.definition.get_closest_marker("both_databases")
        metafunc.parametrize("backend", ["sqlite", "postgresql"] if both else ["sqlite"], scope="session")


def _seed_template(url: str) -> None:
    engine = create_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        seed_demo(session)
        session.commit()
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "journal.db"
    _seed_template(f"sqlite:///{path}")
    return path


def _pg_execute(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(sql)


@pytest.fixture(scope="session")
def postgres_template():
    """A seeded template database for this run; dropped at the end with every copy made from it."""
    name = f"ws_test_{RUN_ID}_template"
    try:
        _pg_execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL is needed at {PG_ADMIN} for the journal tests: {error}")
    _seed_template(_pg_url(name))
    copies: list[str] = []
    yield name, copies
    for database in copies + [name]:
        _pg_execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _pg_url(name: str) -> str:
    return re.sub(r"/[^/]*$", f"/{name}", PG_ADMIN).replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture
def database_url(request, backend, tmp_path) -> str:
    if backend == "sqlite":
        path = tmp_path / "journal.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    template, copies = request.getfixturevalue("postgres_template")
    name = f"ws_test_{RUN_ID}_{len(copies)}"
    _pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    copies.append(name)
    return _pg_url(name)


@pytest.fixture
def app(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key-not-for-production",
                      "TESTING": True, "ODOO": None, "LOGIN_FAILURES_ALLOWED": 5})
    yield app
    app.extensions["journal_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def journal(app):
    """A database session on the test's journal, for assertions on what was really stored."""
    with app.app_context():
        yield db.session()


def new_action(type_="issue", location="WARD-4B", lines=None, **fields) -> dict:
    """A valid action of the contract, as a device would make it."""
    action = {"id": str(uuid.uuid4()), "type": type_,
              "created_at": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
              "location": location, "lines": lines or [{"product": "SYR-10ML", "qty": 2}]}
    if type_ == "issue" and "encounter" not in fields and not fields.get("floor_charge"):
        action["encounter"] = "ENC-2026-000123"
    action.update(fields)
    return action


class Api:
    """A device talking to API v1: signs in like a device and carries its bearer token."""

    def __init__(self, client, device_id: str = "ward-4b-tab-2"):
        self.client = client
        self.device_id = device_id
        self.token: str | None = None

    def login(self, login: str = "nurse", password: str = "demo") -> "Api":
        response = self.client.post("/api/v1/login",
                                    json={"login": login, "password": password, "device_id": self.device_id})
        assert response.status_code == 200, response.get_json()
        self.token = response.get_json()["token"]
        return self

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, *actions: dict):
        return self.client.post("/api/v1/actions", json={"actions": list(actions)}, headers=self.headers)

    def results(self, *actions: dict) -> list[dict]:
        response = self.post(*actions)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["results"]

    def get(self, path: str):
        return self.client.get(path, headers=self.headers)


@pytest.fixture
def nurse(client) -> Api:
    return Api(client).login("nurse")


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, login: str = "nurse", password: str = "demo"):
    return client.post("/login", data={"login": login, "password": password, "csrf_token": csrf_token(client)})


# Browser tests: Debian's Chromium, a live server per test.

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS}


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free loopback port, for the browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
