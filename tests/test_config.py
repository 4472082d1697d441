"""Settings come from the environment; a wrong one stops start-up with one readable line."""
import subprocess
import sys
from pathlib import Path

import pytest

from pwa.config import ConfigError, from_environment

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_are_safe(tmp_path):
    settings = from_environment({}, tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URL"] == f"sqlite:///{tmp_path / 'wardsupply.db'}"
    assert settings["HOST"] == "127.0.0.1" and settings["PORT"] == 5000 and settings["ODOO"] is None
    key = settings["SECRET_KEY"]
    assert len(key) > 40 and (tmp_path / "secret_key").read_text() == key
    assert from_environment({}, tmp_path)["SECRET_KEY"] == key


def test_postgres_url_uses_psycopg3(tmp_path):
    url = from_environment({"DATABASE_URL": "postgresql://u@h/db"}, tmp_path)["SQLALCHEMY_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://")


@pytest.mark.parametrize("env,words", [
    ({"PORT": "eighty"}, "PORT must be a number"),
    ({"PORT": "70000"}, "PORT must be a number"),
    ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be sqlite:// or postgresql://"),
    ({"DATABASE_URL": "::nonsense"}, "DATABASE_URL is not a database URL"),
    ({"ODOO_URL": "http://odoo.local"}, "set ODOO_DB, ODOO_USER, ODOO_PASSWORD too"),
    ({"ODOO_URL": "odoo.local", "ODOO_DB": "d", "ODOO_USER": "u", "ODOO_PASSWORD": "p"}, "ODOO_URL must look like"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY is too short"),
])
def test_wrong_settings_are_named(tmp_path, env, words):
    with pytest.raises(ConfigError, match=words):
        from_environment(env, tmp_path)


def test_wrong_setting_stops_the_cli_with_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "users", "--help"], cwd=ROOT,
                            capture_output=True, text=True, env={"PORT": "eighty", "PATH": "/usr/bin:/bin",
                                                                  "HOME": str(tmp_path)}, timeout=60)
    assert result.returncode != 0
    assert "Ward Supply cannot start: PORT must be a number" in result.stderr
    assert "Traceback" not in result.stderr


def test_proxy_count_must_be_a_number(tmp_path):
    assert from_environment({"PROXY_COUNT": "1"}, tmp_path)["PROXY_COUNT"] == 1
    with pytest.raises(ConfigError, match="PROXY_COUNT must be a whole number"):
        from_environment({"PROXY_COUNT": "yes"}, tmp_path)


def test_behind_a_proxy_throttling_sees_each_client(database_url):
    from app import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URL": database_url, "SECRET_KEY": "x" * 20, "PROXY_COUNT": 1})
    client = app.test_client()
    for _ in range(5):
        client.post("/api/v1/login", json={"login": "nurse", "password": "no", "device_id": "t"},
                    headers={"X-Forwarded-For": "10.0.0.1"})
    blocked = client.post("/api/v1/login", json={"login": "nurse", "password": "demo", "device_id": "t"},
                          headers={"X-Forwarded-For": "10.0.0.1"})
    other = client.post("/api/v1/login", json={"login": "nurse", "password": "demo", "device_id": "t"},
                        headers={"X-Forwarded-For": "10.0.0.2"})
    assert (blocked.status_code, other.status_code) == (429, 200)
    app.extensions["journal_engine"].dispose()
